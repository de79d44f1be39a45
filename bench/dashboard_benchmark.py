"""Page response times at 5 000 organisers, 8 rounds and 30 indicators, under gunicorn.

Needs PostgreSQL: DATABASE_URL=postgres://user@host:5432/anything .venv/bin/python
bench/dashboard_benchmark.py. It creates a throwaway database on that server (the name in
DATABASE_URL with the suffix _dashbench, or _$DASHBENCH_SUFFIX), generates the data with
bulk_create (8 closed rounds and one open round nobody has submitted in yet), starts gunicorn
(2 sync workers, loopback, a free port) with a cache shared by both workers, as several app
servers would use (Redis on 127.0.0.1:6379 when it answers, else the database cache; CACHE_URL
overrides it), and measures each page twice:

- cold: `COLD` first requests, each after a recorded change (figures computed afresh);
- warm: `REQUESTS` sequential requests after 5 warm-up requests (served from the cache).

Pages: the dashboards and open data, the register (first page, a search, the CSV export of all
organisers), the open round's overview, an organiser editor's self-assessment form (first visit
and with a saved draft) and the comparison of two submitted versions of an assessment.

Each warm request is paired with a /healthz request, so both meet the same load. The whole
measurement runs `RUNS` times against the same gunicorn and data; each run prints median and
95th percentile and each page's ratio to those /healthz requests, and the end prints, per page,
the ratios as min/median/max over the runs and a verdict on the median (targets: warm at most
5 × the paired /healthz, cold at most 20 ×). Then it stops gunicorn and drops the database (set
DASHBENCH_KEEP=1 to keep it for profiling). A static page for each kind of visitor shows the
floor of any page (session, login, layout). Not a timed test.

Options (environment): DASHBENCH_ORGANISERS (5000), DASHBENCH_RUNS (3), DASHBENCH_REQUESTS
(40), DASHBENCH_COLD (3), DASHBENCH_SUFFIX (dashbench), DASHBENCH_KEEP.
DASHBENCH_SUBMISSIONS=1 (or --submissions): a separate process submits self-assessments in the
open round through the real HTTP form while the pages are measured, one started every
DASHBENCH_SUBMISSION_INTERVAL seconds (0.5) by DASHBENCH_SUBMITTERS organiser editors (40) in
turn, at most DASHBENCH_SUBMITTER_THREADS (4) at once; it prints how many succeeded.
DASHBENCH_SCALES=1100,5000,20000 (or --scales): the whole run at each size in its own database,
then a table of the pages per size (bench/scale_benchmark.py).
"""

import argparse
import datetime
import io
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway import postgres_url_or_none, throwaway_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

ORGANISERS = int(os.environ.get("DASHBENCH_ORGANISERS", "5000"))
ROUNDS = 8
INDICATORS = 30
REQUESTS = int(os.environ.get("DASHBENCH_REQUESTS", "40"))  # per page, after WARM_UP requests
COLD = int(os.environ.get("DASHBENCH_COLD", "3"))  # first requests per page, each after a change
WARM_UP = 5
RUNS = int(os.environ.get("DASHBENCH_RUNS", "3"))  # whole measurements, same gunicorn and data
SUFFIX = os.environ.get("DASHBENCH_SUFFIX", "dashbench")
SUBMISSION_INTERVAL = float(os.environ.get("DASHBENCH_SUBMISSION_INTERVAL", "0.5"))  # seconds
SUBMITTERS = int(os.environ.get("DASHBENCH_SUBMITTERS", "40"))  # organiser editors taking turns
# Submissions in flight at once, so a slow one does not hold up the rate.
SUBMITTER_THREADS = int(os.environ.get("DASHBENCH_SUBMITTER_THREADS", "4"))
TARGET_RATIO = 5.0  # warm, over the paired /healthz
COLD_TARGET = 20.0  # first request after a change, over the paired /healthz
REGISTER_SEARCH = "Benchmark-huvudman 12"
HEALTHZ = "/healthz (trivial view)"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def generate(organisers: int | None = None, *, open_round: bool = False):
    """Organisers, 8 closed rounds of submitted self-assessments (some resubmitted), a programme.

    With `open_round`, also a round open today (opened 10 days ago, closing in 30) on the same
    framework, without any submission; it is returned (else None).
    """
    from django.utils import timezone
    from stdnum.se import orgnr

    from agreement import data_2020
    from agreement.models import Activity, Cost, Deliverable, Milestone, ProgressUpdate
    from principals.models import County, Principal
    from readiness.demo import _answer, _difficulty
    from readiness.models import Assessment, AssessmentVersion, Indicator, ReportingRound
    from readiness.services import framework_load_default

    count = ORGANISERS if organisers is None else organisers
    rng = random.Random(2026)
    counties = list(County.objects.all())
    kinds = (["KOMMUN"] * 290 + ["REGION"] * 21 + ["ENSKILD"] * max(0, count - 311))[:count]
    principals = []
    for i, kind in enumerate(kinds):
        body = f"{'2' if kind != 'ENSKILD' else '5'}5{i:07d}"[:9]
        principals.append(
            Principal(
                organisation_number=orgnr.format(body + orgnr.luhn.calc_check_digit(body)),
                name=f"Benchmark-huvudman {i}",
                organiser_type=kind,
                county=counties[i % len(counties)],
                pupils=rng.randint(20, 20_000),
                is_demo=True,
            )
        )
    principals = Principal.objects.bulk_create(principals, batch_size=1000)
    framework, _created = framework_load_default(actor="benchmark")
    area = framework.areas.order_by("-order").first()
    existing = framework.indicators.count()
    for n in range(INDICATORS - existing):
        Indicator.objects.create(
            framework=framework,
            area=area,
            code=f"extra-{n}",
            question=f"Extra fråga {n}?",
            answer_type=Indicator.AnswerType.RATING,
            initiative=13,
            order=100 + n,
        )
    indicators = list(framework.indicators.all())
    start = datetime.date(2019, 3, 1)
    for r in range(ROUNDS):
        opens = start + datetime.timedelta(days=182 * r)
        reporting_round = ReportingRound.objects.create(
            name=f"Benchmark-omgång {r + 1}",
            opens_on=opens,
            closes_on=opens + datetime.timedelta(days=45),
            framework_version=framework,
        )
        chosen = [p for p in principals if rng.random() < 0.85]
        assessments = Assessment.objects.bulk_create(
            [Assessment(principal=p, round=reporting_round, state="submitted") for p in chosen],
            batch_size=2000,
        )
        versions, current = [], []
        for assessment in assessments:
            level = min(1.0, 0.15 + 0.1 * r + rng.uniform(-0.1, 0.1))
            resubmitted = rng.random() < 0.3
            for number in (1, 2) if resubmitted else (1,):
                answers = {
                    i.code: {
                        "value": _answer(i, level, _difficulty(assessment.principal, i), rng),
                        "comment": "",
                    }
                    for i in indicators
                }
                versions.append(
                    AssessmentVersion(
                        assessment=assessment,
                        number=number,
                        kind="submitted",
                        framework_version=framework,
                        answers=answers,
                        created_by_label="benchmark",
                    )
                )
            current.append(len(versions) - 1)
        versions = AssessmentVersion.objects.bulk_create(versions, batch_size=2000)
        for assessment, index in zip(assessments, current, strict=True):
            assessment.current = versions[index]
        Assessment.objects.bulk_update(assessments, ["current"], batch_size=2000)
    opened = None
    if open_round:
        today = timezone.localdate()
        opened = ReportingRound.objects.create(
            name="Benchmark-omgång öppen",
            opens_on=today - datetime.timedelta(days=10),
            closes_on=today + datetime.timedelta(days=30),
            framework_version=framework,
        )

    agreement, _created = data_2020.load()
    initiatives = list(agreement.initiatives.all())
    through = Deliverable.principals.through
    links = []
    for a in range(60):
        activity = Activity.objects.create(
            agreement=agreement,
            title=f"Benchmark-insats {a}",
            status=Activity.Status.ONGOING,
            planned_start=datetime.date(2021, 1, 1),
            planned_end=datetime.date(2022, 12, 1),
        )
        activity.initiatives.set([initiatives[a % len(initiatives)]])
        Milestone.objects.bulk_create(
            Milestone(
                activity=activity,
                title=f"Delmål {m}",
                due_on=datetime.date(2021, 1 + m, 1),
                completed_on=datetime.date(2021, 1 + m, 1 + rng.randint(0, 20)) if m % 3 else None,
            )
            for m in range(6)
        )
        Cost.objects.bulk_create(
            Cost(
                activity=activity,
                incurred_on=datetime.date(2020 + q // 4, 1 + 3 * (q % 4), 15),
                amount=Decimal(rng.randint(5_000, 40_000)),
                category=rng.choice(Cost.Category.values),
            )
            for q in range(1, 12)
        )
        ProgressUpdate.objects.bulk_create(
            ProgressUpdate(
                activity=activity,
                reported_on=datetime.date(2021, 1 + m, 10),
                rating=rng.choice(["green", "amber", "red"]),
                done="Benchmark",
            )
            for m in range(0, 12, 2)
        )
        for d in range(5):
            deliverable = Deliverable.objects.create(
                activity=activity,
                kind=rng.choice(Deliverable.Kind.values),
                title=f"Leverans {a}-{d}",
                delivered_on=datetime.date(2021, 3, 1) + datetime.timedelta(days=30 * d),
            )
            links += [
                through(deliverable=deliverable, principal=p)
                for p in rng.sample(principals, min(40, len(principals)))
            ]
    through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
    return opened


def publish_rounds() -> None:
    """Publish the closed rounds, as `manage.py publish_rounds` does; print how long each took."""
    from reporting.publication import publication_create, rounds_to_publish

    for reporting_round in rounds_to_publish():
        started = time.perf_counter()
        publication = publication_create(reporting_round=reporting_round, actor="benchmark")
        took = time.perf_counter() - started
        hidden = publication.figures_json.count('"protect"') + publication.figures_json.count(
            '"small"'
        )
        print(f"  published {reporting_round.name} in {took:.1f} s ({hidden} cells withheld)")


def aggregation_breakdown() -> None:
    """Time the database work alone, in-process, to tell it from rendering in the page figures."""
    from reporting import aggregates, publication

    rounds = aggregates.rounds_to_show()
    chosen = aggregates.default_round(rounds)
    by_framework = aggregates.indicators_of(r.framework_version_id for r in rounds)
    for label, work in [
        (
            "readiness_overview (live, staff)",
            lambda: aggregates.readiness_overview.uncached(reporting_round=chosen),
        ),
        (
            "readiness_trend (live, staff)",
            lambda: aggregates.readiness_trend.uncached(
                rounds=rounds, indicator_code="idp", indicators_by_framework=by_framework
            ),
        ),
        ("open_records (publications, parsed)", publication.open_records),
    ]:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            work()
            times.append((time.perf_counter() - started) * 1000)
        print(f"  in-process {label}: {min(times):.0f} ms")


def session_cookie(user, *, second_factor: bool = True) -> str:
    """A signed-in session that has passed the second factor, as production requires of staff
    and government viewers (REQUIRE_2FA_FOR_STAFF): each request then also loads the device.
    Organisers need no second factor (`second_factor=False`: no device, as most have none)."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user, backend="portal.backends.PortalModelBackend")
    session = client.session
    if second_factor:
        device = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def organiser_editors(principals, prefix: str) -> list:
    """One user per principal, an editor member of it (no password: they never log in by form)."""
    from django.contrib.auth import get_user_model

    from principals.models import Membership

    model = get_user_model()
    users = []
    for n, principal in enumerate(principals):
        user = model(username=f"{prefix}-{n}", email=f"{prefix}-{n}@bench.invalid")
        user.set_unusable_password()
        users.append((user, principal))
    created = model.objects.bulk_create([u for u, _p in users])
    Membership.objects.bulk_create(
        Membership(user=user, principal=principal, role=Membership.Role.EDITOR)
        for user, (_u, principal) in zip(created, users, strict=True)
    )
    return created


def form_answers(framework) -> dict:
    """A valid answer to every question of the framework: {code: value} (list for several)."""
    types = framework.indicators.model.AnswerType
    answers = {}
    for indicator in framework.indicators.all():
        options = [v for v, _label in indicator.options()]
        kind = indicator.answer_type
        if kind == types.MULTI_CHOICE:
            answers[indicator.code] = options[:2]
        elif options:
            answers[indicator.code] = options[len(options) // 2]
        elif kind == types.PERCENTAGE:
            answers[indicator.code] = 40
        elif kind == types.INTEGER:
            answers[indicator.code] = min(max(40, indicator.min_value), indicator.max_value)
        else:
            answers[indicator.code] = "Svar"
    return answers


def prepare(open_round, *, submitters: int = 0) -> tuple[list[tuple[str, str, str | None]], dict]:
    """The users, sessions and URLs: the pages to measure, and the plan of the submitting process
    (`submitters` organiser editors in the open round, none of them behind a measured page)."""
    from django.db.models import Count, Q
    from django.urls import reverse

    from principals.models import Principal
    from readiness import selectors, services
    from readiness.models import Assessment, ReportingRound
    from tests.portal.factories import government_user, staff_user

    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per session signed in
    staff = session_cookie(staff_user(username="bench-staff"))
    government = session_cookie(government_user(username="bench-government"))
    framework = open_round.framework_version
    answers = form_answers(framework)

    # The form shows the organiser's answers of the round before: pick organisers who gave them.
    last_closed = ReportingRound.objects.exclude(pk=open_round.pk).order_by("-opens_on").first()
    answered = list(Principal.objects.filter(assessments__round=last_closed).order_by("pk")[:2])
    first_visit, with_draft = answered
    new_editor, draft_editor = organiser_editors([first_visit, with_draft], "bench-editor")
    services.assessment_save_draft(
        principal=with_draft,
        reporting_round=open_round,
        answers={code: {"value": value, "comment": ""} for code, value in answers.items()},
        seen_version=1,
        actor=draft_editor,
    )

    def edit_url(principal):
        return reverse(
            "readiness:assessment-edit",
            kwargs={"principal_pk": principal.pk, "round_pk": open_round.pk},
        )

    # A closed round's assessment submitted twice: the history compares the two.
    twice = (
        Assessment.objects.exclude(round=open_round)
        .annotate(submitted=Count("versions", filter=Q(versions__kind="submitted")))
        .filter(submitted=2)
        .order_by("pk")
        .first()
    )
    numbers = sorted(twice.versions.filter(kind="submitted").values_list("number", flat=True))
    history = (
        reverse(
            "readiness:assessment-history",
            kwargs={"principal_pk": twice.principal_id, "round_pk": twice.round_id},
        )
        + "?"
        + urllib.parse.urlencode({"fran": numbers[0], "till": numbers[1]})
    )
    register = reverse("principals:principal-list")
    pages = [
        (HEALTHZ, "/healthz", None),
        ("Static page (accessibility), anonymous", "/tillganglighet/", None),
        ("Static page (accessibility), staff", "/tillganglighet/", staff),
        ("Static page (accessibility), government", "/tillganglighet/", government),
        ("Readiness dashboard, staff", "/rapporter/beredskap/", staff),
        ("Readiness dashboard, government", "/rapporter/beredskap/", government),
        (
            "Readiness, government, county 01 + type",
            "/rapporter/beredskap/?lan=01&typ=KOMMUN&indikator=fidus",
            government,
        ),
        (
            "Readiness, staff, county 01 + type",
            "/rapporter/beredskap/?lan=01&typ=KOMMUN&indikator=fidus",
            staff,
        ),
        ("Readiness export (CSV, by county)", "/rapporter/beredskap/export/lan.csv", staff),
        ("Programme dashboard, staff", "/rapporter/program/", staff),
        ("Open data page", "/rapporter/oppna-data/", None),
        ("Open data, readiness JSON", "/rapporter/oppna-data/beredskap.json", None),
        ("Register, staff, first page", register, staff),
        (
            "Register, staff, search",
            register + "?" + urllib.parse.urlencode({"q": REGISTER_SEARCH}),
            staff,
        ),
        (
            "Register export (CSV, all organisers), staff",
            reverse("principals:principal-export"),
            staff,
        ),
        (
            "Open round overview, staff",
            reverse("readiness:round-detail", kwargs={"pk": open_round.pk}),
            staff,
        ),
        (
            "Self-assessment form, editor, first visit",
            edit_url(first_visit),
            session_cookie(new_editor, second_factor=False),
        ),
        (
            "Self-assessment form, editor, saved draft",
            edit_url(with_draft),
            session_cookie(draft_editor, second_factor=False),
        ),
        ("History, 2 submitted versions compared, staff", history, staff),
    ]

    plan = {"interval": SUBMISSION_INTERVAL, "threads": SUBMITTER_THREADS, "accounts": []}
    if submitters:
        pool = list(
            Principal.objects.exclude(
                pk__in=[first_visit.pk, with_draft.pk, twice.principal_id]
            ).order_by("-pk")[:submitters]
        )
        for user, principal in zip(organiser_editors(pool, "bench-submitter"), pool, strict=True):
            plan["accounts"].append(
                {
                    "cookie": session_cookie(user, second_factor=False),
                    "edit": edit_url(principal),
                    "review": reverse(
                        "readiness:assessment-review",
                        kwargs={"principal_pk": principal.pk, "round_pk": open_round.pk},
                    ),
                }
            )
        indicators = selectors.indicators_for(framework)
        text = framework.indicators.model.AnswerType.TEXT
        plan["steps"] = [
            [
                {
                    "code": i.code,
                    "values": [str(v) for v in answers[i.code]]
                    if isinstance(answers[i.code], list)
                    else [str(answers[i.code])],
                    "text": i.answer_type == text,
                }
                for i in step.indicators
            ]
            for step in selectors.steps_for(indicators, {})
        ]
    return pages, plan


def shared_cache_url() -> str:
    """Redis on the loopback when it answers, as production runs; else the database cache."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        if probe.connect_ex(("127.0.0.1", 6379)) == 0:
            return "redis://127.0.0.1:6379/9"
    return "dbcache://dashbench_cache"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_environment(bench_url: str) -> dict[str, str]:
    """What the portal's processes (gunicorn, workers) get: production-like, on the loopback."""
    return {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DEBUG": "False",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "CACHE_URL": os.environ["CACHE_URL"],
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REQUIRE_2FA_FOR_STAFF": "True",
    }


def start_gunicorn(env: dict[str, str], *, workers: int = 2) -> tuple[subprocess.Popen, str]:
    """gunicorn on a free loopback port, once it answers /healthz; returns it and its base URL."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310
            break
        except OSError:
            time.sleep(0.2)
    return server, base


def fetch(base: str, path: str, cookie: str | None) -> float:
    """One GET, in ms; it must answer 200 without a redirect (to the login page, say)."""
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 (loopback)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (loopback)
        response.read()
        assert response.status == 200, (path, response.status)
        assert response.url == base + path, (path, "redirected to", response.url)
    return (time.perf_counter() - started) * 1000


def measure_cold(base: str, path: str, cookie: str | None) -> list[float]:
    """First requests after a data change: an audit event moves the data version before each."""
    from portal.audit import record
    from portal.models import AuditEvent
    from principals.models import Principal

    subject = Principal.objects.order_by("pk").first()
    times = []
    for _ in range(COLD):
        record(
            actor="benchmark",
            subject=subject,
            action=AuditEvent.Action.CHANGED,
            note="benchmark: a change, so the next request computes afresh",
        )
        times.append(fetch(base, path, cookie))
    return times


def measure(base: str, path: str, cookie: str | None) -> tuple[list[float], list[float]]:
    """The page and /healthz in turn, so both meet the same load on a shared machine."""
    page, trivial = [], []
    for n in range(WARM_UP + REQUESTS):
        healthz, took = fetch(base, "/healthz", None), fetch(base, path, cookie)
        if n >= WARM_UP:
            trivial.append(healthz)
            page.append(took)
    return page, trivial


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# ------------------------------------------------------------- submissions during the measurement

LOCK = re.compile(r'name="lock" value="(\d+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, as a browser's form post gets it


_OPENER = urllib.request.build_opener(_NoRedirect)


def _http(base: str, path: str, jar: dict, data: list | None = None) -> tuple[int, str, str]:
    """GET (or POST the form `data`) with the jar's cookies; returns status, Location and body."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(base + path, data=body, headers=headers)  # noqa: S310
    try:
        with _OPENER.open(request, timeout=120) as response:
            status, answer, content = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, answer, content = exc.code, exc.headers, exc.read()
    for header in answer.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            if morsel.value and morsel["max-age"] != "0":
                jar[name] = morsel.value
            else:
                jar.pop(name, None)
    return status, answer.get("Location", ""), content.decode("utf-8", "replace")


def _submit_once(base: str, account: dict, jar: dict, steps: list, serial: int) -> str | None:
    """Fill in every step of the form, then submit on the review page, as an editor does.
    None when the submission was accepted (a redirect to its receipt), else why not."""
    for number, fields in enumerate(steps, start=1):
        url = f"{account['edit']}?steg={number}"
        status, _location, page = _http(base, url, jar)
        lock, token = LOCK.search(page), CSRF.search(page)
        if status != 200 or not (lock and token):
            return f"step {number} form: {status}"
        data = [("csrfmiddlewaretoken", token.group(1)), ("lock", lock.group(1)), ("next", "1")]
        for n, field in enumerate(fields):
            if field["text"]:
                data.append((f"v-{field['code']}", f"Svar {serial}"))
            else:
                data += [(f"v-{field['code']}", value) for value in field["values"]]
            if n == 0:  # a change in every step, so a resubmission is never refused as unchanged
                data.append((f"c-{field['code']}", f"Benchmark-inskick {serial}"))
        status, _location, _page = _http(base, url, jar, data)
        if status != 302:
            return f"step {number} save: {status}"
    status, _location, page = _http(base, account["review"], jar)
    lock, token = LOCK.search(page), CSRF.search(page)
    if status != 200 or not (lock and token):
        return f"review page: {status}"
    data = [("csrfmiddlewaretoken", token.group(1)), ("lock", lock.group(1)), ("submit", "1")]
    status, location, _page = _http(base, account["review"], jar, data)
    if status == 302 and "/kvitto/" in location:
        return None
    return f"submit: {status}"


def submitter(plan_path: str, result_path: str) -> int:
    """The submitting process: a submission started every `interval` seconds, by the accounts in
    turn (each at most one at a time), until SIGTERM; then the counts go to `result_path`."""
    plan = json.loads(Path(plan_path).read_text())
    base, steps, accounts = plan["base"], plan["steps"], plan["accounts"]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    jars = [dict([account["cookie"].split("=", 1)]) for account in accounts]
    idle = deque(range(len(accounts)))
    guard = threading.Lock()
    counts = {"succeeded": 0, "failed": 0, "skipped": 0, "in_flight": 0}
    reasons: Counter[str] = Counter()
    durations: list[float] = []

    def one(index: int, serial: int) -> None:
        started = time.perf_counter()
        try:
            problem = _submit_once(base, accounts[index], jars[index], steps, serial)
        except Exception as exc:  # counted and reported; the run goes on
            problem = f"{type(exc).__name__}: {exc}"
        with guard:
            if problem is None:
                counts["succeeded"] += 1
                durations.append(time.perf_counter() - started)
            else:
                counts["failed"] += 1
                reasons[problem] += 1
            counts["in_flight"] -= 1
            idle.append(index)

    started = time.monotonic()
    tick = started
    serial = 0
    with ThreadPoolExecutor(max_workers=plan["threads"]) as pool:
        while not stop.is_set():
            with guard:
                index = None
                if idle and counts["in_flight"] < plan["threads"]:
                    index = idle.popleft()
                    counts["in_flight"] += 1
                else:
                    counts["skipped"] += 1
            if index is not None:
                serial += 1
                pool.submit(one, index, serial)
            tick += plan["interval"]
            stop.wait(max(0.0, tick - time.monotonic()))
    counts.pop("in_flight")
    result = {
        **counts,
        "seconds": time.monotonic() - started,
        "median_seconds": statistics.median(durations) if durations else None,
        "reasons": dict(reasons.most_common(5)),
    }
    Path(result_path).write_text(json.dumps(result))
    return 0


def start_submitter(base: str, plan: dict, work: Path) -> subprocess.Popen:
    (work / "plan.json").write_text(json.dumps({**plan, "base": base}))
    return subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--submitter",
            str(work / "plan.json"),
            str(work / "submitted.json"),
        ],
        cwd=ROOT,
    )


def stop_submitter(process: subprocess.Popen, work: Path, open_round) -> dict:
    """Stop the submitting process (it ends the submissions in flight) and print its counts."""
    from readiness.models import AssessmentVersion

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=300)
    result = json.loads((work / "submitted.json").read_text())
    stored = AssessmentVersion.objects.filter(
        assessment__round=open_round, kind="submitted"
    ).count()
    each = result["median_seconds"]
    print(
        f"Submissions during the measurement: {result['succeeded']} succeeded, "
        f"{result['failed']} failed in {result['seconds']:.0f} s "
        f"({result['succeeded'] / max(result['seconds'], 1e-9):.2f} a second; one started every "
        f"{SUBMISSION_INTERVAL} s, {result['skipped']} starts skipped while "
        f"{SUBMITTER_THREADS} were in flight or no editor was free); median "
        + (f"{each:.2f} s" if each is not None else "-")
        + f" each; {stored} submitted versions in the open round's database rows"
    )
    for reason, times in result["reasons"].items():
        print(f"  failed {times}×: {reason}")
    return result


# ------------------------------------------------------------------------ measuring and reporting


def measure_pages(base: str, pages) -> dict[str, dict]:
    """One whole measurement: each page cold, then warm; the figures of each by label."""
    results = {}
    for label, path, cookie in pages:
        cold = measure_cold(base, path, cookie)
        warm, trivial = measure(base, path, cookie)
        results[label] = {"cold": cold, "warm": warm, "trivial": statistics.median(trivial)}
    alone = statistics.median(results[HEALTHZ]["warm"])  # /healthz paired with itself
    for figures in results.values():
        cold, warm, trivial = (
            figures["cold"],
            statistics.median(figures["warm"]),
            figures["trivial"],
        )
        figures.update(
            cold_ms=statistics.median(cold),
            warm_ms=warm,
            cold_ratio=statistics.median(cold) / trivial,
            warm_ratio=warm / trivial,
            alone_ratio=warm / alone,
            alone=alone,
        )
    return results


def print_run(results: dict[str, dict]) -> None:
    print(
        f"{'page':50} {'cold med':>9} {'cold max':>9} {'×':>7} "
        f"{'warm med':>9} {'warm p95':>9} {'healthz':>8} {'×':>6} {'× alone':>8}"
    )
    for label, f in results.items():
        print(
            f"{label:50} {f['cold_ms']:9.1f} {max(f['cold']):9.1f} {f['cold_ratio']:6.0f}× "
            f"{f['warm_ms']:9.1f} {p95(f['warm']):9.1f} {f['trivial']:8.1f} "
            f"{f['warm_ratio']:5.1f}× {f['alone_ratio']:7.1f}×"
        )
    alone = results[HEALTHZ]["alone"]
    print(f"× alone: over /healthz's own median ({alone:.1f} ms). Times in ms.")


def _spread(values: list[float], digits: int) -> str:
    return "/".join(
        f"{v:.{digits}f}" for v in (min(values), statistics.median(values), max(values))
    )


def summarise(runs: list[dict[str, dict]]) -> dict[str, dict]:
    """Per page over the runs: each ratio as min/median/max, and the verdict on the median."""
    print(
        f"Over {len(runs)} run(s): each run's median, as min/median/max over the runs; the "
        f"verdict is on the median (warm ≤ {TARGET_RATIO:.0f}× the paired /healthz, cold ≤ "
        f"{COLD_TARGET:.0f}×)"
    )
    print(
        f"{'page':50} {'cold ms':>8} {'cold × min/med/max':>20} {'warm ms':>8} "
        f"{'warm × paired':>15} {'warm × alone':>15}  verdict (warm, cold)"
    )
    summary, missed = {}, []
    for label in runs[0]:
        each = {
            key: [run[label][key] for run in runs]
            for key in runs[0][label]
            if key.endswith(("_ms", "_ratio"))
        }
        medians = {key: statistics.median(values) for key, values in each.items()}
        warm_ok = medians["warm_ratio"] <= TARGET_RATIO
        cold_ok = medians["cold_ratio"] <= COLD_TARGET
        if not (warm_ok and cold_ok):
            missed.append(label)
        summary[label] = medians
        print(
            f"{label:50} {medians['cold_ms']:8.1f} {_spread(each['cold_ratio'], 0):>20} "
            f"{medians['warm_ms']:8.1f} {_spread(each['warm_ratio'], 1):>15} "
            f"{_spread(each['alone_ratio'], 1):>15}  "
            f"warm {'met' if warm_ok else 'NOT met'}, cold {'met' if cold_ok else 'NOT met'}"
        )
    print(
        f"Targets met by {len(runs[0]) - len(missed)} of {len(runs[0])} pages"
        + (f"; NOT met: {'; '.join(missed)}." if missed else ".")
    )
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--submissions",
        action="store_true",
        default=_flag("DASHBENCH_SUBMISSIONS"),
        help="submit self-assessments through the form while measuring (DASHBENCH_SUBMISSIONS=1)",
    )
    parser.add_argument(
        "--scales",
        default=os.environ.get("DASHBENCH_SCALES", ""),
        help="organiser counts, e.g. 1100,5000,20000: one run each (DASHBENCH_SCALES)",
    )
    parser.add_argument("--submitter", nargs=2, metavar=("PLAN", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.submitter:
        return submitter(*args.submitter)
    if args.scales.strip():
        from bench.scale_benchmark import run_scales

        sizes = [int(size) for size in args.scales.replace(" ", "").split(",") if size]
        return run_scales(sizes, submissions=args.submissions)
    if postgres_url_or_none() is None:
        print("bench/dashboard_benchmark.py needs DATABASE_URL=postgres://... (skipped)")
        return 0
    with throwaway_database(SUFFIX, keep=_flag("DASHBENCH_KEEP")):
        return run(
            os.environ["DATABASE_URL"],
            submissions=args.submissions,
            result_path=os.environ.get("DASHBENCH_RESULT"),
        )


def run(bench_url: str, *, submissions: bool = False, result_path: str | None = None) -> int:
    os.environ.setdefault("CACHE_URL", shared_cache_url())
    # Keys of their own (settings CACHE_KEY_PREFIX): a kept benchmark database beside this one
    # shares the Redis database, and its signed-in users have the same ids as these.
    os.environ.setdefault("CACHE_KEY_PREFIX", "dashbench-" + bench_url.rsplit("/", 1)[-1])
    server = submitting = None
    work = Path(tempfile.mkdtemp(prefix="dashbench-"))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        from reporting import cache as page_cache

        page_cache.clear()  # nothing left from an earlier run with the same ids
        started = time.monotonic()
        open_round = generate(open_round=True)
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")
        publish_rounds()
        # The rounds were generated in bulk, past the services: tally them, as an operator
        # does after upgrading (a worker would otherwise do it on the first read).
        tallied = time.monotonic()
        call_command("tally_rebuild", stdout=io.StringIO())
        print(f"  tallied the rounds in {time.monotonic() - tallied:.1f} s (tally_rebuild)")
        generated = time.monotonic() - started
        print(
            f"Generated {ORGANISERS} organisers, {ROUNDS} closed rounds and an open one, "
            f"{INDICATORS} indicators in {generated:.1f} s"
        )
        aggregation_breakdown()
        pages, plan = prepare(open_round, submitters=SUBMITTERS if submissions else 0)
        connections.close_all()

        server, base = start_gunicorn(server_environment(bench_url))
        for label, path, cookie in pages:  # each page answers before anything is timed
            try:
                fetch(base, path, cookie)
            except (AssertionError, OSError) as exc:
                print(f"{label}: {path} did not answer 200: {exc}")
                raise
        print(f"Cache: {os.environ['CACHE_URL'].split(':')[0]}, shared by the 2 workers")
        print(
            f"cold: {COLD} first requests per page, each after a recorded change; "
            f"warm: {REQUESTS} sequential requests after {WARM_UP} warm-up requests, each next "
            "to a /healthz request; × is the page's median over the median of those /healthz"
        )
        if submissions:
            submitting = start_submitter(base, plan, work)
            print(
                f"Submitting self-assessments in the open round meanwhile: one started every "
                f"{SUBMISSION_INTERVAL} s by {len(plan['accounts'])} organiser editors in turn"
            )
        runs = []
        for number in range(1, RUNS + 1):
            print(f"Run {number} of {RUNS}")
            runs.append(measure_pages(base, pages))
            print_run(runs[-1])
        submitted = None
        if submitting is not None:
            submitted = stop_submitter(submitting, work, open_round)
            submitting = None
        summary = summarise(runs)
        if result_path:
            Path(result_path).write_text(
                json.dumps(
                    {
                        "organisers": ORGANISERS,
                        "generated_seconds": generated,
                        "runs": RUNS,
                        "pages": summary,
                        "submissions": submitted,
                    }
                )
            )
    finally:
        if submitting is not None:
            submitting.kill()
            submitting.wait(timeout=30)
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
