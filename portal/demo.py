"""Demo accounts, one per role. Passwords are public on purpose: this is demonstration data.

Also the demo's clock: the other apps' demo data is written through the real services at the
times it would have happened, so created-dates and the history read like a real programme's.
"""

import datetime
from contextlib import contextmanager
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from .roles import GOVERNMENT_GROUP, LEAD_GROUP, STAFF_GROUP

DEMO_PASSWORD = "demo-skoldigi-2026"  # noqa: S105 - printed by `make run` for local use

ACCOUNTS = [
    # username, first name, last name, group, superuser, role label
    ("demo-admin", "Alva", "Admin", None, True, "Administratör"),
    (
        "demo-ledning",
        "Lina",
        "Programledare",
        LEAD_GROUP,
        False,
        "Programledning (godkänner rapport)",
    ),
    ("demo-personal", "Per", "Programhandläggare", STAFF_GROUP, False, "Programpersonal"),
    ("demo-regering", "Rut", "Regeringskansliet", GOVERNMENT_GROUP, False, "Regeringens läsare"),
]


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment on `day` in the portal's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@contextmanager
def clock(moment: datetime.datetime):
    """Run the code inside as if it were `moment`, for demo data only.

    The services, audit events and auto_now fields all read `django.utils.timezone.now`, so
    moving that one clock dates everything they write, without a time argument on every service.
    `datetime.date.today()` is left alone: nothing the demo writes depends on it.
    """
    with mock.patch.object(timezone, "now", return_value=moment):
        yield moment


def ensure_user(username: str, *, first_name: str, last_name: str, superuser: bool = False):
    """Create the demo user once; later runs leave a changed password alone."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@demo.skoldigistod.invalid",
            "is_staff": superuser,
            "is_superuser": superuser,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def load(stdout) -> list[tuple[str, str]]:
    accounts = []
    for username, first, last, group_name, superuser, label in ACCOUNTS:
        user = ensure_user(username, first_name=first, last_name=last, superuser=superuser)
        if group_name:
            user.groups.add(Group.objects.get(name=group_name))
        accounts.append((username, label))
    return accounts
