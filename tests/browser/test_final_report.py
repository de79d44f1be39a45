"""Staff write the final report and make its PDF (a job), the lead approves it, the checklist
blocks until it passes, the report is submitted (a job) and its PDF downloaded; axe on every
page."""

import re

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
    # The draft's PDF is made by a job; its page gives the file.
    page.get_by_role("button", name="Skapa PDF").click()
    expect(page).to_have_url(re.compile(r"/jobb/[0-9a-f-]+/$"))
    with page.expect_download() as download_info:
        page.locator("a[href$='/fil']").click()
    assert download_info.value.suggested_filename.endswith(".pdf")
    with open(download_info.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
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
    # The freeze is a job (done at once here); its result is the report's page.
    expect(page).to_have_url(re.compile(r"/jobb/[0-9a-f-]+/$"))
    page.locator(f"a[href='{report.get_absolute_url()}']").last.click()
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


def test_a_submission_under_way_is_shown_on_the_report_page(page, live_server, lead, browser_login):
    from portal.models import Job
    from reporting.final_report import services
    from tests.reporting.factories import write_all_sections

    report = services.report_create(agreement=report_agreement(), actor=lead)
    write_all_sections(report)
    report.state = report.State.APPROVED
    report.save()
    # What a click leaves behind while no worker has taken the job yet.
    job = Job.objects.create(
        kind=services.SUBMIT_JOB,
        title="Inlämning av slutredovisningen",
        owner=lead,
        params={"report": report.pk, "actor": lead.pk, "version": report.version},
    )
    browser_login(page, lead)
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    expect(page.locator("#report-submitting")).to_contain_text(
        "Redovisningen håller på att lämnas in"
    )
    expect(page.get_by_role("button", name="Lämna in slutredovisningen")).to_have_count(0)
    page.get_by_role("link", name="Följ inlämningen").click()
    expect(page).to_have_url(f"{live_server.url}/jobb/{job.pk}/")
