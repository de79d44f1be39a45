"""Pages people reach when something is wrong or they are on their way out. Each page served
here is checked at 1280 and 375 px by the fixture every browser test ends with."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_404_403_and_an_invalid_invitation_explain_themselves(
    page, live_server, editor_a, principal_b, browser_login
):
    page.goto(live_server.url + "/finns-inte/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte")
    page.goto(live_server.url + reverse("principals:invitation-accept", args=["nonsense"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Länken fungerar inte")
    browser_login(page, editor_a)
    page.goto(live_server.url + reverse("principals:principal-list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Du har inte behörighet till sidan")
    page.get_by_role("link", name="Till startsidan").click()
    expect(page).to_have_url(
        f"{live_server.url}/huvudman/{editor_a.memberships.first().principal_id}/"
    )


def test_logged_out_and_english_pages(page, live_server, editor_a, browser_login):
    browser_login(page, editor_a)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Svenska")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are now logged out.")).to_be_visible()
    page.get_by_role("button", name="Svenska").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in i Skoldigistöd")
