"""Dashboard exports: the page's table with its filters and suppression, labels, numbers."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.reporting.factories import publish_closed, readiness_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return readiness_dataset()


def _csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def _url(table, fmt="csv"):
    return reverse("reporting:readiness-export", args=[table, fmt])


def test_csv_by_type_for_staff(login, staff, data):
    response = login(staff).get(_url("typ"))
    assert response.content.startswith("\ufeff".encode())  # the BOM Excel needs for UTF-8
    rows = _csv(response)
    assert rows[0] == [
        "Huvudmannatyp",
        "Huvudmän",
        "Inskickad",
        "Svarsfrekvens (%)",
        "Redo för DNP",
        "Andel redo för DNP (%)",
    ]
    by_label = {row[0]: row for row in rows[1:] if row}
    # One convention for every CSV: semicolons and a decimal comma (docs/open-data.md).
    assert by_label["Kommun"][1:] == ["15", "10", "66,7", "5", "50,0"]
    assert by_label["Region"][1:] == ["2", "2", "100,0", "1", "50,0"]


def test_csv_for_government_leaves_withheld_cells_empty_with_a_note(login, government, data):
    publish_closed()
    rows = _csv(login(government).get(_url("lan")))
    assert rows[0][-1] == "Anmärkning"
    by_label = {row[0]: row for row in rows[1:] if row}
    skane = by_label["Skåne län"]
    # All six independents in Skåne submitted and five are DNP-ready: the one that is not
    # would follow from the count, so it is withheld, and so is its share.
    assert skane[1:6] == ["6", "6", "100,0", "", ""]
    assert skane[6] == "Visas inte: Redo för DNP: skyddad; Andel redo för DNP (%): skyddad"
    # With only two counties, Stockholm's would give Skåne's away (the country's minus it).
    assert by_label["Stockholms län"][1:6] == ["17", "12", "70,6", "", ""]
    assert any(row and row[0].startswith("”skyddad”:") for row in rows)


def test_export_follows_the_filters(login, staff, data):
    rows = _csv(login(staff).get(_url("indikator-idp"), {"typ": "KOMMUN"}))
    by_label = {row[0]: row for row in rows[1:] if row}
    assert by_label["Ingen"][1:] == ["2", "20,0"]
    assert by_label["Egen drift"][1:] == ["6", "60,0"]
    rows = _csv(login(staff).get(_url("trend-dnp"), {"lan": "12"}))
    by_label = {row[0]: row for row in rows[1:] if row}
    assert by_label["Våren"][1:] == ["5", "0", "0,0"]
    assert by_label["Hösten"][1:] == ["6", "5", "83,3"]


def test_xlsx_has_numbers_as_numbers(login, staff, data):
    response = login(staff).get(_url("lan", "xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    stockholm = next(row for row in values if row[0] == "Stockholms län")
    assert stockholm[1:] == (17, 12, 70.6, 6, 50.0)
    assert isinstance(stockholm[1], int) and isinstance(stockholm[3], float)


def test_every_table_downloads_as_xlsx_whatever_its_caption(login, staff, data):
    """Indicator captions end with "?", which Excel refuses in a sheet's name."""
    client = login(staff)
    for table in ("indikator-idp", "indikator-mfa", "trend-indicator", "sammanfattning"):
        response = client.get(_url(table, "xlsx"))
        assert response.status_code == 200, table
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert "?" not in sheet.title and len(sheet.title) <= 31


def test_xlsx_for_government_is_suppressed(login, government, data):
    publish_closed()
    response = login(government).get(_url("lan", "xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert values["Skåne län"][1:6] == (6, 6, 100.0, None, None)
    assert "skyddad" in values["Skåne län"][6]


def test_unknown_table_or_format_is_404(login, staff, data):
    client = login(staff)
    assert client.get(_url("nonsense")).status_code == 404
    assert client.get(_url("typ", "pdf")).status_code == 404


def test_organiser_cannot_export(login, editor_a, data):
    assert login(editor_a).get(_url("typ")).status_code == 403


def test_programme_export(login, government):
    from decimal import Decimal

    from tests.agreement.factories import (
        ActivityFactory,
        AgreementFactory,
        CostFactory,
        FundingYearFactory,
    )

    agreement = AgreementFactory()
    FundingYearFactory(agreement=agreement, year=2021, allocated=Decimal("5000000"))
    CostFactory(activity=ActivityFactory(agreement=agreement), amount=Decimal("1000.25"))
    response = login(government).get(reverse("reporting:programme-export", args=["ar", "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("År", "Tilldelat", "Budgeterat", "Utfall", "Återstår")
    assert rows[1] == (2021, 5000000, 0, 1000.25, 4998999.75)  # the year is a number
