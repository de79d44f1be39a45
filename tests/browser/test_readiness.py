"""The organiser's self-assessment journey and the staff return, with axe on every page."""

import pytest
from playwright.sync_api import expect

from readiness.services import framework_load_default
from tests.readiness.factories import ReportingRoundFactory

pytestmark = pytest.mark.django_db(transaction=True)


def answer_required(page, framework, skip):
    for indicator in framework.indicators.filter(required=True):
        if indicator.code in skip:
            continue
        box = page.locator(f"#q-{indicator.code}")
        kind = indicator.answer_type
        if kind == "rating":
            box.get_by_label("Påbörjad", exact=True).check()
        elif kind == "yes_no":
            box.get_by_label("Nej", exact=True).check()
        elif kind in ("single_choice", "multi_choice"):
            box.get_by_label(indicator.choices[0]["label"], exact=True).check()
        elif kind in ("percentage", "integer"):
            page.locator(f"#q-{indicator.code}").fill("40")


def test_organiser_fills_saves_fixes_and_submits_then_staff_returns(
    page, live_server, editor_a, principal_a, staff, browser_login, axe_check
):
    framework = framework_load_default(actor="test")[0]
    reporting_round = ReportingRoundFactory(name="Hösten 2026", framework_version=framework)
    browser_login(page, editor_a)
    expect(page.get_by_role("heading", name="Självskattning")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Börja med självskattningen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fyll i självskattningen")
    axe_check(page)

    page.locator("#q-idp").get_by_label("Ja, i egen drift").check()
    page.locator("#q-staff-eid-share").fill("35")
    page.get_by_role("button", name="Spara utkast").click()
    expect(page.get_by_text("Utkastet är sparat")).to_be_visible()
    axe_check(page)

    page.goto(f"{live_server.url}/huvudman/{principal_a.pk}/")
    expect(page.get_by_text("Besvarat 2 av 28 frågor")).to_be_visible()
    page.get_by_role("link", name="Fortsätt med självskattningen").click()
    expect(page.locator("#q-idp").get_by_label("Ja, i egen drift")).to_be_checked()
    expect(page.locator("#q-staff-eid-share")).to_have_value("35")

    answer_required(page, framework, skip={"fidus", "idp", "staff-eid-share"})
    page.get_by_role("button", name="Skicka in självskattningen").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(page).to_have_title("Fel: Fyll i självskattningen – Huvudman A – Skoldigistöd")
    axe_check(page)
    expect(page.locator("#q-egil-0")).not_to_be_checked()  # optional question left alone
    expect(page.locator("#q-staff-eid-share")).to_have_value("35")  # nothing lost
    summary.get_by_role("link", name="interfederation FIDUS").click()
    expect(page).to_have_url(f"{page.url.split('#')[0]}#q-fidus")
    page.locator("#q-fidus").get_by_label("Nästan där").check()
    page.get_by_role("button", name="Skicka in självskattningen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Självskattningen är inskickad")
    axe_check(page)
    page.get_by_role("link", name="Versioner och ändringar").click()
    expect(page.get_by_role("cell", name="Inskickad")).to_be_visible()
    expect(page.get_by_text("Ändringar från version 1 till version 2")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Åtgärdsplan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Åtgärdsplan")
    first = page.locator(".action-plan > li").first
    expect(first.get_by_text("Behövs för digitala nationella prov")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Logga ut").click()

    browser_login(page, staff)
    page.goto(f"{live_server.url}/uppfoljning/omgangar/{reporting_round.pk}/?show=all")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hösten 2026")
    axe_check(page)
    page.get_by_role("link", name="Huvudman A").click()
    expect(page.get_by_role("heading", name="Inskickade svar")).to_be_visible()
    axe_check(page)
    page.get_by_label("Vad behöver kompletteras").fill(
        "Andelen personal med e-legitimation verkar låg."
    )
    page.get_by_role("button", name="Skicka tillbaka till huvudmannen").click()
    expect(page.get_by_text("Självskattningen har skickats tillbaka")).to_be_visible()
    expect(page.get_by_role("heading", name="Återsänd för komplettering")).to_be_visible()
    axe_check(page)
