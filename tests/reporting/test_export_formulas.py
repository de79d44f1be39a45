"""Every CSV and XLSX the portal writes carries values, never formulas.

Hostile text goes into every field that reaches an export (organisers' names, contact details,
comments, staff-written round, area, question, choice, agreement and activity titles); each
file is then opened as a spreadsheet program would (CSV parsed, XLSX opened with openpyxl).
No cell may be a formula or start with a character a spreadsheet runs, and the text a reader
sees is the text that was written.
"""

import csv
import html
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from principals.models import Principal
from readiness.models import ReportingRound
from reporting.final_report.services import report_create
from tests.reporting.factories import (
    ROUND_IN_PERIOD,
    principals,
    publish_closed,
    report_agreement,
    small_framework,
    submit,
)

pytestmark = pytest.mark.django_db

# What a spreadsheet runs: a formula, a DDE command, or either behind a tab or carriage return.
PREFIXES = ["=", "+", "-", "@", "\t=", "\r=", "=cmd|' /C calc'!A0+"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "|", "%")
NUMBER = re.compile(r"-?[0-9][0-9 .,]*")


def _payload(prefix: str, field: str) -> str:
    return f'{prefix}HYPERLINK("https://angripare.example";"{field}")'


def _shown_csv(cell: str) -> str:
    """What a reader sees of a neutralised cell: the apostrophe marks text, not content."""
    if cell.startswith("'"):
        return cell[1:].replace("\\|", "|")
    return cell


def _csv_cells(response) -> list[str]:
    assert response.status_code == 200, response
    text = response.getvalue().decode("utf-8-sig")
    delimiter = ";" if ";" in text.splitlines()[0] or "," not in text.splitlines()[0] else ","
    cells = [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]
    for cell in cells:
        assert not (cell.startswith(TRIGGERS) and not NUMBER.fullmatch(cell)), cell
    return [_shown_csv(c) for c in cells]


def _xlsx_cells(body: bytes) -> list:
    values = []
    for sheet in load_workbook(io.BytesIO(body)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    return values


def _as_shown(value):
    """XML, and so XLSX, stores line ends as line feeds: a carriage return reads back as one."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _download_links(page: str) -> list[str]:
    links = set(re.findall(r'href="(/rapporter/[^"]*/export/[^"]+)"', page))
    assert links
    return sorted(html.unescape(link) for link in links)


class Downloads:
    """The cells of a page's CSV files and of its XLSX files, kept apart so that each format
    has to show the text on its own."""

    def __init__(self, csv_cells, xlsx_cells):
        self.csv, self.xlsx = csv_cells, xlsx_cells

    def __contains__(self, value) -> bool:
        return _has(self.csv, value) and _has(self.xlsx, value)


def _every_download(client, page_url: str, query=None) -> Downloads:
    response = client.get(page_url, query or {})
    assert response.status_code == 200
    csv_cells, xlsx_cells = [], []
    for link in _download_links(response.content.decode()):
        download = client.get(link)
        if ".xlsx" in link:
            assert download.status_code == 200, link
            xlsx_cells += _xlsx_cells(download.content)
        else:
            csv_cells += _csv_cells(download)
    return Downloads(csv_cells, xlsx_cells)


@pytest.fixture
def hostile(request, staff):
    """A data set whose every staff- or organiser-written text is a formula."""
    prefix = request.param
    text = {field: _payload(prefix, field) for field in FIELDS}
    text["phone"] = f"{prefix}SUM(1;2)"  # the field holds at most 40 characters
    framework, indicators = small_framework()
    area = indicators["idp"].area
    area.title = text["area"]
    area.save()
    idp = indicators["idp"]
    idp.question = text["question"]
    idp.choices = [
        {**choice, "label": text["choice"]} if choice["value"] == "own" else choice
        for choice in idp.choices
    ]
    idp.save()
    closed = ReportingRound.objects.create(
        name=text["round"],
        opens_on=ROUND_IN_PERIOD[0],
        closes_on=ROUND_IN_PERIOD[1],
        framework_version=framework,
    )
    organisers = principals(12, organiser_type=Principal.OrganiserType.KOMMUN)
    target = organisers[0]
    Principal.objects.filter(pk=target.pk).update(
        name=text["principal"], email=text["email"], phone=text["phone"]
    )
    target.refresh_from_db()
    for index, principal in enumerate(organisers):
        assessment = submit(
            principal, closed, {"idp": "own" if index % 2 else "none", "mfa": "achieved"}
        )
        if principal == target:
            version = assessment.current
            version.answers = {
                **version.answers,
                "idp": {"value": "own", "comment": text["comment"]},
            }
            version.save()
    agreement = report_agreement()
    agreement.title = text["agreement"]
    agreement.save()
    activity = agreement.activities.order_by("pk").first()
    activity.title = text["activity"]
    activity.save()
    initiative = agreement.initiatives.order_by("number").first()
    initiative.title = text["initiative"]
    initiative.save()
    publish_closed()
    report = report_create(agreement=agreement, actor=staff)
    return {"text": text, "round": closed, "target": target, "report": report}


FIELDS = [
    "area",
    "question",
    "choice",
    "round",
    "principal",
    "email",
    "phone",
    "comment",
    "agreement",
    "activity",
    "initiative",
]


def _has(cells, value) -> bool:
    """The text is shown whole: as the cell, or within a label such as "idp: <question>"."""
    return any(
        isinstance(cell, str) and (value in cell or _as_shown(value) in cell) for cell in cells
    )


@pytest.mark.parametrize("hostile", PREFIXES, indirect=True)
def test_no_export_carries_a_formula_and_each_shows_the_text(
    hostile, staff, lead, government, login
):
    text = hostile["text"]
    staff_client = login(staff)

    register = _csv_cells(staff_client.get(reverse("principals:principal-export")))
    for field in ("principal", "email", "phone"):
        assert _has(register, text[field]), field

    answers = _csv_cells(
        staff_client.get(
            reverse(
                "readiness:assessment-export-csv",
                args=[hostile["target"].pk, hostile["round"].pk],
            )
        )
    )
    for field in ("area", "question", "choice", "comment"):
        assert _has(answers, text[field]), field

    readiness = _every_download(staff_client, reverse("reporting:readiness-dashboard"))
    for field in ("round", "question", "choice"):
        assert text[field] in readiness, field
    readiness_grouped = _every_download(
        staff_client, reverse("reporting:readiness-dashboard"), {"typ": "KOMMUN"}
    )
    assert text["round"] in readiness_grouped

    government_client = Client()
    government_client.force_login(government, backend="portal.backends.PortalModelBackend")
    published = _every_download(government_client, reverse("reporting:readiness-dashboard"))
    for field in ("round", "question", "choice"):
        assert text[field] in published, field

    agreement = hostile["report"].agreement
    programme = _every_download(
        staff_client, reverse("reporting:programme-dashboard"), {"overenskommelse": agreement.pk}
    )
    assert text["initiative"] in programme

    opendata = _csv_cells(Client().get(reverse("reporting:opendata-readiness", args=["csv"])))
    for field in ("round", "question", "choice"):
        assert _has(opendata, text[field]), field

    lead_client = login(lead)
    report = lead_client.get(reverse("reporting:report-xlsx", args=[hostile["report"].pk]))
    assert report.status_code == 200
    workbook = _xlsx_cells(report.content)
    assert _has(workbook, text["activity"])


def test_the_shared_writer_is_the_only_writer():
    """No module writes CSV or builds a workbook on its own, so a new export cannot forget."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.glob("*/**/*.py"):
        parts = path.relative_to(root).parts
        if parts[0] in {".venv", "tests", "bench"} or "migrations" in parts:
            continue
        source = path.read_text()
        if path.name == "spreadsheets.py":
            continue
        if re.search(r"csv\.(writer|DictWriter)\(|\bWorkbook\(|import Workbook", source):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
