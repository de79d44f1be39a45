"""One person's personal data on request: find it, export it, erase it (`manage.py personal_data`).

What is covered: user accounts with the address (name, e-mail, user name, roles), their
memberships of organisers, two-step devices, login-attempt logs, the history events they made,
and any other record with an e-mail field holding the address (organisation contacts,
invitations). Erasing keeps the history rows but replaces the person with a pseudonym.
To cover a new kind of personal data, add a function to USER_PARTS (per account) or rely on
the generic parts (records linked to the account, naming it, or holding the address), and say
in COVERAGE which part exports each field: tests/portal/test_personal_data_coverage.py walks
every model for fields that hold a name, an e-mail address, a phone number, an IP address or
an account, and fails for one COVERAGE does not name. Another app may declare its own fields
in `<app>/personal_data.py` with `cover(...)`.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import translation
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext, gettext_noop
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import Action, actor_label, record
from .models import AccessibilityFeedback, AuditEvent, OutgoingMail

User = get_user_model()
ACTOR = "personal_data (begäran om personuppgifter)"
ERASED_ON_REQUEST = gettext_noop("Personal data erased on request")


def pseudonym_for(user) -> str:
    return f"raderad-{user.pk}"


# ---- export: one function per kind of data held about an account ------------------------


def account(user) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.get_username(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "is_superuser": user.is_superuser,
    }


def memberships(user) -> list[dict[str, Any]]:
    return [
        {
            "organiser": m.principal.name,
            "organisation_number": m.principal.organisation_number,
            "role": m.role,
            "since": m.created_at,
        }
        for m in user.memberships.select_related("principal").order_by("pk")
    ]


def two_factor_devices(user) -> list[dict[str, Any]]:
    return [
        {
            "name": d.name,
            "confirmed": d.confirmed,
            "created": d.created_at,
            "last_used": d.last_used_at,
        }
        for d in TOTPDevice.objects.filter(user=user).order_by("pk")
    ]


def login_attempts(user) -> list[dict[str, Any]]:
    rows = []
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        for entry in model.objects.filter(username=user.get_username()).order_by("pk"):
            rows.append(
                {
                    "kind": model.__name__,
                    "time": entry.attempt_time,
                    "ip_address": entry.ip_address,
                    "user_agent": entry.user_agent,
                }
            )
    return rows


def history_events(user) -> list[dict[str, Any]]:
    return [
        {
            "time": e.occurred_at,
            "event": e.action,
            "record_type": f"{e.content_type.app_label}.{e.content_type.model}",
            "record": e.object_repr,
            "changes": e.changes,
            "note": e.note,
        }
        for e in AuditEvent.objects.filter(actor=user).select_related("content_type")
    ]


USER_PARTS: dict[str, Callable[[Any], Any]] = {
    "account": account,
    "memberships": memberships,
    "two_factor_devices": two_factor_devices,
    "login_attempts": login_attempts,
    "history_events_made": history_events,
}


# ---- coverage: which part of the export holds each field with a person's data -------------

LINKED = "records_linked_to_the_account"  # a foreign key to the account: the whole record
NAMING = "records_naming_the_account"  # a "…_label" column holding the account's name
ADDRESS = "other_records_with_the_address"  # an e-mail field holding the address
RECIPIENT = "messages_to_the_address"  # a JSON list of recipients' addresses
MAIL = "e_mail_to_the_address"
NOT_PERSONAL = "not personal: "

COVERAGE: dict[str, dict[str, str]] = {
    "auth.User": dict.fromkeys(["username", "first_name", "last_name", "email"], "account"),
    "admin.LogEntry": {"user": LINKED},
    "contenttypes.ContentType": {"app_label": NOT_PERSONAL + "an app's name"},
    **{
        f"axes.{name}": dict.fromkeys(["username", "ip_address", "user_agent"], "login_attempts")
        for name in ("AccessAttempt", "AccessFailureLog", "AccessLog")
    },
    "otp_totp.TOTPDevice": {"user": "two_factor_devices", "name": "two_factor_devices"},
    "portal.AuditEvent": {"actor": "history_events_made", "actor_label": "history_events_made"},
    "portal.EmailCode": {"user": LINKED},
    "portal.Job": {"owner": LINKED, "result_name": LINKED},
    "portal.OutgoingMail": {"to": MAIL, "label": MAIL, "created_by_label": NAMING},
    "portal.AccessibilityFeedback": {
        "sender": LINKED,
        "name": "accessibility_feedback",
        "email": "accessibility_feedback",
    },
    "principals.Membership": {"user": "memberships"},
    "principals.Principal": {
        "name": NOT_PERSONAL + "an organisation's name",
        "may_be_named": NOT_PERSONAL + "whether the organisation may be named in figures",
        "email": ADDRESS,
        "phone": ADDRESS,
    },
    "principals.Invitation": {"email": ADDRESS, "invited_by": LINKED, "accepted_by": LINKED},
    "principals.ImportBatch": {"uploaded_by": LINKED, "filename": LINKED},
    "agreement.Activity": {"responsible": LINKED},
    "agreement.ProgressUpdate": {"author": LINKED},
    "readiness.AssessmentVersion": {"created_by": LINKED, "created_by_label": NAMING},
    "readiness.Reminder": {"sent_by_label": NAMING, "recipients": RECIPIENT},
    "reporting.SubmittedReport": {"submitted_by_label": NAMING},
    "reporting.RoundPublication": {"published_by_label": NAMING},
    "reporting.ReportReminder": {"recipients": RECIPIENT},
    "reporting.ArchivalPackage": {"created_by_label": NAMING},
    "api.ApiKey": {"user": LINKED, "name": LINKED},
    "federation.FederatedIdentity": {"user": LINKED},
    "federation.AccessRequest": {"decided_by": LINKED},
}
for _label, _reason in {
    "auth.Permission": "a permission's name",
    "auth.Group": "a role's name",
    "contenttypes.ContentType": "a model's name",
    "django_tasks_database.DBTaskResult": "the queue's and backend's names",
    "principals.County": "a county's name",
    "principals.Municipality": "a municipality's name",
    "principals.SchoolUnit": "a school unit's name",
    "agreement.Partner": "a partner organisation's name",
    "readiness.FrameworkVersion": "a framework version's name",
    "readiness.ReportingRound": "a reporting round's name",
}.items():
    COVERAGE.setdefault(_label, {})["*name*"] = NOT_PERSONAL + _reason

PERSONAL_NAME = re.compile(
    r"name|e_?mail|phone|telefon|mobile|ip_address|^ip$|username|user_agent|_label$|^label$"
    r"|^to$|recipient"
)


def cover(label: str, **fields: str) -> None:
    """Declare how the export covers fields of another app's model (from its personal_data.py)."""
    COVERAGE.setdefault(label, {}).update(fields)


def looks_personal(field: models.Field) -> bool:
    if isinstance(field, (models.EmailField, models.GenericIPAddressField)):
        return True
    if field.is_relation and field.related_model is User and not field.auto_created:
        return True
    return bool(PERSONAL_NAME.search(field.name))


def covered_by(model: type[models.Model], field: models.Field) -> str | None:
    declared = COVERAGE.get(model._meta.label, {})
    if field.name in declared:
        return declared[field.name]
    if "*name*" in declared and "name" in field.name and not field.is_relation:
        return declared["*name*"]
    return None


def uncovered() -> list[str]:
    """Fields that look like a person's data and that no part of the export is said to cover."""
    autodiscover_modules("personal_data")
    missing = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if looks_personal(field) and covered_by(model, field) is None:
                missing.append(f"{model._meta.label}.{field.name}")
    return missing


def declared(part: str) -> Iterable[tuple[type[models.Model], models.Field]]:
    autodiscover_modules("personal_data")
    for label, fields in COVERAGE.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        for name, covering in fields.items():
            if covering == part and name != "*name*":
                yield model, model._meta.get_field(name)


SKIPPED = (models.BinaryField,)
SECRET = re.compile(r"hash|secret|token|key$|password")


def record_values(obj: models.Model) -> dict[str, Any]:
    """A record as the export shows it: its plain fields, never a file's bytes or a secret."""
    values = {"record_type": obj._meta.label, "id": str(obj.pk), "record": str(obj)}
    for field in obj._meta.concrete_fields:
        if isinstance(field, SKIPPED) or SECRET.search(field.name) or field.primary_key:
            continue
        value = getattr(obj, field.attname)
        values[field.name] = str(getattr(obj, field.name)) if field.is_relation and value else value
    return values


def linked_records(user) -> list[dict[str, Any]]:
    rows = []
    for model, field in declared(LINKED):
        if field.is_relation:
            for obj in model._default_manager.filter(**{field.name: user}).order_by("pk"):
                rows.append({"linked_by": field.name, **record_values(obj)})
    return rows


def naming_records(user) -> list[dict[str, Any]]:
    label = actor_label(user)
    rows = []
    for model, field in declared(NAMING):
        for obj in model._default_manager.filter(**{field.name: label}).order_by("pk"):
            rows.append({"named_in": field.name, **record_values(obj)})
    return rows


def messages_to(address: str) -> list[dict[str, Any]]:
    rows = []
    for model, field in declared(RECIPIENT):
        for obj in model._default_manager.filter(**{f"{field.name}__icontains": address}):
            if address.lower() in (str(a).lower() for a in getattr(obj, field.name) or []):
                rows.append({"listed_in": field.name, **record_values(obj)})
    return rows


USER_PARTS[LINKED] = linked_records
USER_PARTS[NAMING] = naming_records


def feedback_from(address: str) -> list[dict[str, Any]]:
    return [
        record_values(f)
        for f in AccessibilityFeedback.objects.filter(email__iexact=address).order_by("pk")
    ]


def email_fields() -> Iterable[tuple[type[models.Model], models.EmailField]]:
    """Every e-mail field outside the user model: organisation contacts, invitations, ..."""
    for model in apps.get_models():
        if model is User or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.EmailField):
                yield model, field


def records_with_address(address: str) -> list[tuple[models.Model, models.EmailField]]:
    found = []
    for model, field in email_fields():
        for obj in model._default_manager.filter(**{f"{field.name}__iexact": address}):
            found.append((obj, field))
    return found


def describe(obj: models.Model, field: models.EmailField) -> dict[str, Any]:
    return {
        "record_type": obj._meta.label,
        "id": str(obj.pk),
        "record": str(obj),
        "field": field.name,
    }


# ---- erase ---------------------------------------------------------------------------------


Replacements = list[tuple[re.Pattern, str]]


def scrub(value: Any, replacements: Replacements) -> Any:
    """Replace every whole-word occurrence of the person's identifiers in strings and JSON."""
    if isinstance(value, str):
        for pattern, replacement in replacements:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [scrub(v, replacements) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, replacements) for k, v in value.items()}
    return value


def replacements_for(identifiers: Iterable[str], replacement: str) -> Replacements:
    return [
        (re.compile(rf"(?<![\w.@-]){re.escape(i)}(?![\w.@-])", re.IGNORECASE), replacement)
        for i in sorted({i for i in identifiers if i}, key=len, reverse=True)
    ]


def user_identifiers(user) -> list[str]:
    identifiers = [user.email, user.get_username()]
    if user.first_name and user.last_name:
        identifiers.append(f"{user.first_name} {user.last_name}")
    return identifiers


def history_pseudonymise(replacements: Replacements, actors: dict[int, str]) -> int:
    """The history stays, with the person replaced by the pseudonym.

    This is the one sanctioned rewrite of history rows: the guarded queryset refuses updates,
    so the plain base manager is used, row by row.
    """
    fields = ("pk", "actor_id", "actor_label", "object_repr", "changes", "note")
    changed = 0
    for event in AuditEvent._base_manager.only(*fields).iterator(chunk_size=2000):
        new = {
            "object_repr": scrub(event.object_repr, replacements),
            "changes": scrub(event.changes, replacements),
            "note": scrub(event.note, replacements),
            "actor_label": actors.get(event.actor_id, event.actor_label),
        }
        if any(getattr(event, k) != v for k, v in new.items()):
            AuditEvent._base_manager.filter(pk=event.pk).update(**new)
            changed += 1
    return changed


def account_erase(user, *, actor: str = ACTOR, note: str = ERASED_ON_REQUEST) -> dict[str, int]:
    """Deactivate the account and strip it to a pseudonym; the history is scrubbed after.

    `note` is an English msgid, recorded in Swedish (a request, or the retention period)."""
    pseudonym = pseudonym_for(user)
    old_username = user.get_username()
    counts = {}
    for membership in user.memberships.select_related("principal"):
        record(
            actor=actor,
            subject=membership,
            action=Action.MEMBER_REMOVED,
            note=gettext(note),
        )
    counts["memberships_removed"] = user.memberships.all().delete()[0]
    counts["two_factor_devices_removed"] = TOTPDevice.objects.filter(user=user).delete()[0]
    counts["email_codes_removed"] = user.email_codes.all().delete()[0]
    counts["login_attempts_removed"] = sum(
        model.objects.filter(username=old_username).delete()[0]
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=pseudonym)
    user.username = pseudonym
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    record(actor=actor, subject=user, action=Action.DEACTIVATED, note=gettext(note))
    return counts


def address_erase(obj: models.Model, field: models.EmailField) -> None:
    """Blank the address (or replace it with a non-deliverable one where it is required)."""
    value = "" if field.blank else f"raderad-{obj._meta.model_name}-{obj.pk}@raderad.invalid"
    type(obj)._default_manager.filter(pk=obj.pk).update(**{field.name: value})
    obj.refresh_from_db()
    record(
        actor=ACTOR,
        subject=obj,
        action=Action.CHANGED,
        note=gettext("E-mail address erased on request"),
    )


def mail_to(address: str) -> list[OutgoingMail]:
    """Delivery records of messages to the address (a code's or link's text is not kept)."""
    candidates = OutgoingMail.objects.filter(to__icontains=address).order_by("pk")
    return [m for m in candidates if address.lower() in (a.lower() for a in m.to)]


def describe_mail(mail: OutgoingMail) -> dict[str, Any]:
    return {
        "subject": mail.subject,
        "to": mail.to,
        "status": mail.get_status_display(),
        "queued": mail.created_at,
        "sent": mail.sent_at,
        "text": mail.body,
    }


def mail_scrub(mails: list[OutgoingMail], replacements: Replacements) -> int:
    """The records stay (they count what was sent), without the person in them."""
    for mail in mails:
        OutgoingMail.objects.filter(pk=mail.pk).update(
            to=scrub(mail.to, replacements),
            subject=scrub(mail.subject, replacements),
            label=scrub(mail.label, replacements),
            answer=scrub(mail.answer, replacements),
            body="",
        )
    return len(mails)


# ---- the services the command calls --------------------------------------------------------


@dataclass(frozen=True)
class Holdings:
    """What the portal holds about one address: accounts with it and other records naming it."""

    address: str
    users: list
    contacts: list[tuple[models.Model, models.EmailField]]

    @property
    def found(self) -> bool:
        return bool(self.users or self.contacts)


@dataclass(frozen=True)
class ErasedAccount:
    user_pk: int
    pseudonym: str
    counts: dict[str, int]


@dataclass(frozen=True)
class ErasedAddress:
    record_type: str
    pk: Any
    field: str


@dataclass(frozen=True)
class Erasure:
    accounts: list[ErasedAccount]
    addresses: list[ErasedAddress]
    events_pseudonymised: int
    mails_scrubbed: int = 0


def personal_data_find(*, address: str) -> Holdings:
    return Holdings(
        address=address,
        users=list(User.objects.filter(email__iexact=address).order_by("pk")),
        contacts=records_with_address(address),
    )


def personal_data_export(*, holdings: Holdings) -> dict[str, Any]:
    """Everything held, as JSON-ready data (dates and times still to be encoded)."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "email": holdings.address,
            "accounts": [
                {name: part(u) for name, part in USER_PARTS.items()} for u in holdings.users
            ],
            ADDRESS: [{**describe(obj, f), **record_values(obj)} for obj, f in holdings.contacts],
            MAIL: [describe_mail(m) for m in mail_to(holdings.address)],
            RECIPIENT: messages_to(holdings.address),
            "accessibility_feedback": feedback_from(holdings.address),
        }


def personal_data_erase(*, holdings: Holdings) -> Erasure:
    """Erase it all in one transaction; the history stays, naming a pseudonym instead."""
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        replacements: Replacements = []
        actors: dict[int, str] = {}
        accounts = []
        for user in holdings.users:
            pseudonym = pseudonym_for(user)
            replacements += replacements_for(user_identifiers(user), pseudonym)
            actors[user.pk] = pseudonym
            counts = account_erase(user)
            accounts.append(ErasedAccount(user_pk=user.pk, pseudonym=pseudonym, counts=counts))
        addresses = []
        for obj, field in holdings.contacts:
            address_erase(obj, field)
            addresses.append(
                ErasedAddress(record_type=obj._meta.label, pk=obj.pk, field=field.name)
            )
        mails = mail_to(holdings.address)
        replacements += replacements_for([holdings.address], "[raderad e-postadress]")
        scrubbed = history_pseudonymise(replacements, actors)
        mail_scrub(mails, replacements)
    return Erasure(
        accounts=accounts,
        addresses=addresses,
        events_pseudonymised=scrubbed,
        mails_scrubbed=len(mails),
    )
