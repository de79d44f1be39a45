"""Writes for API keys: created and revoked by people in the browser, uses logged per request."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import Action, record
from portal.permissions import MANAGE_PRINCIPALS
from principals import access
from principals.models import Principal

from .models import ApiKey, ApiKeyUse, hash_key, new_key

MAX_DAYS = 366


def may_manage(user, principal: Principal | None) -> bool:
    """An organiser's keys: its editors and programme staff; staff keys: programme staff."""
    if principal is None:
        return user.has_perm(MANAGE_PRINCIPALS)
    return access.is_editor_member(user, principal) or user.has_perm(MANAGE_PRINCIPALS)


def key_create(
    *, name: str, scope: str, expires_on, principal: Principal | None, actor
) -> tuple[ApiKey, str]:
    """A new key and the key itself, which is shown once and never stored."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the key a name, e.g. the system that will use it.")
    if scope not in ApiKey.Scope.values:
        errors["scope"] = _("Choose what the key may do.")
    today = timezone.localdate()
    if expires_on is None or expires_on <= today:
        errors["expires_on"] = _("The key must expire after today.")
    elif expires_on > today + timedelta(days=MAX_DAYS):
        errors["expires_on"] = _("A key can last at most a year.")
    if errors:
        raise ValidationError(errors)
    if principal is not None and not access.is_editor_member(actor, principal):
        # Staff make programme keys; an organiser's keys are made by its own editors.
        raise PermissionDenied
    if principal is None and not actor.has_perm(MANAGE_PRINCIPALS):
        raise PermissionDenied
    prefix, secret = new_key()
    expires_at = timezone.make_aware(
        timezone.datetime.combine(expires_on, timezone.datetime.max.time())
    )
    with transaction.atomic(durable=True):
        key = ApiKey.objects.create(
            name=name,
            prefix=prefix,
            key_hash=hash_key(secret),
            scope=scope,
            user=actor,
            principal=principal,
            expires_at=expires_at,
        )
        record(
            actor=actor,
            subject=key,
            action=Action.CREATED,
            changes={
                "scope": [None, scope],
                "expires_at": [None, expires_at.isoformat()],
                "principal": [None, str(principal) if principal else None],
            },
        )
    return key, secret


def key_revoke(*, key: ApiKey, actor) -> ApiKey:
    if not (key.user_id == actor.pk or may_manage(actor, key.principal)):
        raise PermissionDenied
    with transaction.atomic(durable=True):
        key = ApiKey.objects.select_for_update().get(pk=key.pk)
        if key.revoked_at is not None:
            raise ValidationError(_("The key has already been revoked."))
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record(actor=actor, subject=key, action=Action.DEACTIVATED)
    return key


def key_use_record(*, key: ApiKey, method: str, path: str, status: int) -> None:
    """Every request made with a key: one row, and the key's last use."""
    now = timezone.now()
    ApiKeyUse.objects.create(key=key, at=now, method=method[:7], path=path[:300], status=status)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
