"""Every page the portal serves during a browser test is checked, at 1280 and at 375 px.

The live server records each HTML response it sends (``Recorder``, a middleware that only
the test settings install and that does nothing until a test turns it on). When the test
ends, ``check_served`` opens each recorded page again in a fresh browser context at both
widths, with the document answered from the recording (same status, headers and CSP nonce)
and the style sheets and scripts from the live server, and checks three things: axe finds
nothing, nothing scrolls sideways, and on the phone the header takes at most a fifth of the
screen. So 403, 404, 429, expired links, English pages, pages after a failed form and the
pages on the way to the one a test is about are all checked, not only those a test names.

axe runs in the page itself (``axe.run``), evaluated through Playwright, which the page's
CSP does not govern; pytest-playwright-axe provides the file (axe-core 4.14).
"""

import hashlib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest_playwright_axe

AXE_SOURCE = (Path(pytest_playwright_axe.__file__).parent / "resources" / "axe.min.js").read_text(
    encoding="utf-8"
)
SHOTS = os.environ.get("SCREENSHOT_DIR", "")  # e.g. /tmp/shots: pictures of the pages tested


def shoot(page, name: str) -> None:
    """Save the page as it is now at 1280 and 375 px in SCREENSHOT_DIR, when that is set, so a
    person can look at what a test walked through."""
    if not SHOTS:
        return
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
WIDTHS = {1280: 900, 375: 812}
PHONE = 375
HEADER_SHARE = 5  # on the phone, header and demo notice take at most 1/5 of the height
# Parts of a page that change on every rendering and say nothing about its structure.
_VOLATILE = re.compile(rb'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"')


@dataclass(frozen=True)
class Served:
    url: str
    status: int
    headers: dict
    body: bytes

    @property
    def shape(self) -> str:
        """What the page is, apart from its tokens: the same shape is checked once per run."""
        return hashlib.sha256(self.url.encode() + _VOLATILE.sub(b"", self.body)).hexdigest()


class Recorder:
    """Middleware (test settings only): keeps the HTML responses while a test records."""

    served: list[Served] | None = None
    lock = threading.Lock()

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if Recorder.served is None or response.streaming:
            return response
        # Pages the browser shows, not a favicon's 404 or what a script fetched.
        if request.headers.get("Sec-Fetch-Dest") != "document":
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if 300 <= response.status_code < 400:
            return response
        page = Served(
            url=request.build_absolute_uri(),
            status=response.status_code,
            headers={k: v for k, v in response.headers.items() if k.lower() != "content-length"},
            body=response.content,
        )
        with Recorder.lock:
            Recorder.served.append(page)
        return response

    @classmethod
    def start(cls) -> None:
        cls.served = []

    @classmethod
    def stop(cls) -> list[Served]:
        with cls.lock:
            served, cls.served = cls.served or [], None
        return served


def axe_problems(page) -> list[str]:
    """axe's findings on the page as it is now, one line per rule."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in violations
    ]


def layout_problems(page, width: int, height: int) -> list[str]:
    problems = []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(-3)"
            ".map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 60))"
        )
        problems.append(f"scrolls sideways ({scroll} px wide): {wide}")
    if width == PHONE:
        header = page.evaluate(
            "(document.querySelector('.site-header')?.getBoundingClientRect().height || 0)"
            " + (document.querySelector('.demo-notice')?.getBoundingClientRect().height || 0)"
        )
        if header > height / HEADER_SHARE:
            problems.append(f"header takes {header:.0f} of {height} px")
    return problems


class Checker:
    """Opens recorded pages again at each width; one browser context per width per run."""

    def __init__(self, browser):
        self.browser = browser
        self.pages = {}
        self.seen: set[tuple[int, str]] = set()
        self.checked = 0

    def _page(self, width: int):
        if width not in self.pages:
            context = self.browser.new_context(
                locale="sv-SE", viewport={"width": width, "height": WIDTHS[width]}
            )
            context.add_init_script(AXE_SOURCE)  # in every page it opens, before the check
            self.pages[width] = context.new_page()
        return self.pages[width]

    def check(self, served: list[Served]) -> list[str]:
        found = []
        for width, height in WIDTHS.items():
            for item in served:
                key = (width, item.shape)
                if key in self.seen:
                    continue
                self.seen.add(key)
                problems = self._check_one(self._page(width), item, width, height)
                found += [f"{item.url} ({item.status}) at {width} px: {p}" for p in problems]
        return found

    def _check_one(self, page, item: Served, width: int, height: int) -> list[str]:
        def answer(route):
            route.fulfill(status=item.status, headers=item.headers, body=item.body)

        page.route(re.compile("^" + re.escape(item.url.split("#")[0]) + "$"), answer)
        try:
            page.goto(item.url, wait_until="load")
        finally:
            page.unroute_all()
        self.checked += 1
        return axe_problems(page) + layout_problems(page, width, height)

    def close(self):
        for page in self.pages.values():
            page.context.close()
        self.pages = {}
