import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_invite_a_user_who_sets_a_password_and_sees_only_their_organisation(
    page, live_server, staff, principal_a, principal_b, browser_login, axe_check
):
    browser_login(page, staff)
    page.get_by_role("link", name="Huvudmän").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Huvudmän")
    axe_check(page)
    page.get_by_role("textbox", name="Sök").fill("Huvudman A")
    page.get_by_role("button", name="Visa").click()
    page.get_by_role("link", name="Huvudman A").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Huvudman A")
    axe_check(page)
    page.get_by_role("link", name="Bjud in en användare").click()
    axe_check(page)
    page.get_by_label("E-postadress").fill("inte-en-adress")
    page.get_by_role("button", name="Skicka inbjudan").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe_check(page)
    page.get_by_label("E-postadress").fill("anna.andersson@kommun.example")
    page.get_by_label("Läsare").check()
    page.get_by_role("button", name="Skicka inbjudan").click()
    expect(page.get_by_text("En inbjudan har skickats till")).to_be_visible()
    expect(page.get_by_role("table", name="Väntande inbjudningar")).to_contain_text(
        "anna.andersson@kommun.example"
    )
    axe_check(page)
    page.get_by_role("button", name="Logga ut").click()

    assert len(mail.outbox) == 1
    path = re.search(r"https?://[^/\s]+(/huvudman/inbjudan/\S+/)", mail.outbox[0].body).group(1)
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ta emot inbjudan")
    axe_check(page)
    page.get_by_label(re.compile(r"^Lösenord")).fill("Ett-bra-losenord-2026")
    page.get_by_label("Upprepa lösenordet").fill("Ett-bra-losenord-2026")
    page.get_by_role("button", name="Skapa konto").click()
    expect(page).to_have_url(f"{live_server.url}/huvudman/{principal_a.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Huvudman A")
    expect(page.get_by_text("Välkommen!")).to_be_visible()
    expect(page.get_by_role("link", name="Huvudmän")).to_have_count(0)
    axe_check(page)

    response = page.goto(f"{live_server.url}/huvudman/{principal_b.pk}/")
    assert response.status == 404
    expect(page.get_by_text("Huvudman B")).to_have_count(0)
    response = page.goto(f"{live_server.url}/huvudman/register/")
    assert response.status == 403
    page.goto(live_server.url + "/")
    expect(page).to_have_url(f"{live_server.url}/huvudman/{principal_a.pk}/")
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Länken fungerar inte")


def test_staff_import_a_file_through_the_browser(
    page, live_server, staff, browser_login, axe_check
):
    from pathlib import Path

    fixture = Path(__file__).parent.parent / "principals" / "fixtures" / "organizers.json"
    browser_login(page, staff)
    page.goto(f"{live_server.url}/huvudman/import/")
    axe_check(page)
    page.get_by_label("Fil från Skolverkets skolenhetsregister").set_input_files(str(fixture))
    page.get_by_role("button", name="Kontrollera filen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kontroll före import")
    axe_check(page)
    page.get_by_role("button", name="Importera nu").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Resultat av importen")
    expect(page.get_by_role("table", name="Skapade poster")).to_contain_text("Friskolan Test AB")
    axe_check(page)
