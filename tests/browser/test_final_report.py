"""Staff write the final report, the lead approves it, the checklist blocks until it passes, the
report is submitted and its PDF downloaded; axe on every page."""

import pytest
from playwright.sync_api import expect

from agreement.models import Activity
from tests.agreement.factories import ActivityFactory
from tests.reporting.factories import report_agreement

pytestmark = pytest.mark.django_db(transaction=True)


def test_write_review_approve_submit_and_download(page, live_server, staff, lead, browser_login):
    agreement = report_agreement()
    unfinished = ActivityFactory(agreement=agreement, title="Sista nätverksträffen")

    browser_login(page, staff)
    page.goto(f"{live_server.url}/rapporter/slutredovisning/")
    page.get_by_role("button", name=f"Påbörja slutredovisningen för {agreement.title}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Slutredovisning")
    expect(page.get_by_text("Redovisningen kan inte lämnas in ännu.")).to_be_visible()

    report = agreement.final_report
    report.sections.exclude(key="summary").update(body="Skrivet i förväg.")
    page.get_by_role("link", name="Skriv Sammanfattning", exact=True).click()
    page.get_by_label("Text").fill("## Viktigast\n\nAlla huvudmän har fått **stöd**.")
    page.get_by_role("button", name="Spara och förhandsvisa").click()
    expect(page.get_by_role("heading", name="Viktigast")).to_be_visible()
    expect(page.get_by_role("heading", name="1 Sammanfattning")).to_be_visible()

    page.get_by_role("link", name="Tillbaka till redovisningen").click()
    page.get_by_role("button", name="Skicka på granskning").click()
    expect(page.locator("#report-state")).to_have_text("Under granskning")
    expect(page.get_by_role("button", name="Godkänn")).to_have_count(0)
    page.get_by_role("button", name="Logga ut").click()

    browser_login(page, lead)
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    page.get_by_role("button", name="Godkänn").click()
    expect(page.locator("#report-state")).to_have_text("Godkänd")
    submit = page.get_by_role("button", name="Lämna in slutredovisningen")
    expect(submit).to_be_disabled()
    checklist = page.locator(".report-checklist")
    expect(checklist).to_contain_text("Sista nätverksträffen")

    Activity.objects.filter(pk=unfinished.pk).update(status=Activity.Status.COMPLETED)
    page.reload()
    expect(page.get_by_text("Allt på checklistan är klart.")).to_be_visible()
    page.get_by_role("button", name="Lämna in slutredovisningen").click()
    expect(page.locator("#report-state")).to_have_text("Inlämnad")
    expect(page.get_by_role("heading", name="Inlämnad version")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner den inlämnade PDF-filen").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"

    page.get_by_role("link", name="Jämför de inlämnade siffrorna med dagens").click()
    expect(page.get_by_text("Dagens siffror är desamma som de inlämnade.")).to_be_visible()
