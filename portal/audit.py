"""Writing and reading the audit trail. Services call `record`; pages show `history_for`."""

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .models import AuditEvent
from .permissions import MANAGE_PRINCIPALS

Action = AuditEvent.Action
# Events about people (invitations, members): their notes and values name the person.
PEOPLE_ACTIONS = {
    Action.INVITED,
    Action.INVITATION_RESENT,
    Action.INVITATION_REVOKED,
    Action.INVITATION_ACCEPTED,
    Action.MEMBER_ADDED,
    Action.MEMBER_REMOVED,
}


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Readable, JSON-safe values of an instance's fields, for old/new comparisons."""
    values: dict[str, Any] = {}
    for field in instance._meta.get_fields():
        if fields is not None and field.name not in fields:
            continue
        if field.auto_created or not (getattr(field, "concrete", False) or field.many_to_many):
            continue
        if field.many_to_many:
            if instance.pk is None:
                continue
            values[field.name] = sorted(str(o) for o in getattr(instance, field.name).all())
        elif field.is_relation:
            related = getattr(instance, field.name)
            values[field.name] = str(related) if related is not None else None
        else:
            value = getattr(instance, field.attname)
            if field.choices and value not in (None, ""):
                value = str(dict(field.flatchoices).get(value, value))
            elif value is not None and not isinstance(value, bool | int | str):
                value = str(value)
            values[field.name] = value
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs, as {field: [old, new]}."""
    keys = dict.fromkeys([*before, *after])
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record(
    *,
    actor,
    subject: models.Model,
    action: str,
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
) -> AuditEvent:
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    label = ""
    if actor_user is not None:
        label = actor_user.get_full_name() or actor_user.get_username()
    elif isinstance(actor, str):
        label = actor
    return AuditEvent.objects.create(
        actor=actor_user,
        actor_label=label[:200],
        action=action,
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        object_id=str(subject.pk),
        object_repr=str(subject)[:300],
        changes=changes or {},
        note=note,
    )


def record_change(*, actor, subject: models.Model, before: dict[str, Any], note: str = "") -> None:
    """Record a CHANGED event when anything differs from `before`."""
    changes = diff(before, snapshot(subject))
    if changes:
        record(actor=actor, subject=subject, action=Action.CHANGED, changes=changes, note=note)


def history_for(obj: models.Model):
    """Newest first, with the actor loaded in the same query."""
    return AuditEvent.objects.for_object(obj).select_related("actor")


def labelled_changes(event: AuditEvent, model: type[models.Model]) -> list[tuple[str, Any, Any]]:
    """(field label, old, new) for display, using the model's verbose names."""
    rows = []
    for name, (old, new) in event.changes.items():
        try:
            label = capfirst(model._meta.get_field(name).verbose_name)
        except Exception:
            label = name
        rows.append((label, old, new))
    return rows


EMAIL = re.compile(r"[^\s@()<>,;:\"']+@[^\s@()<>,;:\"']+")


def sees_people(reader) -> bool:
    """Who is shown organisers' members and invitees, and so their e-mail addresses."""
    return reader is not None and reader.has_perm(MANAGE_PRINCIPALS)


def _hide_emails(text, own: str) -> str:
    if not isinstance(text, str):
        return text
    return EMAIL.sub(
        lambda m: m.group(0) if m.group(0).lower() == own else _("(e-mail hidden)"), text
    )


def event_as_seen(event: AuditEvent, model: type[models.Model], reader):
    """(event, actor label, note, changes) for display to `reader`: someone not shown the
    member list does not see other people's e-mail addresses (invitees, removed members,
    actors whose name is their address); their own address they do see."""
    changes = labelled_changes(event, model)
    actor, note = event.actor_label, event.note
    if not sees_people(reader):
        own = (getattr(reader, "email", "") or "").lower()
        actor, note = _hide_emails(actor, own), _hide_emails(note, own)
        if event.action in PEOPLE_ACTIONS:
            changes = [
                (label, _hide_emails(old, own), _hide_emails(new, own))
                for label, old, new in changes
            ]
    return event, actor, note, changes
