"""The register as a file: the staff's filtered list of principals, as CSV for Excel."""

import io
from collections.abc import Iterator

from django.utils.translation import gettext as _

from portal import spreadsheets

from . import selectors
from .models import Principal

REGISTER_FILENAME = "huvudman.csv"


ROWS_PER_CHUNK = 500
# Rows read from the database at a time (a server-side cursor): memory stays bounded.
ROWS_PER_FETCH = 5000


class _Pending(io.StringIO):
    """A stream that keeps what is written until it is taken."""

    def take(self) -> str:
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


def register_csv_write(*, stream, principals) -> None:
    """One line per principal of `principals` (rows of `selectors.register_rows`), in order."""
    for chunk in register_csv_chunks(principals=principals):
        stream.write(chunk)


def register_csv_chunks(*, principals) -> Iterator[str]:
    """The register file in pieces of a few hundred lines, for a streamed download: the first
    bytes leave at once and memory stays flat, however many organisers match."""
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
    # Labels looked up once, not per row (a model's get_..._display hashes every choice).
    types = {value: str(label) for value, label in Principal.OrganiserType.choices}
    statuses = {value: str(label) for value, label in Principal.Status.choices}
    yes = _("Yes")
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
                types.get(kind, kind),
                county or "",
                statuses.get(status, status),
                units.get(pk, 0),
                users.get(pk, 0),
                email,
                phone,
                "" if pupils is None else pupils,
                yes if demo else "",
            )
        )
        if len(lines) == ROWS_PER_CHUNK:
            writer.writerows(lines)
            lines.clear()
            yield pending.take()
    writer.writerows(lines)
    yield pending.take()
    yield pending.take()
