"""The organiser's self-assessment journey and the staff return, with axe on every page."""

import os

import pytest
from playwright.sync_api import expect

from readiness.services import framework_load_default
from tests.readiness.factories import ReportingRoundFactory

pytestmark = pytest.mark.django_db(transaction=True)
# Where to keep screenshots for a person to look at (not kept by default).
SHOTS = os.environ.get("READINESS_SCREENSHOTS", "")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=False)


def answer_required_on_page(page, framework, skip):
    """Answer the required questions of the step shown (rating questions: 'Påbörjad')."""
    for indicator in framework.indicators.filter(required=True):
        box = page.locator(f"#q-{indicator.code}")
        if indicator.code in skip or box.count() == 0:
            continue
        kind = indicator.answer_type
        if kind == "rating":
            box.get_by_label("Påbörjad", exact=True).check()
        elif kind == "yes_no":
            box.get_by_label("Nej", exact=True).check()
        elif kind in ("single_choice", "multi_choice"):
            box.get_by_label(indicator.choices[0]["label"], exact=True).check()
        elif kind in ("percentage", "integer"):
            box.fill("40")


@pytest.mark.parametrize("width", [1280, 375])
def test_organiser_fills_in_step_by_step_saves_goes_back_and_submits(
    page, live_server, editor_a, editor_b, principal_a, staff, browser_login, width
):
    page.set_viewport_size({"width": width, "height": 800 if width > 600 else 740})
    framework = framework_load_default(actor="test")[0]
    reporting_round = ReportingRoundFactory(name="Hösten 2026", framework_version=framework)
    browser_login(page, editor_a)
    expect(page.get_by_role("heading", name="Självskattning")).to_be_visible()
    page.get_by_role("link", name="Börja med självskattningen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fyll i självskattningen")
    steps = page.get_by_role("navigation", name="Områden")
    expect(steps.locator('[aria-current="step"]')).to_have_text(
        "Inloggning och identitetsfederation"
    )
    # The actions are in reach without scrolling to the end of the step.
    expect(page.get_by_role("button", name="Spara utkast")).to_be_in_viewport()
    expect(page.get_by_role("button", name="Granska och skicka in")).to_be_in_viewport()
    expect(page.locator("#q-fidus input:checked")).to_have_count(0)  # nothing preselected
    shot(page, f"step1-{width}")

    page.locator("#q-idp").get_by_label("Ja, i egen drift").check()
    page.get_by_role("button", name="Spara och fortsätt").click()
    expect(
        page.get_by_text("Utkastet för område Inloggning och identitetsfederation")
    ).to_be_visible()
    expect(steps.locator('[aria-current="step"]')).to_have_text("E-legitimation för personal")
    expect(steps.get_by_role("listitem").first).to_contain_text("1 av 5 besvarade")

    # Step 2: a draft saved there, then back to step 1 and forward again: nothing lost.
    page.locator("#q-staff-eid-share").fill("35")
    page.get_by_role("button", name="Spara utkast").click()
    expect(
        page.get_by_text("Utkastet för område E-legitimation för personal sparades")
    ).to_be_visible()
    expect(page.locator("#q-staff-eid-share")).to_have_value("35")
    shot(page, f"step2-saved-{width}")
    page.get_by_role("button", name="Föregående").click()
    expect(steps.locator('[aria-current="step"]')).to_have_text(
        "Inloggning och identitetsfederation"
    )
    expect(page.locator("#q-idp").get_by_label("Ja, i egen drift")).to_be_checked()
    page.get_by_role("button", name="Spara och fortsätt").click()
    expect(page.locator("#q-staff-eid-share")).to_have_value("35")

    page.goto(f"{live_server.url}/huvudman/{principal_a.pk}/")
    expect(page.get_by_text("Besvarat 2 av 28 frågor")).to_be_visible()
    page.get_by_role("link", name="Fortsätt med självskattningen").click()

    # Every step in turn, FIDUS left out; the last step goes to the review.
    for _ in range(7):
        answer_required_on_page(page, framework, skip={"fidus", "idp", "staff-eid-share"})
        next_step = page.get_by_role("button", name="Spara och fortsätt")
        if next_step.count():
            next_step.click()
        else:
            page.get_by_role("button", name="Granska och skicka in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Granska och skicka in")
    expect(page.locator("#missing")).to_contain_text("1 fråga behöver besvaras")
    page.get_by_role("button", name="Skicka in självskattningen").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(
        "Fel: Granska och skicka in – Fyll i självskattningen – Huvudman A – Skoldigistöd"
    )
    shot(page, f"review-error-{width}")
    summary.get_by_role("link", name="interfederation FIDUS").click()
    expect(page).to_have_url(f"{page.url.split('#')[0]}#q-fidus")
    expect(page.locator("#e-q-fidus")).to_contain_text("Besvara frågan.")
    # The link leads to the question (the summary is at the top of its step too).
    expect(page.locator("#error-summary")).to_contain_text("interfederation FIDUS")
    page.locator("#q-fidus").get_by_label("Nästan där").check()
    page.get_by_role("button", name="Granska och skicka in").click()
    page.get_by_role("button", name="Skicka in självskattningen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Självskattningen är inskickad")
    expect(
        page.get_by_text("Självskattningen för Huvudman A skickades in som version 1.")
    ).to_be_visible()
    expect(page.locator(".details")).to_contain_text("Version1")
    shot(page, f"receipt-{width}")
    page.get_by_role("link", name="Versioner och ändringar").click()
    expect(page.get_by_role("cell", name="Inskickad")).to_be_visible()
    expect(page.locator("tbody tr").first.locator("td").first).to_have_text("1")
    expect(page.get_by_text("till version 1")).to_be_visible()
    page.get_by_role("link", name="Åtgärdsplan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Åtgärdsplan")
    first = page.locator(".action-plan > li").first
    expect(first.get_by_text("Behövs för digitala nationella prov")).to_be_visible()
    if width < 600:
        return
    page.get_by_role("button", name="Logga ut").click()

    browser_login(page, staff)
    page.goto(f"{live_server.url}/uppfoljning/omgangar/{reporting_round.pk}/?show=all")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hösten 2026")
    page.get_by_role("button", name="Skicka påminnelser …").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Skicka påminnelser i Hösten 2026?")
    expect(page.get_by_text("Påminnelse skickas till 1 huvudman (1 mottagare).")).to_be_visible()
    expect(page.get_by_role("button", name="Skicka påminnelserna")).to_be_visible()
    shot(page, "remind-confirm")
    page.get_by_role("link", name="Avbryt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hösten 2026")
    page.goto(f"{live_server.url}/uppfoljning/omgangar/{reporting_round.pk}/?show=all")
    page.get_by_role("link", name="Huvudman A").click()
    expect(page.get_by_role("heading", name="Inskickade svar")).to_be_visible()
    expect(page.get_by_text("Version 1 av")).to_be_visible()
    page.get_by_label("Vad behöver kompletteras").fill(
        "Andelen personal med e-legitimation verkar låg."
    )
    page.get_by_role("button", name="Skicka tillbaka till huvudmannen").click()
    expect(page.get_by_text("Självskattningen för Huvudman A skickades tillbaka")).to_be_visible()
    expect(page.get_by_role("heading", name="Återsänd för komplettering")).to_be_visible()
