"""Each role walks its own menu. Every page it opens is checked at 1280 and 375 px (axe,
nothing scrolls sideways, on the phone the header and demo notice take at most a fifth of the
screen: tests/browser/pages.py); on the phone the main menu is behind a working "Meny" button."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.access_matrix import world as world_module
from tests.access_matrix.rules import ROLES

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 812}


def _session_cookie(user, live_server) -> dict:
    client = Client()
    client.force_login(user, backend="portal.backends.PortalModelBackend")
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def _menu_paths(page) -> list[str]:
    """The start page, every main-menu entry and the footer's links, as paths."""
    links = page.locator(".site-nav a, .site-footer a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    paths = ["/"] + [h for h in hrefs if h and h.startswith("/") and "/admin" not in h]
    return list(dict.fromkeys(paths))


def test_every_role_walks_its_menu(browser, live_server, axe_check):
    """Each role opens every page of its menu on a phone (the fixture every browser test ends
    with checks each of them at both widths), and the phone's menu button works."""
    built = world_module.build()
    walked = {}
    for role in ROLES:
        context = browser.new_context(locale="sv-SE", viewport=PHONE)
        if role != "anonymous":
            context.add_cookies([_session_cookie(built.users[role], live_server)])
        page = context.new_page()
        page.goto(live_server.url + "/")
        paths = _menu_paths(page)
        walked[role] = len(paths)
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.ok, f"{role} {path}: {response.status}"
        if role != "anonymous":
            menu = page.get_by_role("navigation", name="Huvudmeny")
            button = page.get_by_role("button", name="Meny")
            expect(menu).to_be_hidden()
            button.click()
            expect(button).to_have_attribute("aria-expanded", "true")
            expect(menu.get_by_role("link", name="Start")).to_be_visible()
            axe_check(page)
            page.keyboard.press("Escape")
            expect(menu).to_be_hidden()
            expect(button).to_be_focused()
        context.close()
    # Every signed-in role has a menu of its own to walk, not just the start page.
    assert all(count >= 3 for role, count in walked.items() if role != "anonymous"), walked


def test_the_menu_is_open_without_javascript(browser, live_server, staff):
    context = browser.new_context(locale="sv-SE", viewport=PHONE, java_script_enabled=False)
    context.add_cookies([_session_cookie(staff, live_server)])
    page = context.new_page()
    page.goto(live_server.url + "/")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()
    expect(page.get_by_role("button", name="Meny")).to_be_hidden()
    context.close()
