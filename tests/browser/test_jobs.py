"""A background job as its owner follows it in the browser: the page updates its progress
while the work runs and shows the result when it is done, without a reload by hand."""

import hashlib

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_job_page_follows_the_work_until_the_file_can_be_downloaded(
    page, live_server, staff, browser_login
):
    job = Job.objects.create(kind="test", title="Registerexport", owner=staff)
    browser_login(page, staff)
    page.goto(live_server.url + reverse("portal:job-detail", args=[job.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Registerexport")
    expect(page.get_by_role("status")).to_contain_text("Köad")
    expect(page.get_by_text("Du kan lämna sidan")).to_be_visible()

    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, done=0, total=2000)
    expect(page.get_by_role("status")).to_contain_text("Pågår", timeout=10_000)
    Job.objects.filter(pk=job.pk).update(done=500)
    expect(page.get_by_role("status")).to_contain_text("500 av 2 000 (25 %)", timeout=10_000)

    data = b"namn;kod\r\n"
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        done=2000,
        summary="2 000 huvudmän.",
        result_name="register.csv",
        result_type="text/csv",
        result=data,
        result_sha256=hashlib.sha256(data).hexdigest(),
    )
    expect(page.get_by_role("status")).to_contain_text("Klart", timeout=10_000)
    expect(page.get_by_text("2 000 huvudmän.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner register.csv").click()
    assert download.value.suggested_filename == "register.csv"
    page.get_by_role("link", name="Ditt bakgrundsarbete").click()
    expect(page.get_by_role("link", name="Registerexport")).to_be_visible()


def test_a_failed_job_says_why(page, live_server, staff, browser_login):
    job = Job.objects.create(
        kind="test",
        title="Import av register.json",
        owner=staff,
        status=Job.Status.FAILED,
        error="Filen är inte giltig JSON (rad 3).",
    )
    browser_login(page, staff)
    page.goto(live_server.url + reverse("portal:job-detail", args=[job.pk]))
    expect(page.get_by_role("status")).to_contain_text("Misslyckades")
    expect(page.get_by_text("Filen är inte giltig JSON (rad 3).")).to_be_visible()
