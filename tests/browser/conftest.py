"""Browser tests drive Debian's Chromium through Playwright and run axe on every page.

Without Chromium they skip with a reason, unless REQUIRE_BROWSER=1 (as in CI) makes that fail.
"""

import os
import shutil
from pathlib import Path

import pytest
from pytest_playwright_axe import Axe

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
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


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


@pytest.fixture
def axe_check():
    """Run axe on the current page and fail with the rules and elements it found."""
    axe = Axe()

    def check(page):
        result = axe.run(
            page,
            options={"runOnly": {"type": "tag", "values": AXE_TAGS}},
            html_report_generated=False,
            json_report_generated=False,
        )
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
            for v in result["violations"]
        ]
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
