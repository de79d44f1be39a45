import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_PAGES = ["/konto/logga-in/", "/konto/aterstall/", "/tillganglighet/"]
STAFF_PAGES = ["/personal/", "/insyn/", "/konto/losenord/"]


def test_staff_logs_in_and_every_page_passes_axe(page, live_server, staff, browser_login):
    for path in PUBLIC_PAGES:
        page.goto(live_server.url + path)
    browser_login(page, staff)
    expect(page).to_have_url(f"{live_server.url}/personal/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("programpersonal")
    for path in STAFF_PAGES:
        page.goto(live_server.url + path)
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_text("Du är nu utloggad")).to_be_visible()


def test_government_viewer_and_organiser_pages_pass_axe(
    page, live_server, government, editor_a, principal_a, browser_login
):
    browser_login(page, government)
    expect(page).to_have_url(f"{live_server.url}/insyn/")
    page.get_by_role("button", name="Logga ut").click()
    browser_login(page, editor_a)
    expect(page).to_have_url(f"{live_server.url}/huvudman/{principal_a.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(principal_a.name)


def test_narrow_viewport_375(browser, live_server, staff, password):
    context = browser.new_context(locale="sv-SE", viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server.url}/konto/logga-in/")
    page.get_by_label("Användarnamn").fill(staff.username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(f"{live_server.url}/personal/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page scrolls sideways at 375 px ({width} px wide)"
    context.close()


def test_skip_link_moves_focus_to_main(page, live_server):
    page.goto(f"{live_server.url}/konto/logga-in/")
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    skip.focus()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/konto/logga-in/#main")


def test_language_switch_in_header(page, live_server):
    page.goto(f"{live_server.url}/konto/logga-in/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Skoldigistöd")
    page.get_by_role("button", name="Svenska").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in i Skoldigistöd")


@pytest.mark.parametrize("width", [1280, 1600, 375])
def test_header_content_and_footer_share_one_left_edge(page, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/tillganglighet/")

    def left(selector: str) -> float:
        return page.locator(selector).first.bounding_box()["x"]

    edge = left("main h1")
    assert left(".site-name") == pytest.approx(edge, abs=1)
    assert left(".site-footer p") == pytest.approx(edge, abs=1)
