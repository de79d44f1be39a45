"""Demo accounts, one per role. Passwords are public on purpose: this is demonstration data."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

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
