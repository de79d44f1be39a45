"""The register as a file: the staff's filtered list of principals, as CSV for Excel."""

import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, F, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from portal import spreadsheets

from . import selectors
from .models import Principal

REGISTER_FILENAME = "huvudman.csv"


# Lines to a piece of the streamed file.
ROWS_PER_CHUNK = 500
# Rows the Python writer (not PostgreSQL) reads at a time, through a server-side cursor.
ROWS_PER_FETCH = 5000


class _Pending(io.StringIO):
    """A stream that keeps what is written until it is taken."""

    def take(self) -> str:
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


def register_csv_chunks(*, principals) -> Iterator[str]:
    """The register file in pieces of a few hundred lines, for a streamed download: the
    header leaves at once. On PostgreSQL the database writes the lines (a fifth of the time);
    elsewhere CsvWriter does, and it is the reference PostgreSQL's lines are tested against."""
    pending = _Pending()
    writer = spreadsheets.CsvWriter(pending)
    writer.writerow(
        [
            _("Organisation number"),
            _("Name"),
            _("Organiser type"),
            _("County"),
            _("Status"),
            _("School units"),
            _("Users"),
            _("E-mail"),
            _("Phone"),
            _("Number of pupils"),
            _("Demonstration data"),
        ]
    )
    yield pending.take()
    # Numbered rows would repeat under DISTINCT, which the register's filters never ask for.
    if connections[principals.db].vendor == "postgresql" and not principals.query.distinct:
        yield from _chunks_by_postgresql(principals, _labels())
    else:
        yield from _chunks_by_python(principals, _labels(), writer, pending)


@dataclass(frozen=True)
class _Labels:
    types: dict[str, str]
    statuses: dict[str, str]
    yes: str


def _labels() -> _Labels:
    """The labels in the active language, looked up once per file, not per row (a model's
    get_..._display hashes every choice)."""
    return _Labels(
        types={value: str(label) for value, label in Principal.OrganiserType.choices},
        statuses={value: str(label) for value, label in Principal.Status.choices},
        yes=_("Yes"),
    )


# The columns after the header, as the database query below names them.
_COLUMNS = ["number", "name", "kind", "county", "status", "units", "users"]
_COLUMNS += ["email", "phone", "pupils", "demo"]


def _chunks_by_postgresql(principals, labels: _Labels) -> Iterator[str]:
    """The lines of `principals` in their order, ROWS_PER_CHUNK to a piece, written by
    PostgreSQL in one query: the principals with their labels and place in the order, the two
    grouped counts joined to them, each line by spreadsheets.csv_line_sql."""

    def label(field, texts):
        return Case(
            *(When(**{field: v}, then=Value(t)) for v, t in texts.items()), default=F(field)
        )

    query = principals.query
    default = query.get_meta().ordering if query.default_ordering else []
    ordering = list(query.order_by or default)
    chosen = (
        principals.order_by()
        .annotate(
            export_position=Window(RowNumber(), order_by=ordering or None),
            export_kind=label("organiser_type", labels.types),
            export_status=label("status", labels.statuses),
            export_demo=Case(When(is_demo=True, then=Value(labels.yes)), default=Value("")),
        )
        .values_list(
            "pk",
            "export_position",
            "organisation_number",
            "name",
            "export_kind",
            "county__name",
            "export_status",
            "email",
            "phone",
            "pupils",
            "export_demo",
        )
    )
    units, users = selectors.register_count_queries()
    try:
        parts = [
            queryset.query.get_compiler(principals.db).as_sql()
            for queryset in (chosen, units, users)
        ]
    except EmptyResultSet:  # a queryset that matches nothing by construction (none())
        return
    (chosen_sql, chosen_params), (units_sql, units_params), (users_sql, users_params) = parts
    counted = {"units": "COALESCE(u.n, 0)", "users": "COALESCE(m.n, 0)"}
    line_sql, line_params = spreadsheets.csv_line_sql(
        [counted.get(column, f"c.{column}") for column in _COLUMNS]
    )
    names = ", ".join(column for column in _COLUMNS if column not in counted)
    # Our own column names and the ORM's SQL; every value is a parameter.
    sql = (
        "SELECT (c.position - 1) / %s AS piece,"  # noqa: S608
        f" string_agg({line_sql} || %s, '' ORDER BY c.position)"
        f" FROM ({chosen_sql}) AS c(pk, position, {names})"
        f" LEFT JOIN ({units_sql}) AS u(principal, n) ON u.principal = c.pk"
        f" LEFT JOIN ({users_sql}) AS m(principal, n) ON m.principal = c.pk"
        " GROUP BY piece ORDER BY piece"
    )
    params = [ROWS_PER_CHUNK, *line_params, "\r\n", *chosen_params, *units_params, *users_params]
    with connections[principals.db].cursor() as cursor:
        cursor.execute(sql, params)
        chunks = [chunk for _, chunk in cursor.fetchall()]
    yield from chunks


def _chunks_by_python(principals, labels: _Labels, writer, pending) -> Iterator[str]:
    """The lines written by CsvWriter, ROWS_PER_CHUNK to a piece, memory flat however many."""
    # The counts by principal in two grouped queries, not two subqueries per line.
    units, users = selectors.register_counts()
    rows = principals.values_list(
        "pk",
        "organisation_number",
        "name",
        "organiser_type",
        "county__name",
        "status",
        "email",
        "phone",
        "pupils",
        "is_demo",
    )
    lines = []
    for row in rows.iterator(chunk_size=ROWS_PER_FETCH):
        pk, number, name, kind, county, status, email, phone, pupils, demo = row
        lines.append(
            (
                number,
                name,
                labels.types.get(kind, kind),
                county or "",
                labels.statuses.get(status, status),
                units.get(pk, 0),
                users.get(pk, 0),
                email,
                phone,
                "" if pupils is None else pupils,
                labels.yes if demo else "",
            )
        )
        if len(lines) == ROWS_PER_CHUNK:
            writer.writerows(lines)
            lines.clear()
            yield pending.take()
    writer.writerows(lines)
    yield pending.take()
