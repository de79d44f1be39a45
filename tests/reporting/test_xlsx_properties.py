"""Every XLSX opens as a Swedish Excel user expects: numbers as numbers in formats Excel
groups correctly, readable sheet names, fitted columns, the header frozen."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reporting.final_report import content as final_report
from reporting.final_report.render import report_workbook
from reporting.final_report.services import report_create
from tests.reporting.factories import publish_closed, readiness_dataset, report_agreement

pytestmark = pytest.mark.django_db
# Excel's own codes: "," groups thousands (shown as the reader's separator), "." is the point.
FORMATS = {"General", "#,##0", "#,##0.00", "0.0", "0", "yyyy-mm-dd"}


def _check(body: bytes, titles: dict[str, str] | None = None):
    workbook = load_workbook(io.BytesIO(body))
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes, sheet.title
        header_row = int(re.sub(r"[A-Z]+", "", sheet.freeze_panes)) - 1
        header = [c for c in sheet[header_row] if c.value is not None]
        for cell in header:
            width = sheet.column_dimensions[cell.column_letter].width
            assert width >= min(len(str(cell.value)), 58), (sheet.title, cell.value, width)
        for row in sheet.iter_rows(min_row=header_row + 1):
            for cell in row:
                assert cell.number_format in FORMATS, (sheet.title, cell.number_format)
                assert " " not in cell.number_format
                if isinstance(cell.value, str) and cell.number_format != "General":
                    pytest.fail(f"{sheet.title} {cell.coordinate}: a number written as text")
                if isinstance(cell.value, str) and re.fullmatch(r"-?\d+([.,]\d+)?", cell.value):
                    pytest.fail(f"{sheet.title} {cell.coordinate}: {cell.value!r} is text")
        if titles is not None:
            full = titles[sheet.title]
            assert full.startswith(sheet.title.rstrip()) or full.replace("  ", " ").startswith(
                sheet.title
            )
            rest = full[len(sheet.title) :]
            assert rest == "" or rest[0] == " ", f"{sheet.title!r} cuts a word of {full!r}"
    return workbook


def test_final_report_workbook(staff):
    report = report_create(agreement=report_agreement(), actor=staff)
    content = final_report.build(report)
    titles = {}
    body = report_workbook(content.snapshot())
    names = load_workbook(io.BytesIO(body)).sheetnames
    for name, table in zip(names, content.tables, strict=True):
        index = content.tables.index(table) + 1
        titles[name] = f"{index} {table.title}"
    _check(body, titles)


@pytest.mark.parametrize(
    ("page_name", "export_name"),
    [
        ("reporting:readiness-dashboard", "reporting:readiness-export"),
        ("reporting:programme-dashboard", "reporting:programme-export"),
    ],
)
def test_dashboard_workbooks(login, staff, page_name, export_name):
    readiness_dataset()
    report_agreement()
    publish_closed()
    client = login(staff)
    page = client.get(reverse(page_name)).content.decode()
    keys = sorted(set(re.findall(r"/export/([a-z0-9-]+)\.xlsx", page)))
    assert keys
    for key in keys:
        response = client.get(reverse(export_name, args=[key, "xlsx"]))
        assert response.status_code == 200
        _check(response.content)
