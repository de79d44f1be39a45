"""The final report's content in its three formats: one self-contained HTML document (the
print stylesheet embedded, so the stored HTML stands alone), the tagged, archival PDF/A-3a made
from that document by `portal.pdf.html_to_pdf` (docs/adr/0005-tagged-archival-pdf.md), and the
XLSX of its tables, made from the numbers' snapshot.
"""

import datetime
import textwrap
from decimal import Decimal
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from portal import spreadsheets
from portal.pdf import html_to_pdf

from .content import ReportContent

__all__ = ["file_name", "html_to_pdf", "print_css", "render_document", "report_workbook"]

PRINT_CSS = "reporting/report-print.css"


def file_name(report, ext: str, *suffix: str) -> str:
    """The name a download of the report gets, the same from the page and from a job."""
    title = textwrap.shorten(report.agreement.title, 60, placeholder="")  # cut between words
    return spreadsheets.download_name(
        "slutredovisning", report.agreement.pk, title, *suffix, ext=ext
    )


def print_css() -> str:
    return Path(finders.find(PRINT_CSS)).read_text(encoding="utf-8")


def render_document(content: ReportContent) -> str:
    """The report as one self-contained HTML document: what is stored and turned into the PDF."""
    with translation.override("sv"):
        return render_to_string(
            "reporting/report_document.html", {"content": content, "css": print_css()}
        )


def _xlsx_cell(value, kind: str):
    """The snapshot's JSON value back as the number or date it was (decimals are strings)."""
    if value is None or value == "":
        return None
    if kind in ("amount", "percent", "int") and isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value  # a withheld figure's label ("färre än 5") stays text
    if kind == "date":
        return datetime.date.fromisoformat(value)
    if kind == "year" and str(value).isdigit():
        return int(value)  # a year is a number; "Totalt" in the same column stays text
    return value


def report_workbook(snapshot: dict) -> bytes:
    """Every generated table on its own sheet, numbers as numbers. Built from the numbers'
    snapshot, so the XLSX made at submission holds exactly the submitted numbers."""
    workbook = spreadsheets.new_workbook()
    taken: set[str] = set()
    for index, table in enumerate(snapshot["tables"].values(), start=1):
        sheet = workbook.create_sheet(spreadsheets.sheet_title(f"{index} {table['title']}", taken))
        spreadsheets.append_row(sheet, [table["title"]], bold=True)
        spreadsheets.append_row(sheet, table["columns"], bold=True)
        kinds = table["kinds"]
        for row in table["rows"] + ([table["footer"]] if table["footer"] else []):
            values = [_xlsx_cell(v, k) for v, k in zip(row, kinds, strict=True)]
            spreadsheets.append_row(sheet, values, kinds=kinds)
        if table.get("note"):
            sheet.append([])
            spreadsheets.append_row(sheet, [table["note"]])
        spreadsheets.fit_columns(sheet, header_row=2)
    return spreadsheets.workbook_bytes(workbook)
