"""The accessibility statement in a browser: read at 1280 and 375 px, and its form used with the
keyboard only, from the first field to the receipt. Every page is also checked with axe."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.models import AccessibilityFeedback, OutgoingMail
from tests.portal.factories import staff_user

pytestmark = pytest.mark.django_db(transaction=True)
# SHOTS_DIR=/some/dir keeps screenshots of the pages for a person to look at.
SHOTS = os.environ.get("SHOTS_DIR")


def shot(page, name: str, **kwargs) -> None:
    if SHOTS:
        page.screenshot(path=Path(SHOTS) / name, **kwargs)


def test_statement_and_feedback_by_keyboard(page, live_server):
    staff_user(email="programmet@skr.example.se")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("portal:accessibility"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tillgänglighetsredogörelse för Skoldigistöd"
    )
    expect(page.locator("[data-part=compliance]")).to_contain_text("delvis förenlig")
    expect(
        page.get_by_role("link", name="Anmäl bristande tillgänglighet till Digg")
    ).to_have_attribute("href", "https://www.digg.se/tdosanmalan")
    shot(page, "accessibility-statement-1280.png", full_page=True)

    # Keyboard only: the skip link, then Tab into the form's first field.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Hoppa till innehållet")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    message = page.get_by_label("Vad fungerade inte för dig?")
    expect(message).to_be_focused()
    # Sent empty first: the errors are said in Swedish and nothing is stored.
    for _ in range(4):
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Skicka meddelande")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Beskriv vad som inte fungerade.").first).to_be_visible()
    assert not AccessibilityFeedback.objects.exists()

    page.get_by_label("Vad fungerade inte för dig?").focus()
    page.keyboard.type("Diagrammet på översikten går inte att nå med tangentbordet.")
    page.keyboard.press("Tab")
    page.keyboard.type("/rapporter/beredskap/")
    page.keyboard.press("Tab")
    page.keyboard.type("Kim Berg")
    page.keyboard.press("Tab")
    page.keyboard.type("kim.berg@kommun.example.se")
    page.keyboard.press("Enter")
    receipt = page.get_by_role("status")
    expect(receipt).to_contain_text("Vi har tagit emot ditt meddelande med referens T")
    expect(receipt).to_contain_text("kim.berg@kommun.example.se")
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.page == "/rapporter/beredskap/" and feedback.name == "Kim Berg"
    sent = OutgoingMail.objects.filter(kind__startswith="accessibility_feedback")
    assert sorted(m.to[0] for m in sent) == [
        "kim.berg@kommun.example.se",
        "programmet@skr.example.se",
    ]
    shot(page, "accessibility-receipt-1280.png")

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + reverse("portal:accessibility"))
    shot(page, "accessibility-statement-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
