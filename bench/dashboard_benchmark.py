"""Dashboard response times at 5 000 organisers, 8 rounds and 30 indicators, under gunicorn.

Needs PostgreSQL: DATABASE_URL=postgres://user@host:5432/anything .venv/bin/python
bench/dashboard_benchmark.py. It creates a throwaway database on that server (the name in
DATABASE_URL with the suffix _dashbench), generates the data with bulk_create, starts gunicorn
(2 sync workers, loopback, a free port) with a cache shared by both workers, as several app
servers would use (Redis on 127.0.0.1:6379 when it answers, else the database cache; CACHE_URL
overrides it), and measures each page twice:

- cold: `COLD` first requests, each after a recorded change (figures computed afresh);
- warm: `REQUESTS` sequential requests after 5 warm-up requests (served from the cache).

Each warm request is paired with a /healthz request, so both meet the same load; it prints
median and 95th percentile and each page's ratio to those /healthz requests (target: warm at
most 5), stops gunicorn and drops the database (set DASHBENCH_KEEP=1 to keep it for profiling).
A static page for each kind of visitor shows the floor of any page (session, login, layout).
Not a timed test.
"""

import datetime
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway import postgres_url_or_none, throwaway_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

ORGANISERS = int(os.environ.get("DASHBENCH_ORGANISERS", "5000"))
ROUNDS = 8
INDICATORS = 30
REQUESTS = 40  # per page, after 5 warm-up requests
COLD = 3  # first requests per page, each on an emptied cache
TARGET_RATIO = 5.0
COLD_TARGET = 20.0  # first request after a change, for pages outside readers see


def generate():
    """Organisers, 8 closed rounds of submitted self-assessments (some resubmitted), a programme."""
    from stdnum.se import orgnr

    from agreement import data_2020
    from agreement.models import Activity, Cost, Deliverable, Milestone, ProgressUpdate
    from principals.models import County, Principal
    from readiness.demo import _answer, _difficulty
    from readiness.models import Assessment, AssessmentVersion, Indicator, ReportingRound
    from readiness.services import framework_load_default

    rng = random.Random(2026)
    counties = list(County.objects.all())
    kinds = ["KOMMUN"] * 290 + ["REGION"] * 21 + ["ENSKILD"] * (ORGANISERS - 311)
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
                through(deliverable=deliverable, principal=p) for p in rng.sample(principals, 40)
            ]
    through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)


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


def session_cookie(user) -> str:
    """A signed-in session that has passed the second factor, as production requires of staff
    and government viewers (REQUIRE_2FA_FOR_STAFF): each request then also loads the device."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user, backend="portal.backends.PortalModelBackend")
    device = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


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
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 (loopback)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (loopback)
        response.read()
        assert response.status == 200, (path, response.status)
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
    for n in range(5 + REQUESTS):
        healthz, took = fetch(base, "/healthz", None), fetch(base, path, cookie)
        if n >= 5:
            trivial.append(healthz)
            page.append(took)
    return page, trivial


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    if postgres_url_or_none() is None:
        print("bench/dashboard_benchmark.py needs DATABASE_URL=postgres://... (skipped)")
        return 0
    with throwaway_database("dashbench", keep=bool(os.environ.get("DASHBENCH_KEEP"))):
        return run(os.environ["DATABASE_URL"])


def run(bench_url: str) -> int:
    os.environ.setdefault("CACHE_URL", shared_cache_url())
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from tests.portal.factories import government_user, staff_user

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        from reporting import cache as page_cache

        page_cache.clear()  # nothing left from an earlier run with the same ids
        started = time.monotonic()
        generate()
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")
        publish_rounds()
        print(
            f"Generated {ORGANISERS} organisers, {ROUNDS} rounds, {INDICATORS} indicators "
            f"in {time.monotonic() - started:.1f} s"
        )
        aggregation_breakdown()
        staff = session_cookie(staff_user(username="bench-staff"))
        government = session_cookie(government_user(username="bench-government"))
        connections.close_all()

        server, base = start_gunicorn(server_environment(bench_url))
        pages = [
            ("/healthz (trivial view)", "/healthz", None),
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
        ]
        results = []
        for label, path, cookie in pages:
            cold = measure_cold(base, path, cookie)
            warm, trivial = measure(base, path, cookie)
            results.append((label, cold, warm, statistics.median(trivial)))
        print(f"Cache: {os.environ['CACHE_URL'].split(':')[0]}, shared by the 2 workers")
        print(
            f"cold: {COLD} first requests per page, each after a recorded change; "
            f"warm: {REQUESTS} sequential requests after 5 warm-up requests, each next to a "
            "/healthz request; × is the page's median over the median of those /healthz"
        )
        alone = statistics.median(results[0][2])  # /healthz paired with itself
        print(
            f"{'page':50} {'cold med':>9} {'cold max':>9} {'×':>7} "
            f"{'warm med':>9} {'warm p95':>9} {'healthz':>8} {'×':>6} {'× alone':>8}"
        )
        worst = worst_cold = 0.0
        for label, cold, warm, trivial in results:
            median = statistics.median(warm)
            ratio, ratio_alone = median / trivial, median / alone
            if not label.startswith(("/healthz", "Static page")):
                worst = max(worst, ratio, ratio_alone)
            if "government" in label or label.startswith("Open data"):
                worst_cold = max(worst_cold, statistics.median(cold) / trivial)
            print(
                f"{label:50} {statistics.median(cold):9.1f} {max(cold):9.1f} "
                f"{statistics.median(cold) / trivial:6.0f}× "
                f"{median:9.1f} {p95(warm):9.1f} {trivial:8.1f} {ratio:5.1f}× {ratio_alone:7.1f}×"
            )
        verdict = "met" if worst <= TARGET_RATIO else "NOT met"
        print(
            f"× alone: over /healthz's own median ({alone:.1f} ms). Worst warm dashboard ratio, "
            f"either way: {worst:.1f}× (target ≤ {TARGET_RATIO:.0f}×): {verdict}. Times in ms."
        )
        verdict = "met" if worst_cold <= COLD_TARGET else "NOT met"
        print(
            f"Worst first request after a change, for pages outside readers see (published "
            f"rounds): {worst_cold:.1f}× (target ≤ {COLD_TARGET:.0f}×): {verdict}."
        )
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
