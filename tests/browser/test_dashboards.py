import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.agreement.factories import (
    ActivityFactory,
    AgreementFactory,
    CostFactory,
    FundingYearFactory,
    MilestoneFactory,
    ProgressUpdateFactory,
)
from tests.reporting.factories import publish_closed, readiness_dataset

pytestmark = pytest.mark.django_db(transaction=True)


def _programme():
    agreement = AgreementFactory(title="Överenskommelse om digitalisering")
    FundingYearFactory(agreement=agreement, year=2021, allocated=Decimal("5000000"))
    activity = ActivityFactory(agreement=agreement)
    CostFactory(activity=activity, incurred_on=datetime.date(2021, 3, 1), amount=Decimal("20000"))
    CostFactory(activity=activity, incurred_on=datetime.date(2021, 9, 1), amount=Decimal("50000"))
    MilestoneFactory(activity=activity, due_on=datetime.date(2021, 6, 1))
    ProgressUpdateFactory(activity=activity, reported_on=datetime.date(2021, 4, 1))


def test_staff_filters_opens_a_table_and_downloads(
    page, live_server, staff, browser_login, axe_check
):
    readiness_dataset()
    _programme()
    browser_login(page, staff)
    page.get_by_role("link", name="Beredskapsöversikt", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beredskapsöversikt")
    expect(page.get_by_text("Sammanfattning av Hösten")).to_be_visible()

    page.get_by_label("Huvudmannatyp").select_option(label="Kommun")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_label("Huvudmannatyp")).to_have_value("KOMMUN")
    cards = page.locator(".cards")
    expect(cards).to_contain_text("15")
    expect(cards).to_contain_text("50,0")

    block = page.locator(
        "section", has=page.get_by_role("heading", name="Svar och DNP-beredskap per län")
    )
    table = block.get_by_role("table")
    expect(table).to_be_hidden()
    block.get_by_text("Visa siffrorna som tabell").click()
    expect(table).to_be_visible()
    expect(table.get_by_role("row", name="Stockholms län")).to_contain_text("66,7")
    axe_check(page)

    with page.expect_download() as info:
        block.get_by_role("link", name="CSV – Svar och DNP-beredskap per län").click()
    download = info.value
    assert download.suggested_filename.startswith("beredskap-lan-")
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "Stockholms län;15;10;66,7;5;50,0" in content  # only municipalities: the filter

    page.get_by_role("link", name="Programöversikt").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programöversikt")
    expect(page.get_by_text("4 930 000 kr").first).to_be_attached()

    page.get_by_role("link", name="Öppna data: siffrorna för alla att ladda ner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Öppna data")


def test_government_sees_published_figures_and_downloads_xlsx(
    page, live_server, government, browser_login
):
    readiness_dataset()
    publish_closed()
    browser_login(page, government)
    page.goto(f"{live_server.url}/rapporter/beredskap/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Beredskapsöversikt")
    expect(page.locator(".dash-group")).to_contain_text("Hela landet")
    expect(page.get_by_label("Kommun")).to_have_count(0)  # not published for outside readers

    page.get_by_label("Län", exact=True).select_option(label="Skåne län")
    page.get_by_role("button", name="Visa").click()
    expect(page.locator(".dash-group")).to_contain_text("Skåne län")
    block = page.locator(
        "section", has=page.get_by_role("heading", name="Svar och DNP-beredskap per län")
    )
    block.get_by_text("Visa siffrorna som tabell").click()
    row = block.get_by_role("row", name="Skåne län")
    expect(row).to_contain_text("skyddad")
    expect(block).to_contain_text("”skyddad”: uppgiften visas inte")
    expect(block.locator("figcaption")).to_contain_text("visas inte, så deras staplar ritas inte")
    with page.expect_download() as info:
        block.get_by_role("link", name="Excel (XLSX) – Svar och DNP-beredskap per län").click()
    assert info.value.suggested_filename.endswith(".xlsx")

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
