"""Writing and reading the audit trail. Services call `record`; pages show `history_for`.

Events store facts: field names, choice codes, ISO dates, amounts as decimal strings and the
actor's user or, for a command, its code. What a reader sees (a person's name, the field's
label, "1 250 000 kr", "5 mars 2026") is worked out when the history is shown, so old events
read as well as new ones and in the reader's language.
"""

import html
import re
from collections.abc import Iterable
from typing import Any

import markdown
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .formatting import kr
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
            # Facts, not labels: a choice is stored as its code and shown by its label later.
            value = getattr(instance, field.attname)
            if value is not None and not isinstance(value, bool | int | str):
                value = str(value)
            values[field.name] = value
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs, as {field: [old, new]}."""
    keys = dict.fromkeys([*before, *after])
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def actor_label(actor) -> str:
    """Who did it, as stored beside an event or a version: a person's full name (their user
    name when they have none), or a system actor's label ("Systemet (inläsning av …)") as
    given; at most 200 characters, the width of every `*_label` column."""
    if getattr(actor, "is_authenticated", False):
        # A person acting through an API key (api/auth.py): the key's code, a fact.
        through = getattr(actor, "api_key_code", "")
        if through:
            return through[:200]
        return (actor.get_full_name() or actor.get_username())[:200]
    if isinstance(actor, str):
        return actor[:200]
    return ""


def record(
    *,
    actor,
    subject: models.Model,
    action: str,
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
) -> AuditEvent:
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor_user,
        actor_label=actor_label(actor),
        action=action,
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        object_id=str(subject.pk),
        object_repr=str(subject)[:300],
        changes=changes or {},
        note=note,
    )


def record_each(*, actor, subject: models.Model, action: str, notes: list[str]) -> None:
    """One event per note about the same subject, written together (a reminder per organiser)."""
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    label = actor_label(actor)
    content_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor_user,
                actor_label=label,
                action=action,
                content_type=content_type,
                object_id=str(subject.pk),
                object_repr=str(subject)[:300],
                changes={},
                note=note,
            )
            for note in notes
        ],
        batch_size=1000,
    )


def record_change(*, actor, subject: models.Model, before: dict[str, Any], note: str = "") -> None:
    """Record a CHANGED event when anything differs from `before`."""
    changes = diff(before, snapshot(subject))
    if changes:
        record(actor=actor, subject=subject, action=Action.CHANGED, changes=changes, note=note)


def history_for(obj: models.Model):
    """Newest first, with the actor loaded in the same query."""
    return AuditEvent.objects.for_object(obj).select_related("actor")


def history_rows(obj: models.Model, reader, limit: int = 50) -> dict:
    """The context of the history section (portal/partials/history.html) for this reader."""
    model = type(obj)
    return {"rows": [event_as_seen(e, model, reader) for e in history_for(obj)[:limit]]}


def history_html(obj: models.Model, reader, *, version: str) -> str:
    """The history section, kept per record and reader under `version`: a change_version
    (portal/fragments.py), which moves with every audit event, read once for the page."""
    from django.template.loader import render_to_string

    from .fragments import fragment

    return fragment(
        "history",
        (obj._meta.label, obj.pk, getattr(reader, "pk", None)),
        lambda: render_to_string("portal/partials/history.html", history_rows(obj, reader)),
        version=version,
    )


# ---- reading: what a reader is shown -----------------------------------------------------------

# Commands and data loads record their code as the actor; readers see what the system did.
SYSTEM_ACTORS = {
    "import_skolverket": gettext_lazy("import of Skolverket's register"),
    "load_demo": gettext_lazy("demo data"),
    "load_agreement_2020": gettext_lazy("loading of the 2020 agreement"),
    "load_framework": gettext_lazy("loading of the self-assessment framework"),
    "send_reminders": gettext_lazy("reminders"),
    "send_report_reminders": gettext_lazy("final report reminders"),
    "publish_rounds": gettext_lazy("publication of results"),
    "tally_rebuild": gettext_lazy("recount of the staff figures"),
    # portal/personal_data.py records its code with a Swedish gloss.
    "personal_data (begäran om personuppgifter)": gettext_lazy("personal data request"),
    "benchmark": gettext_lazy("performance test"),
}

# An event made through an API key stores "api-key:<the key's prefix>" as its actor label.
API_KEY_ACTOR = "api-key:"

# Text written in Markdown ("app_label.Model.field"): the history shows it as plain text.
MARKDOWN_FIELDS = {"reporting.ReportSection.body"}

# Bookkeeping that tells the portal about edit conflicts, not the reader about the record.
HIDDEN_KEYS = {"version"}

# Activity budgets are recorded per funding year: "budget_2021" (before, the label itself).
BUDGET_KEY = re.compile(r"^budget[ _](\d{4})$", re.IGNORECASE)

EMAIL = re.compile(r"[^\s@()<>,;:\"']+@[^\s@()<>,;:\"']+")


def sees_people(reader) -> bool:
    """Who is shown organisers' members and invitees, and so their e-mail addresses."""
    return reader is not None and reader.has_perm(MANAGE_PRINCIPALS)


def _own_email(reader) -> str:
    return (getattr(reader, "email", "") or "").lower()


def _hide_emails(text, own: str) -> str:
    if not isinstance(text, str):
        return text
    return EMAIL.sub(
        lambda m: m.group(0) if m.group(0).lower() == own else _("(e-mail hidden)"), text
    )


def system_actor(code: str) -> str | None:
    what = SYSTEM_ACTORS.get(code)
    return _("System (%(what)s)") % {"what": what} if what is not None else None


def actor_shown(user, label: str, reader) -> str:
    """Who did it, as a person reads it: the name; without one, the e-mail address if the
    reader may see it; a command as what the system did. Never a user name."""
    if label.startswith(API_KEY_ACTOR):
        key = label.removeprefix(API_KEY_ACTOR)
        if user is None:
            return _("API key %(key)s") % {"key": key}
        who = actor_shown(user, "", reader)
        return _("%(who)s through API key %(key)s") % {"who": who, "key": key}
    if user is not None:
        name = user.get_full_name().strip()
        if name:
            return name
        email = user.email or ""
        if not email:
            return _("Name removed")
        if sees_people(reader) or email.lower() == _own_email(reader):
            return email
        return _("A user (e-mail address hidden)")
    if not label:
        return _("System")
    shown = system_actor(label)
    if shown is not None:
        return shown
    # A deleted account: the name recorded then, without other people's addresses.
    return label if sees_people(reader) else _hide_emails(label, _own_email(reader))


def history_field(model: type[models.Model], name: str):
    """The field an event's key names, or None when the model has no such field (any more).

    A record also carries changes to its own rows (a final report records its sections'
    heading and text): a key that is not the model's field is looked up on those rows.
    """
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        field = None
    if field is not None and not field.auto_created:
        return field
    for relation in model._meta.related_objects:
        if not relation.one_to_many:
            continue
        try:
            row_field = relation.related_model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not row_field.auto_created:
            return row_field
    return field


def field_label(field, name: str) -> str:
    if field is None:
        budget = BUDGET_KEY.match(name)
        if budget:
            return _("Budget %(year)s") % {"year": budget.group(1)}
        return name
    if field.auto_created and field.is_relation:  # a record's own rows, e.g. its sections
        return capfirst(field.related_model._meta.verbose_name_plural)
    return capfirst(field.verbose_name)


def _plain_text(text: str) -> str:
    """Markdown as the words a reader sees, without the markup."""
    rendered = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    words = html.unescape(strip_tags(rendered))
    return " ".join(words.split())


def _date(value: str) -> str:
    parsed = parse_date(value) if isinstance(value, str) else None
    return date_format(parsed, "DATE_FORMAT") if parsed else str(value)


def _datetime(value: str) -> str:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        return _date(value)
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return date_format(parsed, "DATETIME_FORMAT")


def value_shown(field, value, name: str = "") -> str:
    """One stored value as a reader reads it, from the raw value and the field's metadata.
    A value whose field is gone is shown as it was stored."""
    if value is None or value == "" or value == [] or value == {}:
        return _("(empty)")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(value_shown(field, v, name) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {value_shown(None, v)}" for k, v in value.items())
    if field is None:
        return kr(value) if BUDGET_KEY.match(name) else str(value)
    if field.auto_created:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DecimalField):
        return kr(value)
    if isinstance(field, models.DateTimeField):
        return _datetime(value)
    if isinstance(field, models.DateField):
        return _date(value)
    if f"{field.model._meta.label}.{field.name}" in MARKDOWN_FIELDS:
        return _plain_text(str(value))
    return str(value)


def changes_shown(model: type[models.Model], changes: dict[str, list[Any]]):
    """(label, old, new) for display, in the order recorded, without bookkeeping keys."""
    rows = []
    for name, pair in changes.items():
        if name in HIDDEN_KEYS:
            continue
        old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        field = history_field(model, name)
        label = field_label(field, name)
        rows.append((label, value_shown(field, old, name), value_shown(field, new, name)))
    return rows


def event_as_seen(event: AuditEvent, model: type[models.Model], reader):
    """(event, actor, note, changes) for display to `reader`: someone not shown the member
    list does not see other people's e-mail addresses (invitees, removed members, actors
    without a name); their own address they do see."""
    changes = changes_shown(model, event.changes)
    actor = actor_shown(event.actor, event.actor_label, reader)
    note = event.note
    if not sees_people(reader):
        own = _own_email(reader)
        note = _hide_emails(note, own)
        if event.action in PEOPLE_ACTIONS:
            changes = [
                (label, _hide_emails(old, own), _hide_emails(new, own))
                for label, old, new in changes
            ]
    return event, actor, note, changes
