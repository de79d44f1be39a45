"""The register as a file: the staff's filtered list of principals, as CSV for Excel."""

from collections.abc import Iterator

from django.utils.translation import gettext as _

from portal import spreadsheets

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
    for n, p in enumerate(principals.iterator(chunk_size=2000), start=1):
        writer.writerow(
            [
                p.organisation_number,
                p.name,
                p.get_organiser_type_display(),
                p.county.name if p.county else "",
                p.get_status_display(),
                p.unit_count,
                p.user_count,
                p.email,
                p.phone,
                "" if p.pupils is None else p.pupils,
                _("Yes") if p.is_demo else "",
            ]
        )
        if n % ROWS_PER_CHUNK == 0:
            yield pending.take()
    yield pending.take()
