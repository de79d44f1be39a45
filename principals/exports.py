"""The register as a file: the staff's filtered list of principals, as CSV for Excel."""

from django.utils.translation import gettext as _

from portal import spreadsheets

REGISTER_FILENAME = "huvudman.csv"


def register_csv_write(*, stream, principals) -> None:
    """One line per principal of `principals` (rows of `selectors.register_rows`), in order."""
    writer = spreadsheets.CsvWriter(stream)
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
    for p in principals.iterator(chunk_size=2000):
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
