"""HTML, PDF and XLSX come from one builder: the same numbers in all three, and a real PDF/A."""

import io
import re
import subprocess
import zlib
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal import spreadsheets
from reporting import disclosure
from reporting.final_report import content as final_report
from reporting.final_report import services
from reporting.final_report.render import html_to_pdf, render_document, report_workbook

from .factories import (
    ROUNDS_IN_PERIOD_FROM,
    publish_closed,
    readiness_dataset,
    report_agreement,
    write_all_sections,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def outputs(django_db_setup, django_db_blocker):
    """One report with programme and readiness data, rendered once in every format."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            from django.contrib.auth.models import Group, Permission

            from portal.roles import ensure_role_groups
            from principals.models import County, Municipality
            from principals.reference import load_reference_data
            from tests.portal.factories import staff_user

            # Module-scoped: earlier transactional tests may have flushed the reference data.
            ensure_role_groups(Group, Permission)
            load_reference_data(County, Municipality)
            staff = staff_user(username="outputs-staff")
            agreement = report_agreement()
            readiness_dataset(today=ROUNDS_IN_PERIOD_FROM)
            publish_closed()
            report = services.report_create(agreement=agreement, actor=staff)
            write_all_sections(report, "Text för avsnittet.")
            content = final_report.build(report)
            html = render_document(content)
            pdf = html_to_pdf(html)
            xlsx = report_workbook(content.snapshot())
            transaction.set_rollback(True)
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return {"content": content, "html": html, "pdf": pdf, "text": text, "xlsx": xlsx}


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def numeric_cells(table):
    rows = list(table.rows) + ([table.footer] if table.footer else [])
    for row_index, row in enumerate(rows):
        for col, (column, value) in enumerate(zip(table.columns, row, strict=True)):
            if column.numeric and value is not None and not isinstance(value, str):
                yield row_index, col, value, spreadsheets.shown(value, column.kind)


def withheld_cells(table):
    rows = list(table.rows) + ([table.footer] if table.footer else [])
    for row_index, row in enumerate(rows):
        for col, value in enumerate(row):
            if isinstance(value, final_report.Withheld):
                yield row_index, col, value


def test_every_table_has_numbers_to_compare(outputs):
    keys = {t.key for t in outputs["content"].tables}
    assert {"funding", "finance-years", "readiness-dnp", "readiness-indicators"} <= keys
    assert sum(1 for t in outputs["content"].tables for _c in numeric_cells(t)) > 50


def test_html_pdf_and_xlsx_show_the_same_numbers(outputs):
    html, text = squash(outputs["html"]), squash(outputs["text"])
    workbook = load_workbook(io.BytesIO(outputs["xlsx"]))
    tables = outputs["content"].tables
    assert len(workbook.sheetnames) == len(tables)
    for sheet_name, table in zip(workbook.sheetnames, tables, strict=True):
        sheet = workbook[sheet_name]
        assert sheet.cell(1, 1).value == table.title
        for row_index, col, value, display in numeric_cells(table):
            shown = squash(display)
            assert shown in html, (table.key, display)
            assert shown in text, (table.key, display)
            cell = sheet.cell(row_index + 3, col + 1).value
            assert isinstance(cell, int | float), (table.key, cell)
            assert Decimal(str(cell)) == Decimal(value), (table.key, row_index, col)
        for row_index, col, label in withheld_cells(table):
            # A withheld figure says why, in the same words as the dashboards, in every format.
            assert sheet.cell(row_index + 3, col + 1).value == label
            assert label in ("färre än 5", "skyddad", "visas inte")
            assert disclosure.explanation(label.reason) in table.note


def test_the_readiness_tables_label_withheld_figures(outputs):
    labels = [v for t in outputs["content"].tables for *_rc, v in withheld_cells(t)]
    assert labels, "the fixture's small groups withhold some figures"
    assert "färre än 5" in squash(outputs["text"]) or "skyddad" in outputs["text"]


def test_known_numbers_and_headings_in_the_pdf(outputs):
    text = squash(outputs["text"])
    for heading in (
        "Slutredovisning",
        "Innehåll",
        "1 Sammanfattning",
        "2 Uppdraget",
        "3 Genomförande",
        "4 Resultat",
        "5 Ekonomisk redovisning",
        "6 Slutsatser och rekommendationer",
        "7 Bilagor",
        "Deltagande huvudmän",
    ):
        assert heading in text, heading
    assert "12 500 000 kr" in text  # allocated in all
    assert "5 925 923 kr" in text  # spent: 123 456 + 2 345 678 + 3 456 789
    assert re.search(r"Sida 2 av \d+", text)
    assert "Exempelby kommun" in text  # a public organiser is named
    assert "Hemliga Skolan AB" not in text  # a private one is only counted


def test_the_pdf_is_a4_and_claims_pdf_a(outputs):
    pdf = outputs["pdf"]
    assert pdf.startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    assert "595.276 x 841.89 pts (A4)" in info.stdout.decode()
    metadata = b""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            metadata += zlib.decompress(match.group(1))
        except zlib.error:
            metadata += match.group(1)
    assert b"pdfaid:part" in metadata
    assert re.search(rb"pdfaid:part[^0-9]{0,3}3", metadata)
    # Level A: tagged, with the document's language and its title shown by viewers.
    assert re.search(rb'pdfaid:conformance[^A-Z]{0,3}A"', metadata)
    assert b"/StructTreeRoot" in metadata and b"/Marked true" in metadata
    assert b"/Lang (sv)" in metadata and b"/DisplayDocTitle true" in metadata
    assert "Tagged:          yes" in info.stdout.decode()


def test_the_pdf_structure_has_headings_tables_and_the_organisers_as_a_list(outputs):
    structure = subprocess.run(
        ["pdfinfo", "-struct", "-"], input=outputs["pdf"], capture_output=True, check=True
    ).stdout.decode()
    for tag in ("H1", "H2", "H3", "Table", "TH", "TD", "L", "LI", "Figure"):
        assert re.search(rf"^\s*{tag}\b", structure, re.M), tag
    # The named organisers are a list in columns, not one dense paragraph.
    organisers = outputs["html"].split('id="tabell-appendix-organisers"')[1].split("</ul>")[0]
    assert '<ul class="report-columns"' in organisers
    assert organisers.count("<li>") >= 1 and "; " not in organisers


def test_charts_are_vector_svg(outputs):
    assert "<svg" in outputs["html"]
    assert "<img" not in outputs["html"]


def test_downloads_through_the_client(staff, login):
    agreement = report_agreement()
    report = services.report_create(agreement=agreement, actor=staff)
    client = login(staff)
    # The PDF takes seconds: the click starts a job, whose page gives the file.
    started = client.post(reverse("reporting:report-pdf", args=[report.pk]))
    job = started["Location"].removeprefix("/jobb/").strip("/")
    pdf = client.get(reverse("portal:job-file", args=[job]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    xlsx = client.get(reverse("reporting:report-xlsx", args=[report.pk]))
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames


def test_preview_query_count_does_not_grow_with_data(staff, login):
    from tests.agreement.factories import ActivityFactory, DeliverableFactory

    agreement = report_agreement()
    report = services.report_create(agreement=agreement, actor=staff)
    client = login(staff)
    url = reverse("reporting:report-preview", args=[report.pk])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first request of a session also loads the login's devices
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    initiative = agreement.initiatives.first()
    for _ in range(10):
        activity = ActivityFactory(agreement=agreement, initiatives=[initiative])
        DeliverableFactory(activity=activity)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
