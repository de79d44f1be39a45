"""The register as a file: the staff's filtered list of principals, as CSV for Excel."""

from collections.abc import Iterator

from django.utils.translation import gettext as _

from portal import spreadsheets

from .models import Principal

REGISTER_FILENAME = "huvudman.csv"


ROWS_PER_CHUNK = 500


class _Pending:
    """A stream that keeps what is written until it is taken."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
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
    rows = principals.values_list(
        "organisation_number",
        "name",
        "organiser_type",
        "county__name",
        "status",
        "unit_count",
        "user_count",
        "email",
        "phone",
        "pupils",
        "is_demo",
    )
    for n, row in enumerate(rows.iterator(chunk_size=2000), start=1):
        number, name, kind, county, status, units, users, email, phone, pupils, demo = row
        writer.writerow(
            [
                number,
                name,
                types.get(kind, kind),
                county or "",
                statuses.get(status, status),
                units,
                users,
                email,
                phone,
                "" if pupils is None else pupils,
                yes if demo else "",
            ]
        )
        if n % ROWS_PER_CHUNK == 0:
            yield pending.take()
    yield pending.take()
