"""Rendered parts of list pages, kept in the cache until anything they may show has changed.

The register, a round's list of organisers and similar parts render fifty rows each time, which
costs more than the rest of the page together. Their content changes only with a recorded
change: every change to organiser or programme data records an audit event (project rule), the
admin writes a log entry, and bulk loads add rows. So a part is kept under a key holding the
newest id of the audit events, of the admin log and of the tables the caller names, and today's
date (states that follow the calendar). It is one cheap query; any change makes the next
request render afresh, and an entry nobody asks for again simply expires.

Parts must hold nothing per request or per person (no CSRF token, nonce, user name): those stay
in the page around them. Callers put into `parts` whatever decides what the reader may see.
"""

import datetime
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import connection, models
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from .request_memo import remembered

TIMEOUT = 60 * 15
PREFIX = "fragment:1:"


def change_version(tables: Iterable[type[models.Model]] = ()) -> str:
    """A token that moves with every recorded change and every new row of these tables."""
    from django.contrib.admin.models import LogEntry

    from .models import AuditEvent

    quote = connection.ops.quote_name
    parts = [
        f"(SELECT MAX({quote(m._meta.pk.column)}) FROM {quote(m._meta.db_table)})"  # noqa: S608 (model names)
        for m in (AuditEvent, LogEntry, *tables)
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return datetime.date.today().isoformat() + ":" + ".".join(str(v or 0) for v in row)


def subject_version(subjects: Iterable[type[models.Model]]) -> str:
    """A token that moves only with changes to these models: a new row of one, an audit event
    about one, an admin log entry, or the day turning. For what rarely changes while other data
    changes all the time (the rounds, frameworks and municipalities a filter form lists, while
    submissions arrive). One query, once per reading request (portal/request_memo.py); it reads
    the audit events through their index on the subject's type, so its cost follows the events
    about these models, not all events."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from .models import AuditEvent

    subjects = tuple(subjects)

    def read() -> str:
        quote = connection.ops.quote_name
        types = ContentType.objects.get_for_models(*subjects, for_concrete_models=False)
        type_ids = ", ".join(str(int(types[m].pk)) for m in subjects)
        parts = [
            f"(SELECT MAX({quote(m._meta.pk.column)}) FROM {quote(m._meta.db_table)})"  # noqa: S608 (model names)
            for m in (LogEntry, *subjects)
        ]
        parts.append(
            f"(SELECT MAX(id) FROM {quote(AuditEvent._meta.db_table)} "  # noqa: S608 (our ids)
            f"WHERE content_type_id IN ({type_ids}))"
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts))
            row = cursor.fetchone()
        return datetime.date.today().isoformat() + ":" + ".".join(str(v or 0) for v in row)

    return remembered(("fragments.subject_version", *(m._meta.label for m in subjects)), read)


def key_for(
    name: str,
    parts: tuple[Any, ...],
    *,
    tables: Iterable[type[models.Model]] = (),
    version: str | None = None,
) -> str:
    """The cache key of a part: its name, parts, the language and the change version."""
    version = change_version(tables) if version is None else version
    described = repr((name, translation.get_language(), version, parts))
    return PREFIX + name + ":" + hashlib.sha256(described.encode()).hexdigest()


def stream_kept(key: str, chunks: Iterable[bytes], *, limit: int = 20 * 1024 * 1024):
    """Yield the chunks of a streamed download and keep the whole file under `key` once it is
    complete (up to `limit` bytes), so the next request for it is one cache read."""
    parts, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size <= limit:
            parts.append(chunk)
        yield chunk
    if size <= limit:
        cache.set(key, b"".join(parts), TIMEOUT)


def remember(
    name: str,
    parts: tuple[Any, ...],
    compute: Callable[[], Any],
    *,
    tables: Iterable[type[models.Model]] = (),
    version: str | None = None,
) -> Any:
    """compute()'s result, from the cache while nothing it was made from has changed.

    `version`: change_version(tables) when the caller already has it (several parts, one query).
    """
    key = key_for(name, parts, tables=tables, version=version)
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, TIMEOUT)
    return found


def fragment(
    name: str,
    parts: tuple[Any, ...],
    render: Callable[[], str],
    *,
    tables: Iterable[type[models.Model]] = (),
    version: str | None = None,
) -> SafeString:
    """The part rendered by `render`, from the cache while nothing it may show has changed."""
    found = remember(name, parts, lambda: str(render()), tables=tables, version=version)
    return mark_safe(found)  # noqa: S308 (our own rendered template, escaped when rendered)
