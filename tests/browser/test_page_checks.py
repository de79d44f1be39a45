"""The check every browser test ends with finds what it is meant to find."""

import pytest

from tests.browser.pages import Checker, Recorder, Served

pytestmark = pytest.mark.django_db(transaction=True)

BAD_PAGE = b"""<!doctype html><html lang="sv"><head><title>Prov</title></head><body>
<header class="site-header" style="height:400px">Sidhuvud</header>
<main><h1>Prov</h1><img src="/static/none.png"><div style="width:2000px">bred</div></main>
</body></html>"""


def test_the_check_reports_axe_findings_sideways_scrolling_and_a_tall_header(browser, live_server):
    checker = Checker(browser)
    page = Served(live_server.url + "/prov/", 200, {"Content-Type": "text/html"}, BAD_PAGE)
    try:
        problems = checker.check([page, page])
    finally:
        checker.close()
    text = "\n".join(problems)
    assert "image-alt" in text
    assert "at 1280 px: scrolls sideways" in text and "at 375 px: scrolls sideways" in text
    assert "at 375 px: header takes 400 of 812 px" in text
    assert "1280 px: header" not in text
    # The same page twice is checked once per width.
    assert checker.checked == 2


def test_the_live_server_records_error_pages_and_not_files(page, live_server, editor_a):
    page.goto(live_server.url + "/finns-inte/")
    page.goto(live_server.url + "/static/css/portal.css")
    recorded = list(Recorder.served)
    assert [(p.url, p.status) for p in recorded] == [(live_server.url + "/finns-inte/", 404)]
    assert "Content-Security-Policy" in recorded[0].headers
