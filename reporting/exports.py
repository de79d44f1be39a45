"""Tables as shown on the dashboards, and their CSV and XLSX files.

A dashboard builds each table once; the page, the CSV and the XLSX all render that object,
so a download holds exactly what the page shows, with the same filters and suppression.
Withheld figures are empty cells, and the row's note says why.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import spreadsheets
from portal.spreadsheets import AMOUNT, DECIMAL, INT, PERCENT, TEXT, YEAR, Column

from . import disclosure
from .disclosure import Figure


@dataclass
class Table:
    key: str
    caption: Any
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    row_headers: bool = True
    # The published group whose figures the rows are (for pages built from a publication).
    scope: str = ""
    # What the page says when there are no rows.
    empty: Any = ""

    def has_suppressed(self) -> bool:
        return any(isinstance(c, Figure) and c.suppressed for row in self.rows for c in row)

    def reasons(self) -> list[str]:
        """The reasons for withheld cells in this table, each once, in a fixed order."""
        found = {c.reason for row in self.rows for c in row if isinstance(c, Figure) and c.reason}
        return [r.value for r in disclosure.Reason if r.value in found]

    def explanations(self) -> list[str]:
        return [disclosure.explanation(r) for r in self.reasons()]

    def display_rows(self) -> list[list[dict]]:
        """Cells formatted the Swedish way, with a class for numbers."""
        return [
            [
                {"text": format_cell(cell, column.kind), "num": column.kind != TEXT}
                for cell, column in zip(row, self.columns, strict=True)
            ]
            for row in self.rows
        ]


def _raw(cell) -> Any:
    return cell.value if isinstance(cell, Figure) else cell


def format_cell(cell, kind: str) -> str:
    if isinstance(cell, Figure) and cell.suppressed:
        if cell.revealed:
            return f"{_format_value(cell.value, kind)} ({cell.label})"
        return cell.label
    return _format_value(_raw(cell), kind)


def _format_value(value, kind: str) -> str:
    if value is None or value == "":
        return "–" if kind != TEXT else ""
    return spreadsheets.shown(value, kind)


def _export_value(cell, kind: str):
    """Numbers as numbers (Decimal for money), text as text, withheld as empty (staff
    previewing what outside readers see get the value, and the note says it is withheld)."""
    if isinstance(cell, Figure) and cell.suppressed and not cell.revealed:
        return None
    value = _raw(cell)
    if value is None:
        return None
    if kind in (INT, PERCENT, AMOUNT, DECIMAL):
        return value
    if kind == YEAR and str(value).isdigit():
        return int(value)
    return str(value)


NOTE = gettext_lazy("Note")


def _rows_for_export(table: Table) -> tuple[list[str], list[list[Any]]]:
    header = [str(c.label) for c in table.columns]
    add_note = table.has_suppressed()
    if add_note:
        header.append(str(NOTE))
    rows = []
    for row in table.rows:
        values = [_export_value(c, col.kind) for c, col in zip(row, table.columns, strict=True)]
        if add_note:
            hidden = [
                f"{col.label}: {c.label}"
                for c, col in zip(row, table.columns, strict=True)
                if isinstance(c, Figure) and c.suppressed
            ]
            values.append(_("Withheld: %(cells)s") % {"cells": "; ".join(hidden)} if hidden else "")
        rows.append(values)
    return header, rows


def _explanation_rows(table: Table) -> list[list[str]]:
    """Below the table: why cells are withheld (docs/disclosure.md has the rules)."""
    return [[text] for text in table.explanations()]


def csv_response(table: Table, filename: str) -> HttpResponse:
    """The portal's CSV convention (portal/spreadsheets.py): the header on the first line;
    below the table, after an empty line, its caption and what withheld cells mean."""
    header, rows = _rows_for_export(table)
    lines = [header, *[["" if v is None else v for v in r] for r in rows]]
    lines += [[], [str(table.caption)], *_explanation_rows(table)]
    response = HttpResponse(
        spreadsheets.csv_text(lines), content_type=spreadsheets.CSV_CONTENT_TYPE
    )
    name = spreadsheets.download_name(filename, ext="csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def xlsx_response(table: Table, filename: str) -> HttpResponse:
    header, rows = _rows_for_export(table)
    workbook = spreadsheets.new_workbook()
    sheet = workbook.create_sheet(spreadsheets.sheet_title(str(table.caption)))
    spreadsheets.append_row(sheet, [str(table.caption)], bold=True)
    spreadsheets.append_row(sheet, header, bold=True)
    kinds = [column.kind for column in table.columns]
    for row in rows:
        spreadsheets.append_row(sheet, row, kinds=kinds)
    spreadsheets.fit_columns(sheet, header_row=2)
    if table.has_suppressed():
        sheet.append([])
        for line in _explanation_rows(table):
            spreadsheets.append_row(sheet, line)
    response = HttpResponse(
        spreadsheets.workbook_bytes(workbook), content_type=spreadsheets.XLSX_CONTENT_TYPE
    )
    name = spreadsheets.download_name(filename, ext="xlsx")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def response_for(table: Table, fmt: str, filename: str) -> HttpResponse:
    if fmt == "xlsx":
        return xlsx_response(table, filename)
    return csv_response(table, filename)


# ---------------------------------------------------------------- open data

# (field, type, description): the schema of the open data, shown on the page and in
# docs/open-data.md (a test keeps the two in step).
READINESS_FIELDS = [
    ("round", "string", gettext_lazy("Name of the reporting round")),
    ("round_opens", "date", gettext_lazy("First day of the round (ISO 8601)")),
    ("round_closes", "date", gettext_lazy("Last day of the round (ISO 8601)")),
    (
        "round_published",
        "date",
        gettext_lazy("The day the round's figures were published; they never change after it"),
    ),
    ("breakdown", "string", gettext_lazy("national, organiser_type or county")),
    (
        "group_code",
        "string",
        gettext_lazy("Organiser type code or county code; other for merged groups"),
    ),
    ("group_name", "string", gettext_lazy("Name of the group")),
    (
        "group_members",
        "string",
        gettext_lazy("The organiser types or county codes the group covers, comma-separated"),
    ),
    (
        "measure",
        "string",
        gettext_lazy(
            "organisers, submitted, dnp_ready, answer, not_answered, answered, achieved or mean"
        ),
    ),
    ("indicator_code", "string", gettext_lazy("Indicator code (measures about one indicator)")),
    ("indicator_question", "string", gettext_lazy("The indicator's question")),
    ("answer_code", "string", gettext_lazy("Answer code or percentage band (measure answer)")),
    ("answer_label", "string", gettext_lazy("The answer as shown to organisers")),
    ("organisers", "integer", gettext_lazy("Number of organisers; empty when withheld")),
    ("base", "integer", gettext_lazy("The number the share is taken of")),
    ("share_percent", "number", gettext_lazy("organisers / base × 100, one decimal")),
    (
        "mean",
        "number",
        gettext_lazy("Mean answer, two significant digits (measure mean); empty when withheld"),
    ),
    ("suppressed", "boolean", gettext_lazy("true when the figure is withheld")),
    (
        "suppression_reason",
        "string",
        gettext_lazy("small, protect or mean: why the figure is withheld (docs/disclosure.md)"),
    ),
]
PROGRAMME_FIELDS = [
    ("agreement", "string", gettext_lazy("Title of the agreement")),
    ("year", "integer", gettext_lazy("Funding year")),
    ("allocated_sek", "number", gettext_lazy("Funds allocated for the year, SEK")),
    ("budgeted_sek", "number", gettext_lazy("Budgeted for activities that year, SEK")),
    ("spent_sek", "number", gettext_lazy("Costs incurred that year, SEK")),
    ("remaining_sek", "number", gettext_lazy("Allocated minus spent, SEK")),
]


def _plain(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return value


def records_csv(fields, records: list[dict]) -> str:
    """The portal's CSV convention; a header of field names."""
    rows = [[f[0] for f in fields]]
    rows += [[_plain(record.get(f[0])) for f in fields] for record in records]
    return spreadsheets.csv_text(rows)


def json_number(value):
    """Decimals as JSON numbers: whole kronor as integers, others as floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
