"""portal/spreadsheets.py's CsvWriter writes rows without formula characters through plain csv:
the file must be the one writing every row through defusedcsv gives."""

import datetime
import io
from decimal import Decimal

from defusedcsv import csv as defused_csv
from django.utils.translation import gettext_lazy

from portal.spreadsheets import CsvWriter, _csv_value

ROWS = [
    ["556000-0001", "Åre kommun", 12, None, "", Decimal("-1.50"), True, 2.5],
    ["=HYPERLINK(1)", "ok", 1],
    # One risky value per row: the writer decides per row.
    *([1, "ok", risky, None] for risky in ["+46 8 123", "-12", "-1,5", "-x", "|cmd", "%x", "@sum"]),
    ["\t=1", "\r=2", 'quote " and ; semicolon', "line\nbreak"],
    [datetime.date(2026, 12, 5), gettext_lazy("Note"), -3, Decimal("7")],
]


def test_the_file_is_the_one_defusedcsv_writes():
    mine = io.StringIO()
    CsvWriter(mine).writerows(ROWS)
    reference = io.StringIO()
    reference.write("\ufeff")
    writer = defused_csv.writer(reference, delimiter=";", lineterminator="\r\n")
    for row in ROWS:
        writer.writerow([_csv_value(value) for value in row])
    assert mine.getvalue() == reference.getvalue()
    assert "'=HYPERLINK(1)" in mine.getvalue() and "'+46 8 123" in mine.getvalue()
