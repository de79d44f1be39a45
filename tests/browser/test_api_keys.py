"""An organiser's editor creates an API key in the browser, saves a draft and submits through
the API as docs/api.md shows, and sees the submission in the history with the key named."""

import re

import pytest
import requests
from django.utils.text import slugify
from playwright.sync_api import expect

from readiness.services import framework_load_default
from tests.api.test_api import complete_answers
from tests.browser.pages import shoot
from tests.readiness.factories import ReportingRoundFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_editor_makes_a_key_and_submits_through_the_api(
    page, live_server, principal_a, editor_a, browser_login
):
    framework = framework_load_default(actor="test")[0]
    reporting_round = ReportingRoundFactory(name="Hösten 2026", framework_version=framework)
    browser_login(page, editor_a)
    page.goto(f"{live_server.url}/huvudman/{principal_a.pk}/")
    page.get_by_role("link", name="API-nycklar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API-nycklar")
    page.get_by_role("link", name="Skapa en API-nyckel").click()
    page.get_by_role("button", name="Skapa nyckeln").click()
    expect(page.get_by_role("alert")).to_be_visible()  # no name: refused, nothing made
    page.get_by_label("Namn").fill("Vårt elevregister")
    page.get_by_label("Läsa och skriva").check()
    shoot(page, "api-key-form")
    page.get_by_role("button", name="Skapa nyckeln").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Din nya API-nyckel")
    key = page.get_by_label(re.compile("Nyckeln ”Vårt elevregister”")).input_value()
    assert key.startswith("sdk_")
    shoot(page, "api-key-created")

    api = f"{live_server.url}/api/v1/organisers/{principal_a.organisation_number}"
    url = f"{api}/self-assessments/{slugify(reporting_round.name)}"
    auth = {"Authorization": f"Bearer {key}"}
    read = requests.get(url, headers=auth, timeout=10)
    assert read.status_code == 200 and read.json()["state"] == "not_started"
    saved = requests.put(
        url + "/draft",
        json={"answers": complete_answers(framework)},
        headers={**auth, "If-Match": read.headers["ETag"]},
        timeout=10,
    )
    assert saved.status_code == 200, saved.text
    submitted = requests.post(
        url + "/submission", headers={**auth, "If-Match": saved.headers["ETag"]}, timeout=10
    )
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["submission"] == 1

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/api/nycklar/")
    expect(page.get_by_role("table", name="API-nycklar")).to_contain_text("Vårt elevregister")
    expect(page.get_by_text(key)).to_have_count(0)
    shoot(page, "api-key-list")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(
        f"{live_server.url}/uppfoljning/huvudman/{principal_a.pk}/omgang/{reporting_round.pk}/historik/"
    )
    prefix = key.split("_")[1]
    expect(page.get_by_text(f"via API-nyckel {prefix}").first).to_be_visible()
    shoot(page, "api-history")

    page.goto(f"{live_server.url}/api/nycklar/")
    page.get_by_role("button", name="Återkalla Vårt elevregister").click()
    expect(page.get_by_text("Nyckeln Vårt elevregister återkallades.")).to_be_visible()
    assert requests.get(url, headers=auth, timeout=10).status_code == 401
