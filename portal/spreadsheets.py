"""The one writer of every CSV and XLSX file the portal gives out: values, never formulas.

Text in an export can come from anyone (an organiser's comment, an imported name, a staff
title). A spreadsheet runs text that starts with `=`, `+`, `-`, `@`, `|`, `%`, a tab or a
carriage return as a formula or command, so every CSV goes through defusedcsv (which
prefixes such text with an apostrophe, the OWASP advice) and the two leading control
characters it leaves alone; every XLSX cell holding text is typed as a string, so the text is
shown exactly as written and never evaluated. Numbers stay numbers in both.

A table's columns are typed (`Column`, one of the kinds below): the kind decides how a value
is shown on a page or in the PDF (`shown`, with portal/formatting.py) and which number format
its cells get in an XLSX file (`NUMBER_FORMATS`), the same for the dashboards' tables and the
final report's (docs/adr/0003-one-writer-for-spreadsheets.md).
"""

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from defusedcsv import csv as defused_csv
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Font

from portal import formatting

# The kinds of column.
TEXT, INT, DECIMAL, PERCENT, AMOUNT = "text", "int", "decimal", "percent", "amount"
YEAR = "year"  # shown as text; written as a number (a "Totalt" in the same column stays text)
DATE = "date"
NUMERIC = frozenset({INT, DECIMAL, PERCENT, AMOUNT})

# Excel's codes: "," is the thousands separator and "." the decimal point, shown as the reader's
# own (a space and a comma in Swedish Excel); a literal space would not group digits.
NUMBER_FORMATS = {INT: "#,##0", DECIMAL: "0.0", PERCENT: "0.0", AMOUNT: "#,##0.00", YEAR: "0"}

_SHOWN = {
    INT: formatting.integer,
    DECIMAL: formatting.decimal,
    PERCENT: formatting.percent,
    AMOUNT: formatting.kr,
    DATE: lambda day: day.isoformat(),
}


KINDS = frozenset({TEXT, YEAR, DATE, *NUMERIC})


@dataclass
class Column:
    label: Any
    kind: str = TEXT

    def __post_init__(self):
        # A misspelt kind would otherwise be written and shown as text, silently.
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


def shown(value, kind: str) -> str:
    """A present value of a column of `kind` as pages and the PDF show it, the Swedish way."""
    return _SHOWN.get(kind, str)(value)


CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# defusedcsv escapes the formula characters; these two it does not, and Excel strips them and
# reads what follows as a formula.
LEADING_CONTROL = ("\t", "\r")
# What defusedcsv neutralises: text starting with one of these (unless it is a plain number).
FORMULA = frozenset("@+-=|%")
# Text starting with one of these is changed on its way out (defusedcsv's rule, or ours).
_CHANGED_START = FORMULA | frozenset(LEADING_CONTROL)
# Excel refuses these in a sheet's name, and names longer than 31 characters.
SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _csv_value(value):
    """The portal's one CSV convention: a decimal comma (as Swedish Excel reads numbers in a
    semicolon-separated file), no thousands separator; text neutralised."""
    kind = type(value)  # the common cases first: a register export writes 55 000 values
    if kind is str:
        return "'" + value if value.startswith(LEADING_CONTROL) else value
    if kind is int or value is None:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, str) and value.startswith(LEADING_CONTROL):
        return "'" + value
    return value


class CsvWriter:
    """csv.writer's interface for every CSV the portal writes, one convention for all
    (docs/open-data.md): UTF-8 with BOM, semicolons, the header on the first line, decimal
    comma, values neutralised."""

    def __init__(self, stream):
        stream.write("\ufeff")
        self._writer = defused_csv.writer(stream, delimiter=";", lineterminator="\r\n")
        # The same file without defusedcsv's check: for rows it would leave as they are.
        self._plain = csv.writer(stream, delimiter=";", lineterminator="\r\n")

    def writerow(self, row) -> None:
        values = [_csv_value(value) for value in row]
        # defusedcsv looks at each value (a slow check for numbers) and changes only text that
        # starts with a formula character; a row without any goes out as csv writes it. The
        # register export writes 55 000 values, and the check took half of its time.
        for value in values:
            kind = type(value)
            if not (value is None or kind is int or (kind is str and value[:1] not in FORMULA)):
                self._writer.writerow(values)
                return
        self._plain.writerow(values)

    def writerows(self, rows) -> None:
        """As writerow for each row; a row of plain text, whole numbers and empty values that
        no rule changes (the register export's 5 000 lines, mostly) is written as it is,
        without a converted copy."""
        plain = self._plain.writerow
        for row in rows:
            for value in row:
                kind = type(value)
                if kind is str:
                    if value[:1] in _CHANGED_START:
                        break
                elif not (kind is int or value is None):
                    break
            else:
                plain(row)
                continue
            self.writerow(row)


# What CsvLine checks a line for: a character csv quotes, or a field (after the start or the
# separator below) starting with a character a rule changes. A line without either goes out as
# its values joined by semicolons.
_SEPARATOR = "\x1f"
_TOUCHED_LINE = '[;"\r\n]|(^|' + _SEPARATOR + ")[-@+=|%\t\r]"
# defusedcsv's exception for plain numbers, `^-?[0-9,\\.]+$` in Python's re, where `$` also
# matches before a newline that ends the text; PostgreSQL's `$` is the end only.
_PLAIN_NUMBER = "^-?[0-9,.]+\n?$"
# One value `csv.x` as the writer writes it: neutralised (as _csv_value and defusedcsv do),
# then quoted as csv quotes (a semicolon, a double quote or a line break in it).
_NEUTRALISED = (
    "CASE WHEN left(csv.x, 1) IN (%s, %s) THEN %s || csv.x"
    " WHEN left(csv.x, 1) IN (%s, %s, %s, %s, %s, %s) AND csv.x !~ %s"
    " THEN %s || replace(csv.x, %s, %s) ELSE csv.x END"
)
_CHANGED_FIELD = (
    "(SELECT CASE WHEN v ~ %s THEN %s || replace(v, %s, %s) || %s ELSE v END"  # noqa: S608
    f" FROM (SELECT {_NEUTRALISED} AS v) AS neutralised)"
)
_CHANGED_PARAMS = [
    *['[;"\r\n]', '"', '"', '""', '"'],
    *["\t", "\r", "'", *"@+-=|%", _PLAIN_NUMBER, "'", "|", "\\|"],
]


def csv_line_sql(values: list[str]) -> tuple[str, list]:
    """SQL for one line of CSV as CsvWriter writes it, without the line ending, and its
    parameters: the text of each SQL expression in `values` (NULL as empty; expressions
    without parameters, such as columns) neutralised and quoted by the writer's rules above,
    joined by semicolons. For a download of thousands of lines PostgreSQL writes them in a
    fraction of Python's time (docs/adr/0023-csv-files-written-by-postgresql.md): a line with
    nothing to change is one pattern match and its values joined; only a line with something
    to change has each value looked at. tests/portal/test_csv_lines.py proves, for any text,
    that it is the line CsvWriter writes."""
    texts = ", ".join(f"COALESCE(({value})::text, '')" for value in values)
    sql = (
        f"CASE WHEN concat_ws(%s, {texts}) ~ %s"  # noqa: S608 (our SQL; values are parameters)
        f" THEN (SELECT string_agg({_CHANGED_FIELD}, ';' ORDER BY csv.n)"
        f" FROM unnest(ARRAY[{texts}]) WITH ORDINALITY AS csv(x, n))"
        f" ELSE concat_ws(';', {texts}) END"
    )
    return sql, [_SEPARATOR, _TOUCHED_LINE, *_CHANGED_PARAMS]


def csv_text(rows) -> str:
    buffer = io.StringIO()
    CsvWriter(buffer).writerows(rows)
    return buffer.getvalue()


def _xlsx_value(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str):
        # Control characters are not allowed in the file format (openpyxl refuses them).
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def append_row(sheet, values, *, bold: bool = False, kinds=None) -> list:
    """Append one row; text cells are strings whatever they start with, and with the columns'
    `kinds` numbers get their kind's number format. Returns the cells."""
    sheet.append([_xlsx_value(value) for value in values])
    cells = list(sheet[sheet.max_row]) if values else []
    for index, cell in enumerate(cells):
        if isinstance(cell.value, str):
            cell.data_type = TYPE_STRING
        elif kinds is not None and isinstance(cell.value, int | float | Decimal):
            number_format = NUMBER_FORMATS.get(kinds[index])
            if number_format and not isinstance(cell.value, bool):
                cell.number_format = number_format
        if bold:
            cell.font = Font(bold=True)
    return cells


# Dashes, slashes and dots between words or numbers are word breaks, not letters to drop.
WORD_BREAKS = re.compile(r"[\u2010-\u2015\u2212/.:_]+")


def download_name(*parts, ext: str) -> str:
    """A file name people can read: Swedish letters as their plain forms (å, ä → a, ö → o),
    words joined by single dashes ("2025–2027" stays "2025-2027"), no empty parts, at most 100
    characters before the suffix, cut between words."""
    slugs = [slugify(WORD_BREAKS.sub(" ", str(part))) for part in parts]
    words = re.sub(r"-{2,}", "-", "-".join(s for s in slugs if s)).strip("-")
    if len(words) > 100:
        cut = words[:101]
        words = cut[: cut.rfind("-")] if "-" in cut else cut[:100]
    return f"{words or 'export'}.{ext}"


def fit_columns(sheet, *, header_row: int) -> None:
    """Column widths fitted to the header and the values (within 10–60 characters), and the
    rows down to the header frozen so it stays in view."""
    widths: dict[str, int] = {}
    for row in sheet.iter_rows(min_row=header_row):
        for cell in row:
            if cell.value is None:
                continue
            text = str(cell.value)
            if isinstance(cell.value, (int, float)):
                text = f"{cell.value:,.2f}"
            longest = max(len(line) for line in text.splitlines() or [""])
            widths[cell.column_letter] = max(widths.get(cell.column_letter, 0), longest)
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = max(10, min(60, width + 2))
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate


def sheet_title(text: str, taken: set[str] | None = None) -> str:
    """A sheet name Excel accepts: no forbidden characters, at most 31, cut after a whole
    word, and distinct from the names in `taken` (which it is added to)."""
    name = " ".join(SHEET_CHARS.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", text)).split())
    if len(name) > 31:
        name = name[:31].rsplit(" ", 1)[0] if " " in name[:31] else name[:31]
    name = name.strip("'") or "Tabell"
    if taken is not None:
        base, number = name, 2
        while name.casefold() in {t.casefold() for t in taken}:
            suffix = f" ({number})"
            name = base[: 31 - len(suffix)].rstrip() + suffix
            number += 1
        taken.add(name)
    return name


def new_workbook() -> Workbook:
    """A workbook without its default sheet: every sheet is made with `sheet_title`."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
