"""Browser tests drive Debian's Chromium through Playwright; every page the live server sends
during a test is checked afterwards at 1280 and 375 px (axe, sideways scrolling, header
height: ``tests/browser/pages.py``).

Without Chromium they skip with a reason, unless REQUIRE_BROWSER=1 (as in CI) makes that fail.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.pages import Checker, Recorder, axe_problems

CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    for candidate in [os.environ.get("CHROMIUM_PATH", ""), *CHROMIUM_CANDIDATES]:
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    path = chromium_path()
    if path is None:
        reason = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return {"executable_path": path, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args():
    return {"locale": "sv-SE", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def page_checker(browser):
    checker = Checker(browser)
    yield checker
    checker.close()


@pytest.fixture(autouse=True)
def every_served_page_is_checked(page_checker, live_server):
    """Record what the live server sends during the test, then check each page at both widths."""
    Recorder.start()
    yield
    served = Recorder.stop()
    problems = page_checker.check(served)
    assert not problems, "pages served during the test:\n" + "\n".join(problems)


@pytest.fixture
def axe_check():
    """Run axe on the page as it is now (after a script changed it: the pages as served are
    checked anyway) and fail with the rules and elements it found."""

    def check(page):
        problems = axe_problems(page)
        assert not problems, f"axe found on {page.url}:\n" + "\n".join(problems)

    return check


@pytest.fixture
def browser_login(live_server, password):
    """Log in through the real form."""

    def _login(page, user):
        page.goto(f"{live_server.url}/konto/logga-in/")
        page.get_by_label("Användarnamn").fill(user.username)
        page.get_by_label("Lösenord").fill(password)
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_load_state()
        return page

    return _login
