"""Authentication backend: Django's ModelBackend, with the signed-in user read once, not per page.

Every signed-in page loads the user and asks for their role, which cost ModelBackend three
queries per request (the user, their own permissions, their groups' permissions). Here one
UNION reads both kinds of permission, and when all processes share one cache
(settings.SHARED_CACHE: Redis, database) the user's row and permissions are kept there under a
generation that any saved or deleted user, group or permission moves (at once, and again when
its transaction commits). A deactivated user, a new password or a revoked role therefore takes
effect on the next request in every process. A per-process cache could not be told about a
change made in another process, so without a shared cache every request reads the database,
as Django does.

The entry also says whether the user is a member of any organiser (the last question
`roles.role_of` asks of an organiser's user on every page); principals moves the generation
when a membership is added or removed.
"""

import contextlib
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

GENERATION_KEY = "portal:auth:generation"
# An entry outlives no change it was told about; this bounds one it was not told about (a raw
# SQL edit of the user or group tables).
TIMEOUT = 60 * 5


def _entry_key(user_id) -> str:
    return f"portal:auth:user:v2:{user_id}"


class PortalModelBackend(ModelBackend):
    def get_user(self, user_id):
        if not settings.SHARED_CACHE:
            return super().get_user(user_id)
        User = get_user_model()
        try:
            user_id = User._meta.pk.to_python(user_id)
        except ValidationError:  # a session holding something that is no user id
            return None
        generation, entry = _lookup(user_id)
        if entry is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            # A superuser holds every permission (ModelBackend reads them if ever asked).
            permissions = None if user.is_superuser else _read_permissions(user)
            is_member = user.memberships.exists()
            fields = [f.attname for f in User._meta.concrete_fields]
            values = [getattr(user, name) for name in fields]
            entry = (generation, fields, values, permissions, is_member)
            cache.set(_entry_key(user_id), entry, TIMEOUT)
        else:
            _generation, fields, values, permissions, is_member = entry
            user = User.from_db(User.objects.db, fields, values)
            if not self.user_can_authenticate(user):
                return None
        user._portal_is_member = is_member
        if permissions is not None:
            user._perm_cache = set(permissions)
        return user

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser or hasattr(user_obj, "_perm_cache"):
            return super().get_all_permissions(user_obj, obj)
        user_obj._perm_cache = set(_read_permissions(user_obj))
        return user_obj._perm_cache


def _read_permissions(user) -> frozenset[str]:
    fields = ("content_type__app_label", "codename")
    own = Permission.objects.filter(user=user).order_by().values_list(*fields)
    by_group = Permission.objects.filter(group__user=user).order_by().values_list(*fields)
    return frozenset(f"{app}.{codename}" for app, codename in own.union(by_group).order_by())


def _lookup(user_id) -> tuple[int, tuple | None]:
    """The current generation and the user's entry if it was made in that generation."""
    key = _entry_key(user_id)
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        # A new value no entry can carry, even if the old generation was evicted.
        cache.add(GENERATION_KEY, time.time_ns(), None)
        return cache.get(GENERATION_KEY), None
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return generation, entry
    return generation, None


def forget_all_users() -> None:
    """Every cached user and permission set is stale from now on, and again after the commit.

    Moved at once, so the rest of this transaction (and a test run inside one) sees the change;
    moved again after the commit, because another process may meanwhile have read the old rows
    and kept them under the new generation.
    """

    def bump():
        with contextlib.suppress(ValueError):  # gone: the next lookup starts a new generation
            cache.incr(GENERATION_KEY)

    bump()
    transaction.on_commit(bump)


@receiver(m2m_changed, sender=get_user_model().groups.through)
@receiver(m2m_changed, sender=get_user_model().user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def _membership_changed(action, **kwargs) -> None:
    if action.startswith("post_"):
        forget_all_users()


@receiver([post_save, post_delete], sender=get_user_model())
@receiver([post_save, post_delete], sender=Group)
@receiver([post_save, post_delete], sender=Permission)
def _record_changed(update_fields=None, **kwargs) -> None:
    # Every sign-in saves the user's last_login, which nothing cached depends on; moving the
    # generation then would make every signed-in user's next request read the database again.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    forget_all_users()
