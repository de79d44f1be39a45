"""Personal data is kept only as long as it is needed (GDPR art. 5.1 e): one rule per kind of
record says from which date its period runs, which setting holds the period (in days), and
whether a record past it is deleted or pseudonymised. `manage.py retention_purge` (or the
task `portal.tasks.retention_purge` on a worker) applies every rule; docs/privacy.md lists
them with their reasons.

An app registers its own records in a module `<app>/retention.py` that calls `register`;
every such module is imported before a purge (principals/retention.py is an example).
A purge is idempotent: what it removed is gone, what it pseudonymised no longer matches.
Each run is one `RetentionRun` row and one history event holding only the counts per rule.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy, gettext_noop

from . import audit, personal_data
from .audit import Action, record
from .models import AccessibilityFeedback, EmailCode, OutgoingMail, RetentionRun

ACTOR = "retention_purge (gallring)"
DELETE = "delete"
PSEUDONYMISE = "pseudonymise"
# What history text says instead of a removed person or address: the entry keeps its meaning.
REMOVED_USER = "en borttagen användare"
REMOVED_ADDRESS = "[borttagen e-postadress]"
# Readers see the purge as what the system did (portal.audit.SYSTEM_ACTORS lists the others).
audit.SYSTEM_ACTORS.setdefault(ACTOR, gettext_lazy("removal of personal data past its period"))


@dataclass
class Purge:
    """What one run collects while applying the rules: the history is scrubbed once, last."""

    now: datetime
    replacements: personal_data.Replacements = field(default_factory=list)
    actors: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """One kind of record holding personal data and how long it is kept."""

    key: str  # stable name, the key of the counts in RetentionRun and the history
    model: str  # "app_label.ModelName"
    age: str | models.Expression  # the date the period runs from (a field or an expression)
    period: str  # the setting holding the period in days
    action: str = DELETE  # DELETE or PSEUDONYMISE
    where: Q = field(default_factory=Q)  # which records of the model the rule is about
    # PSEUDONYMISE: does it and returns how many; DELETE: runs before the rows are deleted.
    apply: Callable[[models.QuerySet, Purge], int | None] | None = None

    @property
    def days(self) -> int:
        return getattr(settings, self.period)

    def due(self, now: datetime) -> models.QuerySet:
        """The records past their period: nothing on its last day, everything a day after."""
        model = apps.get_model(self.model)
        cutoff = now - timedelta(days=self.days)
        queryset = model._default_manager.filter(self.where)
        if isinstance(self.age, str):
            return queryset.filter(**{f"{self.age}__lt": cutoff})
        return queryset.alias(retention_age=self.age).filter(retention_age__lt=cutoff)


_rules: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if rule.action not in (DELETE, PSEUDONYMISE):
        raise ValueError(f"{rule.key}: action must be {DELETE!r} or {PSEUDONYMISE!r}")
    if rule.action == PSEUDONYMISE and rule.apply is None:
        raise ValueError(f"{rule.key}: a pseudonymising rule needs `apply`")
    _rules[rule.key] = rule
    return rule


def rules() -> list[Rule]:
    autodiscover_modules("retention")
    return list(_rules.values())


def retention_purge(*, now: datetime | None = None) -> RetentionRun:
    """Apply every rule in one transaction and record the counts (no one's data)."""
    purge = Purge(now=now or timezone.now())
    counts: dict[str, int] = {}
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic(durable=True):
        for rule in rules():
            due = rule.due(purge.now)
            if rule.action == PSEUDONYMISE:
                counts[rule.key] = rule.apply(due, purge) or 0
                continue
            if rule.apply is not None:
                rule.apply(due, purge)
            label = apps.get_model(rule.model)._meta.label
            counts[rule.key] = due.delete()[1].get(label, 0)
        if purge.replacements or purge.actors:
            personal_data.history_pseudonymise(purge.replacements, purge.actors)
        run = RetentionRun.objects.create(ran_at=purge.now, counts=counts)
        record(
            actor=ACTOR,
            subject=run,
            action=Action.PURGED,
            changes={key: [None, n] for key, n in counts.items() if n},
        )
    return run


# ---- the portal's own records --------------------------------------------------------------


# Records handed over or published (the submitted final report, its archival package, a
# round's publication) keep the name of who did it, as submitted: archives, not working data.
KEEP_NAMES = {
    "reporting.SubmittedReport",
    "reporting.RoundPublication",
    "reporting.ArchivalPackage",
}


def _names_replace(user) -> None:
    """Columns that keep the account's name beside a record ("…_label") say who instead."""
    label = audit.actor_label(user)
    for model, column in personal_data.declared(personal_data.NAMING):
        if model._meta.label not in KEEP_NAMES:
            model._base_manager.filter(**{column.name: label}).update(**{column.name: REMOVED_USER})


def _accounts_pseudonymise(users: models.QuerySet, purge: Purge) -> int:
    """Inactive accounts keep their row (the history points at it) without the person."""
    n = 0
    for user in users.order_by("pk"):
        _names_replace(user)
        purge.replacements += personal_data.replacements_for(
            personal_data.user_identifiers(user), REMOVED_USER
        )
        purge.actors[user.pk] = personal_data.pseudonym_for(user)
        personal_data.account_erase(
            user, actor=ACTOR, note=gettext_noop("Inactive account removed")
        )
        n += 1
    return n


def _login_logs(model: str) -> Rule:
    return Rule(
        key=f"login-log-{model.rpartition('.')[2].lower()}",
        model=model,
        age="attempt_time",
        period="RETENTION_LOGIN_LOG_DAYS",
    )


for _model in ("axes.AccessAttempt", "axes.AccessFailureLog", "axes.AccessLog"):
    register(_login_logs(_model))
register(
    Rule(
        key="sessions",
        model=Session._meta.label,
        age="expire_date",
        period="RETENTION_SESSION_DAYS",
    )
)
register(
    Rule(
        key="inactive-accounts",
        model=get_user_model()._meta.label,
        age=Coalesce("last_login", "date_joined"),
        period="RETENTION_INACTIVE_ACCOUNT_DAYS",
        action=PSEUDONYMISE,
        where=~Q(username__startswith="raderad-"),
        apply=_accounts_pseudonymise,
    )
)
register(
    Rule(
        key="two-factor-devices-of-deactivated-accounts",
        model="otp_totp.TOTPDevice",
        age=Coalesce("last_used_at", "created_at"),
        period="RETENTION_REMOVED_ACCOUNT_DEVICE_DAYS",
        where=Q(user__is_active=False),
    )
)
register(
    Rule(
        key="email-codes",
        model=EmailCode._meta.label,
        age="created_at",
        period="RETENTION_EMAIL_CODE_DAYS",
    )
)
register(
    Rule(
        key="mail-delivery-records",
        model=OutgoingMail._meta.label,
        age="created_at",
        period="RETENTION_MAIL_DAYS",
        where=Q(status__in=[OutgoingMail.Status.SENT, OutgoingMail.Status.FAILED]),
    )
)
register(
    Rule(
        key="accessibility-feedback",
        model=AccessibilityFeedback._meta.label,
        age="received_at",
        period="RETENTION_FEEDBACK_DAYS",
    )
)
