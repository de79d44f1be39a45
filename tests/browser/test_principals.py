import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.pages import shoot

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_invite_a_user_who_sets_a_password_and_sees_only_their_organisation(
    page, live_server, staff, principal_a, principal_b, browser_login
):
    browser_login(page, staff)
    page.get_by_role("link", name="Huvudmän").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Huvudmän")
    page.get_by_role("textbox", name="Sök").fill("Huvudman A")
    page.get_by_role("button", name="Visa").click()
    page.get_by_role("link", name="Huvudman A").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Huvudman A")
    page.get_by_role("link", name="Bjud in en användare").click()
    page.get_by_label("E-postadress").fill("inte-en-adress")
    page.get_by_role("button", name="Skicka inbjudan").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("E-postadress").fill("anna.andersson@kommun.example")
    page.get_by_label("Läsare").check()
    page.get_by_role("button", name="Skicka inbjudan").click()
    expect(page.get_by_text("En inbjudan har skickats till")).to_be_visible()
    expect(page.get_by_role("table", name="Väntande inbjudningar")).to_contain_text(
        "anna.andersson@kommun.example"
    )
    page.get_by_role("button", name="Logga ut").click()

    assert len(mail.outbox) == 1
    path = re.search(r"https?://[^/\s]+(/huvudman/inbjudan/\S+/)", mail.outbox[0].body).group(1)
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ta emot inbjudan")
    page.get_by_label(re.compile(r"^Lösenord")).fill("Ett-bra-losenord-2026")
    page.get_by_label("Upprepa lösenordet").fill("Ett-bra-losenord-2026")
    page.get_by_role("button", name="Skapa konto").click()
    expect(page).to_have_url(f"{live_server.url}/huvudman/{principal_a.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Huvudman A")
    expect(page.get_by_text("Välkommen!")).to_be_visible()
    expect(page.get_by_role("link", name="Huvudmän")).to_have_count(0)

    response = page.goto(f"{live_server.url}/huvudman/{principal_b.pk}/")
    assert response.status == 404
    expect(page.get_by_text("Huvudman B")).to_have_count(0)
    response = page.goto(f"{live_server.url}/huvudman/register/")
    assert response.status == 403
    page.goto(live_server.url + "/")
    expect(page).to_have_url(f"{live_server.url}/huvudman/{principal_a.pk}/")
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Länken fungerar inte")


def open_result(page) -> None:
    """On a job's page (the check or the import of a file, done by a worker), follow the link
    to the import's page."""
    expect(page).to_have_url(re.compile(r"/jobb/[0-9a-f-]+/$"))
    page.locator('a[href^="/huvudman/import/"]').click()


def test_staff_import_a_file_through_the_browser(page, live_server, staff, browser_login):
    from pathlib import Path

    fixture = Path(__file__).parent.parent / "principals" / "fixtures" / "organizers.json"
    browser_login(page, staff)
    page.goto(f"{live_server.url}/huvudman/import/")
    page.get_by_label("Fil från Skolverkets skolenhetsregister").set_input_files(str(fixture))
    page.get_by_role("button", name="Kontrollera filen").click()
    open_result(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kontroll före import")
    page.get_by_role("button", name="Importera nu").click()
    open_result(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Resultat av importen")
    expect(page.get_by_role("table", name="Skapade poster")).to_contain_text("Friskolan Test AB")


def test_a_file_that_cannot_be_read_gets_its_reason_on_the_jobs_page(
    page, live_server, staff, browser_login, tmp_path
):
    from principals.models import Principal

    broken = tmp_path / "register.json"
    broken.write_bytes(b'{"organizers": [')
    browser_login(page, staff)
    page.goto(f"{live_server.url}/huvudman/import/")
    page.get_by_label("Fil från Skolverkets skolenhetsregister").set_input_files(str(broken))
    page.get_by_role("button", name="Kontrollera filen").click()
    expect(page).to_have_url(re.compile(r"/jobb/[0-9a-f-]+/$"))
    expect(page.get_by_text("register.json är inte giltig JSON")).to_be_visible()
    assert not Principal.objects.exists()


def test_staff_confirm_moves_with_the_extra_check_box(
    page, live_server, staff, browser_login, tmp_path
):
    import io
    import json
    from pathlib import Path

    from django.core.management import call_command

    from principals.models import Principal

    fixtures = Path(__file__).parent.parent / "principals" / "fixtures"
    call_command("import_skolverket", str(fixtures / "organizers.json"), stdout=io.StringIO())
    moves = tmp_path / "moves.json"
    moves.write_text(
        json.dumps(
            {
                "organizers": [
                    {
                        "organizationNumber": "559900-0014",
                        "displayName": "Friskolan Test AB",
                        "organizerType": "ENSKILD",
                        "municipalities": ["2281"],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    browser_login(page, staff)
    page.goto(f"{live_server.url}/huvudman/import/")
    page.get_by_label("Fil från Skolverkets skolenhetsregister").set_input_files(str(moves))
    page.get_by_role("button", name="Kontrollera filen").click()
    open_result(page)
    expect(page.get_by_role("heading", name="Huvudmän som flyttas")).to_be_visible()
    expect(page.get_by_role("table", name="Huvudmän som flyttas")).to_contain_text("Sundsvall")
    page.get_by_role("button", name="Importera nu").click()  # the browser asks for the box
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kontroll före import")
    assert Principal.objects.get(organisation_number="559900-0014").county is None
    page.get_by_label("Jag bekräftar att 1 huvudman flyttas enligt listan").check()
    page.get_by_role("button", name="Importera nu").click()
    open_result(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Resultat av importen")
    assert Principal.objects.get(organisation_number="559900-0014").county.code == "22"


def test_staff_see_hostile_values_per_record_and_import_the_valid_ones(
    page, live_server, staff, browser_login
):
    from pathlib import Path

    from principals.models import Principal

    fixture = Path(__file__).parent.parent / "principals" / "fixtures" / "hostile_values.json"
    browser_login(page, staff)
    page.goto(f"{live_server.url}/huvudman/import/")
    page.get_by_label("Fil från Skolverkets skolenhetsregister").set_input_files(str(fixture))
    page.get_by_label("Importera de giltiga posterna även om några är felaktiga").check()
    page.get_by_role("button", name="Kontrollera filen").click()
    open_result(page)
    rejected = page.get_by_role("table", name="Avvisade poster")
    expect(rejected).to_contain_text("Ska vara text, inte en lista.")
    expect(rejected).to_contain_text("Inte ett kalenderdatum")
    expect(rejected).to_contain_text("För långt: 45 tecken, högst 40 får plats.")
    page.get_by_role("button", name="Importera nu").click()
    open_result(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Resultat av importen")
    assert list(Principal.objects.values_list("name", flat=True)) == ["Giltig AB"]


def test_the_import_page_follows_a_check_that_waits_for_a_worker(
    page, live_server, staff, browser_login, settings
):
    from pathlib import Path

    from principals import tasks
    from principals.models import ImportBatch

    settings.TASKS = {  # tasks wait in the database; the test plays the worker
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "mail", "jobs"],
        }
    }
    fixture = Path(__file__).parent.parent / "principals" / "fixtures" / "organizers.json"
    browser_login(page, staff)
    page.goto(f"{live_server.url}/huvudman/import/")
    page.get_by_label("Fil från Skolverkets skolenhetsregister").set_input_files(str(fixture))
    page.get_by_role("button", name="Kontrollera filen").click()
    expect(page).to_have_url(re.compile(r"/jobb/[0-9a-f-]+/$"))
    batch = ImportBatch.objects.get()
    page.goto(f"{live_server.url}/huvudman/import/{batch.pk}/")  # someone who left comes back
    expect(page.get_by_role("heading", level=1)).to_contain_text("Filen kontrolleras")
    expect(page.get_by_role("link", name="Visa jobbets sida")).to_be_visible()
    tasks.import_check.call(str(batch.job_id))  # a worker takes the job
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kontroll före import")
    expect(page.get_by_role("button", name="Importera nu")).to_be_visible()


def test_staff_see_the_register_in_swedish_order(
    page, live_server, staff, browser_login, postgres_only
):
    """Å, Ä and Ö after Z, whatever locale the database has (docs/adr/0022)."""
    from tests.principals.factories import PrincipalFactory

    names = ["Alingsås skola AB", "Zinkgruvans skola AB", "Åmåls skola AB", "Ängelholms skola AB"]
    for name in reversed(names):
        PrincipalFactory(name=name)
    browser_login(page, staff)
    page.goto(f"{live_server.url}/huvudman/register/")
    rows = page.get_by_role("table").get_by_role("row").filter(has=page.get_by_role("link"))
    expect(rows).to_have_count(len(names))
    assert [row.get_by_role("link").first.inner_text() for row in rows.all()] == names
    shoot(page, "register-swedish-order")
