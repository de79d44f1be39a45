import datetime

import pytest
from playwright.sync_api import expect

from agreement import data_2020
from agreement.models import Activity
from tests.agreement.factories import ActivityFactory, CostFactory, MilestoneFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_runs_an_activity_and_sees_the_agreement_page_change(
    page, live_server, staff, browser_login, axe_check
):
    agreement, _ = data_2020.load()
    browser_login(page, staff)

    page.get_by_role("link", name="Överenskommelser", exact=True).click()
    page.get_by_role("link", name=agreement.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(agreement.title)
    spent_2021 = page.get_by_role("row", name="2021 5 000 000 kr")
    expect(spent_2021).to_contain_text("5 000 000 kr")

    page.get_by_role("link", name="Ny insats").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny insats")
    page.get_by_label("Titel").fill("Stöd för inloggning med e-legitimation")
    page.get_by_label("Planerad start").fill("2021-03-01")
    page.get_by_label("Planerat slut").fill("2021-02-01")
    page.get_by_label("Budget 2021 (kr)").fill("400 000")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("#error-summary")).to_contain_text(
        "Insatsen kan inte sluta innan den börjar."
    )
    page.get_by_label("Planerat slut").fill("2021-12-15")
    page.get_by_label("11. Säker och effektiv åtkomst").check()
    page.get_by_label("Inera").check()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Stöd för inloggning med e-legitimation"
    )

    page.get_by_role("link", name="Lägg till delmål").click()
    page.get_by_label("Titel").fill("Vägledning publicerad")
    page.get_by_label("Senast").fill("2021-06-30")
    axe_check(page)
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Vägledning publicerad").first).to_be_visible()

    page.get_by_role("link", name="Lägg till utfall").click()
    page.get_by_label("Datum").fill("2021-04-15")
    page.get_by_label("Belopp (kr)").fill("0")
    page.get_by_label("Kategori").select_option(label="Konsulter")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("#error-summary")).to_contain_text("Beloppet måste vara större än noll.")
    page.get_by_label("Belopp (kr)").fill("125 000,50")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("125 000,50 kr").first).to_be_visible()

    page.get_by_role("link", name="Skriv en lägesrapport").click()
    page.get_by_label("Datum").fill("2021-05-01")
    page.get_by_label("Gul").check()
    page.get_by_label("Vad som har gjorts").fill("Vägledningen är skriven och på remiss.")
    page.get_by_label("Risker").fill("Remissvaren kan dröja.")
    axe_check(page)
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Remissvaren kan dröja.")).to_be_visible()
    expect(page.get_by_role("heading", name="Historik")).to_be_visible()

    page.get_by_role("navigation", name="Brödsmulor").get_by_role(
        "link", name=agreement.title
    ).click()
    row = page.get_by_role("row", name="2021 5 000 000 kr")
    expect(row).to_contain_text("400 000 kr")  # budgeted
    expect(row).to_contain_text("125 000,50 kr")  # spent
    expect(row).to_contain_text("4 874 999,50 kr")  # remaining
    activity_row = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Stöd för inloggning med e-legitimation")
    )
    expect(activity_row).to_contain_text("Gul")
    expect(page.get_by_role("cell", name="Vägledning publicerad")).to_be_visible()  # overdue

    page.get_by_role("link", name="Insatser", exact=True).click()
    page.get_by_label("Bara insatser med försenade delmål").check()
    page.get_by_role("button", name="Filtrera").click()
    expect(page.get_by_text("1 insats hittades")).to_be_visible()


def test_government_viewer_reads_without_edit_controls(
    page, live_server, government, browser_login
):
    agreement, _ = data_2020.load()
    activity = ActivityFactory(agreement=agreement, title="Demo: Läsbar insats")
    MilestoneFactory(activity=activity, due_on=datetime.date(2021, 6, 1))
    CostFactory(activity=activity)
    browser_login(page, government)
    page.get_by_role("link", name="Överenskommelser", exact=True).click()
    page.get_by_role("link", name=agreement.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(agreement.title)
    expect(page.get_by_role("link", name="Ny insats")).to_have_count(0)
    expect(page.get_by_role("link", name="Ändra 2021")).to_have_count(0)
    page.get_by_role("link", name="Demo: Läsbar insats").first.click()
    expect(page.get_by_role("link", name="Lägg till utfall")).to_have_count(0)
    expect(page.get_by_role("button", name="Arkivera insatsen")).to_have_count(0)
    page.get_by_role("link", name="Insatser", exact=True).click()
    expect(page.get_by_text("1 insats hittades")).to_be_visible()
    response = page.goto(f"{live_server.url}/program/insatser/{activity.pk}/andra/")
    assert response.status == 403
    assert Activity.objects.get(pk=activity.pk).version == 1


def test_activity_pages_fit_a_narrow_screen(browser, live_server, staff, password):
    agreement, _ = data_2020.load()
    activity = ActivityFactory(agreement=agreement)
    context = browser.new_context(locale="sv-SE", viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server.url}/konto/logga-in/")
    page.get_by_label("Användarnamn").fill(staff.username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    for path in [agreement.get_absolute_url(), activity.get_absolute_url()]:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways at 375 px ({width} px wide)"
    context.close()
