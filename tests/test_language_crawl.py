"""Every page each role can reach is in Swedish: a crawl from the start page follows every
link on the site (up to LIMIT pages per role, downloads left out) and fails on English words
from the list below, kept as English is found."""

import html
import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from readiness.models import Indicator
from tests.test_access_matrix import world  # noqa: F401 (the fixture)

# English that has leaked into the Swedish interface before, or that Django and third-party
# apps bring (their admin names, empty choices, sort labels). Whole words, case-sensitive.
ENGLISH = [
    "Select an option",
    "descending",
    "ascending",
    "Access attempts",
    "Access failures",
    "Access logs",
    "TOTP devices",
    "Static devices",
    "Axes",
    "Django OTP",
    "Log in",
    "Log out",
    "Save",
    "Delete",
    "Cancel",
    "Search",
    "Submit",
    "Download",
    "Previous",
    "Next",
    "Yes",
    "No",
    "None",
    "True",
    "False",
    "Unknown",
    "Page",
    "of",
    "the",
    "and",
    "Show",
    "Add",
    "Change",
    "History",
    "Home",
    "Recent actions",
    "My actions",
    "View site",
    "Documentation",
    "Welcome",
]
# Swedish words the portal does not use, because another word means the same thing elsewhere
# on its pages (the final report and the dashboards must speak like the agreement pages).
UNUSED_SWEDISH = ["Förbrukat", "förbrukat"]
WORD = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH + UNUSED_SWEDISH) + r")\b")
SKIP = re.compile(r"\.(csv|xlsx|pdf|json|md|svg|png|html)$|/export/|/inlamnad/|/logga-ut|/static/")
LIMIT = 400


def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|code|pre)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<[^>]+\blang="en"[^>]*>.*?</[a-z]+>', " ", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(text)


def _links(page: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"]+)"', page):
        href = urldefrag(html.unescape(href))[0]
        if (
            href.startswith("/")
            and not href.startswith("//")
            and not SKIP.search(urlsplit(href).path)
        ):
            found.append(href)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", ["anonymous", "staff", "lead", "government", "editor_a", "reader_a", "admin"]
)
def test_every_reachable_page_is_swedish(world, role):  # noqa: F811 (the fixture)
    codes = "|".join(re.escape(c) for c in Indicator.objects.values_list("code", flat=True))
    # An indicator's code used as its label: "idp: Har huvudmannen …" in a select, a table
    # caption, a heading or a chart title.
    code_label = re.compile(
        rf"<(option|caption|h[1-6]|title|th|legend)\b[^>]*>\s*({codes})\s*[:–-]", re.S
    )
    client = Client(raise_request_exception=True)
    if role != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    seen, queue, problems = set(), deque(["/"]), []
    while queue and len(seen) < LIMIT:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        text = _visible_text(page)
        for match in WORD.finditer(text):
            context = " ".join(text[max(0, match.start() - 40) : match.end() + 40].split())
            problems.append(f"{url}: {match.group(0)!r} in “{context}”")
        for match in code_label.finditer(page):
            problems.append(f"{url}: indicator code {match.group(2)!r} as a label")
        queue.extend(link for link in _links(page) if link not in seen)
    assert len(seen) > 3
    assert not problems, "\n".join(problems[:80]) + f"\n({len(problems)} in all, {len(seen)} pages)"
