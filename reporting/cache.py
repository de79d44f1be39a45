"""Cached figures and dashboard pages, keyed by a data version that every relevant change moves.

Computing the readiness figures takes a second or more at national scale, while the data
changes a few times an hour. So results are kept in Django's cache (CACHE_URL) under a key
holding the function, its arguments, the language and `data_version()`: one cheap query for
the highest id of every table the figures are made from, the newest audit event that may move
a figure and admin log entry, and today's date (round status and overdue milestones follow the
calendar).

Why that is enough: every change made through the portal's services records an audit event
(project rule), bulk imports record theirs in bulk, the Django admin writes a log entry, a
self-assessment counts only once its submission (an audit event) makes it current, and demo
loading and other bulk inserts add rows with new ids. A change therefore moves the version and
the next request computes afresh; old entries simply expire. Events that change no figure do
not move it (draft saves, reminders, invitations, memberships, accounts, the final report's
text), so organisers drafting during an open round do not empty the cache. `TIMEOUT` bounds
the one case the version cannot see: a write committed out of id order by a concurrent
transaction.
"""

import dataclasses
import datetime
import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, models
from django.http import HttpResponse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from portal.request_memo import remembered

# Seconds an entry lives at most; it is normally replaced sooner because the version moved.
TIMEOUT = 60 * 15
PREFIX = "reporting:1:"

# A small copy in each process in front of a shared cache (database, Redis), so a warm page
# costs no fetch of a large value. Safe because keys hold the data version: a copy is only
# ever served for the data it was computed from.
_local = LocMemCache("reporting-local", {"TIMEOUT": TIMEOUT, "OPTIONS": {"MAX_ENTRIES": 60}})


_MISSING = object()


def _layered() -> bool:
    """A process copy only helps in front of a cache outside the process."""
    return not isinstance(caches["default"], LocMemCache)


def _get(key: str, default: Any = None) -> Any:
    if not _layered():
        return cache.get(key, default)
    found = _local.get(key, _MISSING)
    if found is not _MISSING:
        return found
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        return default
    _local.set(key, found, TIMEOUT)
    return found


def _set(key: str, value: Any) -> None:
    """Into the shared cache only: this process copies it when it next reads it (copying it
    now would pickle it a second time, for a request that may never come)."""
    cache.set(key, value, TIMEOUT)


def clear() -> None:
    """Empty this installation's part of the shared cache and this process's copy (tests, the
    benchmark). Redis' own clear() would empty the whole database, other installations' keys
    included (CACHE_KEY_PREFIX keeps them apart): only keys under our prefix are deleted."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")  # django-redis adds KEY_PREFIX and the key version
    else:
        cache.clear()
    _local.clear()


def _version_models() -> list[type[models.Model]]:
    """Tables whose new rows change a figure (updates and deletions record an audit event).

    Not the self-assessment versions: every draft save adds one, and a version only counts
    once its submission (an audit event) makes it an assessment's current one.
    """
    from django.contrib.admin.models import LogEntry

    from agreement.models import (
        ActivityBudget,
        Agreement,
        Cost,
        Deliverable,
        FundingYear,
        Initiative,
        Milestone,
        ProgressUpdate,
    )
    from principals.models import County, Municipality, Principal
    from readiness.models import Assessment, FrameworkVersion, Indicator, ReportingRound

    return [
        LogEntry,
        Principal,
        Principal.municipalities.through,
        County,
        Municipality,
        FrameworkVersion,
        Indicator,
        ReportingRound,
        Assessment,
        Agreement,
        FundingYear,
        Initiative,
        ActivityBudget,
        Cost,
        Milestone,
        ProgressUpdate,
        Deliverable.principals.through,
    ]


def _unrelated_subjects() -> list[type[models.Model]]:
    """Models no figure is made from: accounts, invitations, reminders, the report's text, and
    the portal's own bookkeeping (background jobs, e-mail records, task rows). Their audit
    events do not move the version."""
    from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.models import Session
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_tasks_db.models import DBTaskResult

    from federation.models import AccessRequest, FederatedIdentity, IdpAccessRule
    from portal.models import (
        AccessibilityFeedback,
        AuditEvent,
        EmailCode,
        Job,
        OutgoingMail,
        PortalAccess,
        RetentionRun,
    )
    from principals.models import ImportBatch, Invitation, Membership
    from readiness.models import Reminder
    from reporting.models import (
        ArchivalPackage,
        FinalReport,
        ReportReminder,
        ReportSection,
        SubmittedReport,
    )

    return [
        get_user_model(),
        TOTPDevice,
        Invitation,
        Membership,
        Reminder,
        FinalReport,
        ReportSection,
        SubmittedReport,
        ArchivalPackage,
        ReportReminder,
        Group,
        Permission,
        ContentType,
        Session,
        AccessAttempt,
        AccessAttemptExpiration,
        AccessFailureLog,
        AccessLog,
        AuditEvent,
        EmailCode,
        PortalAccess,
        ImportBatch,
        Job,
        OutgoingMail,
        DBTaskResult,
        AccessibilityFeedback,
        RetentionRun,
        FederatedIdentity,
        IdpAccessRule,
        AccessRequest,
        # The API (a higher layer, so named rather than imported): keys and their use log.
        apps.get_model("api", "ApiKey"),
        apps.get_model("api", "ApiKeyUse"),
    ]


def _moved_by_events() -> list[type[models.Model]]:
    """Models figures are made from whose new rows alone change none: a figure changes only
    with what is recorded as an audit event about them (or about a model they belong to), and
    such events move the version. A draft's versions count once submitted; a school unit,
    area, activity, deliverable, commitment or partner counts through its recorded changes;
    publishing a round records an event on the round; demo data arrives as new principals."""
    from agreement.models import Activity, Commitment, Deliverable, Partner
    from portal.models import DemoDataset
    from principals.models import SchoolUnit
    from readiness.models import (
        AnswerCount,
        Area,
        AssessmentVersion,
        CountedSubmission,
        TalliedRound,
    )
    from reporting.models import RoundPublication

    return [
        # The running tally moves with the submissions, returns and register changes it counts.
        AnswerCount,
        CountedSubmission,
        TalliedRound,
        Activity,
        Commitment,
        Deliverable,
        Partner,
        DemoDataset,
        SchoolUnit,
        Area,
        AssessmentVersion,
        RoundPublication,
    ]


def classified_models() -> dict[str, list[type[models.Model]]]:
    """Every model, by what its changes do to the figure cache (a test keeps this complete, so
    a new model cannot silently serve stale figures)."""
    return {
        "new rows": _version_models(),
        "events": _moved_by_events(),
        "unrelated": _unrelated_subjects(),
    }


def _literal(value: str) -> str:
    """An identifier-like constant of our own as an SQL string literal."""
    if not re.fullmatch(r"[a-z0-9_]+", value):
        raise ValueError(value)
    return f"'{value}'"


def _readiness_only() -> list[type[models.Model]]:
    """Models only the readiness figures are made from: the programme's figures (money,
    milestones, reach) never read them, so their changes leave the programme's pages warm."""
    from readiness.models import (
        AnswerCount,
        Area,
        Assessment,
        AssessmentVersion,
        CountedSubmission,
        FrameworkVersion,
        Indicator,
        ReportingRound,
        TalliedRound,
    )
    from reporting.models import RoundPublication

    return [
        FrameworkVersion,
        Indicator,
        ReportingRound,
        Assessment,
        AssessmentVersion,
        Area,
        AnswerCount,
        CountedSubmission,
        TalliedRound,
        RoundPublication,
    ]


def _register_only() -> list[type[models.Model]]:
    """The register: the programme's reach counts organisers, its money and milestones never
    do, so register changes leave those warm (scope "agreement")."""
    from principals.models import County, Municipality, Principal, SchoolUnit

    return [Principal, Principal.municipalities.through, County, Municipality, SchoolUnit]


SCOPES = ("all", "programme", "agreement")


def _ignored(scope: str) -> list[type[models.Model]]:
    if scope == "programme":
        return _readiness_only()
    if scope == "agreement":
        return [*_readiness_only(), *_register_only()]
    return []


@functools.cache
def _version_sql(scope: str = "all") -> str:
    """One query: the newest id of each table, and of the audit events that may move a figure.

    The audit part reads the partial index `audit_figure_changes` backwards, skipping
    bookkeeping events (drafts, reminders, invitations) and events about unrelated subjects.
    Its constants are literals, so the planner can match the index's condition. The
    "programme" scope also leaves out what only the readiness figures are made from; the
    "agreement" scope (money, milestones, progress) the register as well.
    """
    from portal.models import BOOKKEEPING_ACTIONS, AuditEvent

    if scope not in SCOPES:
        raise ValueError(scope)
    ignored = _ignored(scope)
    quote = connection.ops.quote_name
    parts = [
        f"(SELECT MAX({quote(m._meta.pk.column)}) FROM {quote(m._meta.db_table)})"  # noqa: S608 (model names)
        for m in _version_models()
        if m not in ignored
    ]
    actions = ", ".join(_literal(a) for a in BOOKKEEPING_ACTIONS)
    subjects = " OR ".join(
        f"(app_label = {_literal(m._meta.app_label)} AND model = {_literal(m._meta.model_name)})"
        for m in [*_unrelated_subjects(), *ignored]
    )
    parts.append(
        f"(SELECT MAX(id) FROM {quote(AuditEvent._meta.db_table)} "  # noqa: S608 (model names)
        f"WHERE NOT (action IN ({actions})) AND content_type_id NOT IN "
        f"(SELECT id FROM django_content_type WHERE {subjects}))"
    )
    return "SELECT " + ", ".join(parts)


def _prepared_cursor():
    """On PostgreSQL a cursor binding on the server, so psycopg prepares a query it runs often
    on the same pooled connection: planning the version query costs more than running it."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    return connection._prepare_cursor(ServerBindingCursor(connection.connection))


def data_version(scope: str = "all") -> str:
    """A token that changes whenever data behind any figure changes, or the day turns; one query,
    once per reading request (portal/request_memo.py).

    scope="programme": only what the programme's figures are made from; scope="agreement":
    only the agreements' own data (money, milestones, progress), not the register."""
    return remembered(("reporting.data_version", scope), lambda: _read_version(scope))


def _structure_models() -> list[type[models.Model]]:
    """What the dashboards' filters list: the rounds, their frameworks and indicators, the
    counties and municipalities. Submissions, returns and register changes leave them as they
    are, so what is made from these alone stays cached while a round is busy."""
    from principals.models import County, Municipality
    from readiness.models import Area, FrameworkVersion, Indicator, ReportingRound
    from reporting.models import RoundPublication

    return [
        ReportingRound,
        RoundPublication,
        FrameworkVersion,
        Area,
        Indicator,
        County,
        Municipality,
    ]


def structure_version() -> str:
    """A token that moves with changes to the rounds, frameworks, counties and municipalities
    (portal/fragments.py's subject_version): for filter forms and their choices."""
    from portal.fragments import subject_version

    return subject_version(_structure_models())


def _read_version(scope: str) -> str:
    with _prepared_cursor() as cursor:
        cursor.execute(_version_sql(scope))
        row = cursor.fetchone()
    return datetime.date.today().isoformat() + ":" + ".".join(str(v or 0) for v in row)


def _part(value: Any) -> Any:
    """A stable, hashable description of an argument: model instances by label and pk."""
    if isinstance(value, models.Model):
        return (value._meta.label, value.pk)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            *(_part(getattr(value, f.name)) for f in dataclasses.fields(value)),
        )
    if isinstance(value, dict):
        return tuple(sorted((str(k), _part(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        items = [_part(v) for v in value]
        return tuple(sorted(items, key=repr) if isinstance(value, set | frozenset) else items)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot make a cache key of {type(value).__name__}")


def make_key(name: str, *parts: Any, version: str | None = None) -> str:
    """Cache key for `name` with these parts, the active language and the data version."""
    version = data_version() if version is None else version
    described = repr((name, translation.get_language(), version, _part(list(parts))))
    return PREFIX + name + ":" + hashlib.sha256(described.encode()).hexdigest()


def cached(func: Callable | None = None, *, scope: str = "all") -> Callable:
    """Keep a keyword-only function's result under its arguments and the data version
    (of `scope`: `@cached(scope="programme")` for figures made from the programme only,
    `@cached(scope="agreement")` for those made without the register,
    `@cached(scope="structure")` for what is made from the rounds, frameworks and geography).

    The uncached function stays reachable as `func.uncached` (tests compare the two).
    """
    if func is None:
        return functools.partial(cached, scope=scope)

    @functools.wraps(func)
    def wrapper(**kwargs):
        if scope == "structure":
            version = structure_version()
        else:
            version = data_version(scope) if scope != "all" else None
        key = make_key(f"{func.__module__}.{func.__qualname__}", kwargs, version=version)
        found = _get(key, _MISSING)
        if found is not _MISSING:
            return found
        result = func(**kwargs)
        _set(key, result)
        return result

    wrapper.uncached = func
    return wrapper


def fragment(key: str, render: Callable[[], str]) -> SafeString:
    """Rendered HTML without per-request values (no CSRF token, nonce or user name) by key."""
    found = _get(key)
    if found is None:
        found = str(render())
        _set(key, found)
    return mark_safe(found)  # noqa: S308 (our own rendered template, escaped when rendered)


def response(key: str, build: Callable[[], HttpResponse]) -> HttpResponse:
    """A download's body and headers by key, rebuilt into a fresh response on each hit."""
    found = _get(key)
    if found is None:
        built = build()
        found = (built.status_code, built.content, list(built.items()))
        if built.status_code == 200:
            _set(key, found)
        else:
            return built
    status, content, headers = found
    result = HttpResponse(content, status=status)
    for name, value in headers:
        result[name] = value
    return result
