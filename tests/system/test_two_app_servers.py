"""Two app servers (gunicorn) and a worker on one PostgreSQL and one Redis: a person's journey
that alternates between the servers, as behind a load balancer without sticky sessions."""

import hashlib
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from django.conf import settings

from portal.models import AuditEvent, Job
from principals.models import ImportBatch, Principal
from reporting.final_report import services as report_services
from reporting.models import FinalReport, SubmittedReport
from tests.portal.factories import PASSWORD, lead_user, staff_user
from tests.reporting.factories import report_agreement, write_all_sections

from .conftest import require_shared_cache, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LOGIN = "/konto/logga-in/"
FIXTURES = Path(__file__).resolve().parents[1] / "principals" / "fixtures"
JOB_PAGE = re.compile(r"/jobb/(?P<pk>[0-9a-f-]{36})/$")


class Forms(HTMLParser):
    """The hidden fields of each form on a page, by the form's action."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._current: dict[str, str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = self.forms.setdefault(attrs.get("action") or "", {})
        elif tag == "input" and self._current is not None and attrs.get("type") == "hidden":
            self._current[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def hidden_fields(response: requests.Response, action: str) -> dict[str, str]:
    forms = Forms(response.text).forms
    assert action in forms, f"no form posting to {action} on {response.url}: {list(forms)}"
    return forms[action]


class Person:
    """One browser: one cookie jar, used against both servers (cookies do not name a port)."""

    def __init__(self, a, b):
        self.servers = {"A": a.url, "B": b.url}
        self.session = requests.Session()
        self.visits: list[str] = []

    def get(self, server: str, path: str, **kwargs) -> requests.Response:
        response = self.session.get(self.servers[server] + path, timeout=30, **kwargs)
        self.visits.append(f"{server} GET {path} {response.status_code}")
        return response

    def post(self, server: str, path: str, data: dict, **kwargs) -> requests.Response:
        response = self.session.post(
            self.servers[server] + path, data=data, timeout=60, allow_redirects=False, **kwargs
        )
        self.visits.append(f"{server} POST {path} {response.status_code}")
        return response

    def log_in(self, server: str, username: str, password: str) -> requests.Response:
        page = self.get(server, LOGIN)
        fields = hidden_fields(page, "")
        return self.post(server, LOGIN, {**fields, "username": username, "password": password})

    def follow_job(self, started: requests.Response, *, poll_on: str, page_on: str) -> Job:
        """A POST answered with a job page: wait on one server until it is finished, see the
        job page on the other; return the job."""
        assert started.status_code == 302, started.text[:500]
        location = started.headers["Location"]
        match = JOB_PAGE.search(location)
        assert match, f"not a job page: {location}"
        status_path = f"{match.group(0)}status"

        def finished() -> bool:
            state = self.get(poll_on, status_path).json()
            return state["finished"]

        wait_until(finished, timeout=60, interval=0.2, what=f"the job at {location}")
        job = Job.objects.get(pk=match.group("pk"))
        assert job.status == Job.Status.DONE, job.error
        page = self.get(page_on, match.group(0))
        assert page.status_code == 200
        if job.result_url:
            assert f'href="{job.result_url}"' in page.text
        return job


@pytest.fixture
def servers(system, tasks_in_database):
    """Two app servers and one worker, started together; a shared cache is required."""
    require_shared_cache()
    a, b = system.app_server("app-a"), system.app_server("app-b")
    worker = system.worker()
    for server in (a, b):
        server.wait_ready()
    return a, b, worker


def approved_report(staff, lead) -> FinalReport:
    report = report_services.report_create(agreement=report_agreement(), actor=staff)
    write_all_sections(report)
    report_services.report_transition(
        report=report, actor=staff, to_state=FinalReport.State.IN_REVIEW, seen_version=1
    )
    report.refresh_from_db()
    report_services.report_transition(
        report=report,
        actor=lead,
        to_state=FinalReport.State.APPROVED,
        seen_version=report.version,
    )
    report.refresh_from_db()
    return report


def test_a_journey_alternating_between_two_app_servers(servers):
    a, b, worker = servers
    lead = lead_user(username="ledning", first_name="Lena", last_name="Ledare")
    report = approved_report(staff_user(username="personal"), lead)
    person = Person(a, b)
    principals_before = Principal.objects.count()
    started = time.monotonic()

    # Log in on A, carry on on B: the session is in the shared database and cache.
    response = person.log_in("A", "ledning", PASSWORD)
    assert response.status_code == 302, response.text[:500]
    assert LOGIN not in response.headers["Location"]
    start_page = person.get("B", response.headers["Location"])
    assert start_page.status_code == 200
    assert start_page.url.startswith(b.url) and LOGIN not in start_page.url
    assert "Lena Ledare" in start_page.text or "ledning" in start_page.text

    # Upload a register file on A; its check runs on the worker; the result shows on B.
    form = person.get("A", "/huvudman/import/")
    with open(FIXTURES / "organizers.json", "rb") as upload:
        response = person.post(
            "A",
            "/huvudman/import/",
            hidden_fields(form, ""),
            files={"file": ("organizers.json", upload, "application/json")},
        )
    check = person.follow_job(response, poll_on="B", page_on="A")
    batch = ImportBatch.objects.get()
    detail_path = f"/huvudman/import/{batch.pk}/"
    assert check.result_url == detail_path
    detail = person.get("B", detail_path)
    assert "Kontroll före import" in detail.text and "Testkommun Sundsvall" in detail.text
    assert Principal.objects.count() == principals_before

    # Confirm it on B; the worker applies it; A shows the result.
    apply_path = f"/huvudman/import/{batch.pk}/genomfor/"
    response = person.post("B", apply_path, hidden_fields(detail, apply_path))
    person.follow_job(response, poll_on="A", page_on="B")
    result = person.get("A", detail_path)
    assert "Resultat av importen" in result.text
    assert Principal.objects.count() == principals_before + 3
    assert AuditEvent.objects.filter(action="imported", actor=lead).count() == 3

    # Submit the final report on A; the worker freezes it; B gives the frozen PDF, and its
    # checksum is the one B's report page shows and the database keeps.
    report_path = report.get_absolute_url()
    page = person.get("A", report_path)
    submit_path = f"{report_path}lamna-in/"
    response = person.post("A", submit_path, hidden_fields(page, submit_path))
    person.follow_job(response, poll_on="B", page_on="A")
    submitted = SubmittedReport.objects.get(report=report)
    page = person.get("B", report_path)
    shown = re.search(
        r"inlamnad/pdf/\"[^>]*>PDF</a></th><td><code class=\"checksum\">([0-9a-f]{64})<",
        page.text,
    )
    assert shown, "the report page on B shows no PDF checksum"
    pdf = person.get("B", f"{report_path}inlamnad/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == shown.group(1) == submitted.pdf_sha256
    numbers = person.get("A", f"{report_path}inlamnad/json/")
    assert hashlib.sha256(numbers.content).hexdigest() == submitted.snapshot_sha256
    assert json.loads(numbers.content)  # the frozen numbers, as stored

    worker.check_alive()
    pages = [visit for visit in person.visits if "/status " not in visit]
    polls = len(person.visits) - len(pages)
    print(f"\njourney on two app servers: {time.monotonic() - started:.1f} s, {polls} polls of")
    print(f"job states and these pages: {'; '.join(pages)}")


def test_failed_logins_on_both_servers_lock_the_account_on_both(system):
    require_shared_cache()
    a, b = system.app_server("app-a"), system.app_server("app-b")
    staff_user(username="personal")
    for server in (a, b):
        server.wait_ready()
    person = Person(a, b)
    limit = settings.AXES_FAILURE_LIMIT
    # Failures alternate between the servers: neither sees the limit on its own.
    for attempt in range(1, limit):
        response = person.log_in("AB"[attempt % 2], "personal", "fel-losenord")
        assert response.status_code == 200, f"attempt {attempt}: {response.status_code}"
        assert "Ange ett korrekt användarnamn och lösenord" in response.text
    response = person.log_in("AB"[limit % 2], "personal", "fel-losenord")
    assert response.status_code == 429, f"attempt {limit}: {response.status_code}"
    # Locked on both, even with the right password.
    for server in "AB":
        response = person.log_in(server, "personal", PASSWORD)
        assert response.status_code == 429, f"{server}: {response.status_code}"
        assert "För många misslyckade inloggningsförsök" in response.text
    assert "sessionid" not in person.session.cookies
