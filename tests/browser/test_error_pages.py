"""The error pages pass axe and fit a narrow screen, as every other page does."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_404_and_403_pages_pass_axe_at_both_widths(
    page, live_server, editor_a, principal_b, browser_login, axe_check
):
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server.url + "/finns-inte/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte")
        axe_check(page)
    browser_login(page, editor_a)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server.url + reverse("principals:principal-list"))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Du har inte behörighet till sidan"
        )
        axe_check(page)
    page.get_by_role("link", name="Till startsidan").click()
    expect(page).to_have_url(
        f"{live_server.url}/huvudman/{editor_a.memberships.first().principal_id}/"
    )
