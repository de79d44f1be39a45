"""CSV lines written by PostgreSQL (portal/spreadsheets.py csv_line_sql) are the lines CsvWriter
writes, for any text: CsvWriter is the reference, and the register export on PostgreSQL is the
file the Python writer gives for the same organisers, hostile names and filters included."""

import io

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal.spreadsheets import CsvWriter, csv_line_sql
from principals import exports, selectors
from principals.models import County, Principal
from tests.portal.factories import UserFactory
from tests.principals.factories import MembershipFactory, PrincipalFactory, SchoolUnitFactory

# Every character a rule looks at, often, among any other text PostgreSQL can hold (no NUL).
RULED = ["=", "+", "-", "@", "|", "%", "\t", "\r", "\n", ";", '"', "'", "\x1f", ",", ".", "1"]
piece = st.one_of(
    st.sampled_from(RULED),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6),
)
field = st.one_of(st.none(), st.lists(piece, max_size=6).map("".join))
PROPERTY = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def written_by_python(values) -> str:
    buffer = io.StringIO()
    CsvWriter(buffer).writerow(values)
    text = buffer.getvalue()
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    return text[1:-2]


def written_by_postgresql(values) -> str:
    columns = [f"c{index}" for index in range(len(values))]
    sql, params = csv_line_sql(columns)
    placeholders = ", ".join("%s::text" for _ in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql} FROM (VALUES ({placeholders})) AS v({', '.join(columns)})",  # noqa: S608
            [*params, *values],
        )
        return cursor.fetchone()[0]


@given(values=st.lists(field, min_size=2, max_size=6))
@example(values=["-5\n", "x"])  # defusedcsv's `$` matches before a last newline: a number
@example(values=["-5\n\n", "x"])  # but not before two
@example(values=["=1", "a;b"])
@example(values=["\t=1", '"'])
@example(values=["ok", "x\x1f=1"])  # the separator the check joins with, inside a value
@example(values=["|x|", "%", "-", "-,.", "-1,5", "+46 8"])
@example(values=["", None])
@PROPERTY
def test_a_line_written_by_postgresql_is_the_line_csvwriter_writes(postgres_only, values):
    assert written_by_postgresql(values) == written_by_python(values)


def _both(principals) -> tuple[str, str]:
    """The register file of `principals` as PostgreSQL writes it, and as the Python writer."""
    by_postgresql = "".join(exports.register_csv_chunks(principals=principals))
    pending = exports._Pending()
    writer = CsvWriter(pending)
    header = next(exports.register_csv_chunks(principals=principals))
    pending.take()  # the byte order mark, which the header already has
    lines = exports._chunks_by_python(principals, exports._labels(), writer, pending)
    by_python = header + "".join(lines)
    return by_postgresql, by_python


HOSTILE_NAMES = [
    '=HYPERLINK("http://x";"klicka")',
    "+46 8 123 45 67",
    "-1,5",
    "@SUMMA(A1)",
    "\tTabb AB",
    'Semikolon; och "citat" AB',
    "Rad\nbrytning AB",
    "Åre kommun",
    "|cmd",
    "%procent",
]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"sort": "-name"},
        {"organiser_type": "KOMMUN"},
        {"q": "AB"},
        {"sort": "organisation_number"},
    ],
)
def test_the_register_file_from_postgresql_is_the_python_writers(postgres_only, query):
    for index, name in enumerate(HOSTILE_NAMES):
        principal = PrincipalFactory(
            name=name,
            email=f"=x{index}@example.se" if index % 2 else f"info{index}@example.se",
            phone="-0701234567" if index % 3 else "08-123 45",
            pupils=None if index % 4 == 0 else index * 100,
            is_demo=index % 5 == 0,
            organiser_type="KOMMUN" if index % 2 else "ENSKILD",
            county=None if index == 3 else County.objects.get(code="01"),
        )
        SchoolUnitFactory.create_batch(index % 3, principal=principal)
        SchoolUnitFactory(principal=principal, in_register=False)
        MembershipFactory(principal=principal)
        MembershipFactory(principal=principal, user=UserFactory(is_active=index % 2 == 0))
    filterset = selectors.PrincipalFilter(
        query, queryset=selectors.register_rows(Principal.objects.all())
    )
    by_postgresql, by_python = _both(filterset.qs)
    assert by_postgresql == by_python
    assert by_postgresql.count("\r\n") > 1 or query.get("organiser_type")


def test_an_empty_register_is_its_header(postgres_only):
    by_postgresql, by_python = _both(Principal.objects.none())
    assert by_postgresql == by_python and by_postgresql.count("\r\n") == 1


def test_a_large_register_comes_in_pieces_of_rows_per_chunk(postgres_only, monkeypatch):
    monkeypatch.setattr(exports, "ROWS_PER_CHUNK", 4)
    PrincipalFactory.create_batch(10)
    chunks = list(exports.register_csv_chunks(principals=selectors.register_rows()))
    # The header, then 4 + 4 + 2 lines, in order.
    assert [chunk.count("\r\n") for chunk in chunks] == [1, 4, 4, 2]
    _, by_python = _both(selectors.register_rows())
    assert "".join(chunks) == by_python


@pytest.mark.parametrize("sort", ["units", "-units", "users", "-updated"])
def test_sorted_by_a_count_the_file_has_the_lines_in_that_order(postgres_only, sort):
    for index in range(8):
        principal = PrincipalFactory(name=f"Räknad {index}")
        SchoolUnitFactory.create_batch(index % 4, principal=principal)
        MembershipFactory.create_batch(index % 3, principal=principal)
    filterset = selectors.PrincipalFilter(
        {"sort": sort}, queryset=selectors.register_rows(Principal.objects.all())
    )
    by_postgresql, by_python = _both(filterset.qs)
    # Equal counts may come in either order; the lines and the order of the counts may not.
    assert sorted(by_postgresql.splitlines()) == sorted(by_python.splitlines())
    column = {"units": 5, "users": 6}.get(sort.lstrip("-"))
    if column is not None:
        counts = [int(line.split(";")[column]) for line in by_postgresql.splitlines()[1:]]
        assert counts == sorted(counts, reverse=sort.startswith("-"))


def test_a_distinct_queryset_is_written_by_python_with_each_organiser_once(postgres_only):
    principal = PrincipalFactory(name="Två enheter AB")
    SchoolUnitFactory.create_batch(2, principal=principal)
    joined = selectors.register_rows(
        Principal.objects.filter(school_units__in_register=True).distinct()
    )
    text = "".join(exports.register_csv_chunks(principals=joined))
    assert text.count("Två enheter AB") == 1
