"""Staff make the archival package of a report submitted before packages were made on
submission (as the demo loader submits), follow the job and download the package, which
verifies: METS against the schema kept with the tests, the checksums frozen at submission."""

import os
import re
import shutil
import zipfile

import pytest
from playwright.sync_api import expect

from reporting import archive
from reporting.final_report import services
from reporting.models import ArchivalPackage
from tests.reporting.factories import approve, report_agreement
from tests.reporting.test_archive import DATA

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("ARCHIVE_SCREENSHOTS", "")


def shot(page, name):
    if SHOTS:
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.locator("#arkivpaket").screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"))
            page.screenshot(path=os.path.join(SHOTS, f"{name}-page-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def test_staff_make_and_download_the_archival_package(
    page, live_server, staff, lead, browser_login, tmp_path
):
    report = services.report_create(agreement=report_agreement(), actor=staff)
    approve(report, staff, lead)
    services.report_submit(report=report, actor=lead, seen_version=report.version)

    browser_login(page, staff)
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    section = page.locator("#arkivpaket")
    expect(section.get_by_role("heading", name="Arkivpaket")).to_be_visible()
    expect(section).to_contain_text("Inget arkivpaket har skapats")
    shot(page, "h20b-archive-none")

    section.get_by_role("button", name="Skapa arkivpaketet").click()
    expect(page).to_have_url(re.compile(r"/jobb/[0-9a-f-]+/$"))
    expect(page.get_by_role("status")).to_contain_text("Klart", timeout=10_000)
    page.locator(f"a[href^='{report.get_absolute_url()}']").last.click()

    package = ArchivalPackage.objects.get(report=report)
    section = page.locator("#arkivpaket")
    expect(section).to_contain_text(package.object_id)
    expect(section).to_contain_text(package.package_sha256)
    shot(page, "h20b-archive-made")

    with page.expect_download() as download_info:
        section.get_by_role("link", name="Hämta arkivpaketet (ZIP)").click()
    download = download_info.value
    assert re.fullmatch(r"slutredovisning-\d+-.*-arkivpaket\.zip", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    if SHOTS:
        shutil.copy(path, os.path.join(SHOTS, "h20b-package.zip"))
    data = path.read_bytes()
    result = archive.verify(
        data,
        expected_sha256=package.package_sha256,
        frozen=services.frozen_checksums(report.submitted),
        schema_folder=DATA,
    )
    assert result.ok, result.problems
    with zipfile.ZipFile(path) as opened:
        assert f"{package.object_id}/METS.xml" in opened.namelist()
