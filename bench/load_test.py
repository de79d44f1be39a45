"""Load test: 50 concurrent users for 60 seconds against gunicorn on PostgreSQL (loopback only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anything .venv/bin/python bench/load_test.py

It creates a throwaway database on that server (the name in DATABASE_URL with the suffix
_loadtest), migrates it, loads the benchmark data set of bench/dashboard_benchmark.py (5 000
organisers, 8 closed rounds, the default framework, the 2020 agreement with 60 activities), adds
an open round and the load users (organiser editors, each of their own organisation, and
programme staff, all with distinct names and correct passwords so that login throttling never
applies), starts gunicorn (3 sync workers, 127.0.0.1, a free port, DEBUG off) and runs locust
headless for a bounded time with this mix:

- 30 organisers log in, open their self-assessment, save drafts and now and then submit it;
- 12 programme staff log in and use the readiness and programme dashboards and the activity list;
- 8 anonymous visitors fetch open data as CSV and JSON.

It prints throughput, median and 95th percentile latency and the number of errors, then checks
the database for lost writes (every draft save and submission that a client saw succeed is a
version row and an event in the history, and nothing more), stops gunicorn and drops the
database. Exit status 0 only when there were no errors and no lost writes. Not a timed test:
it is not part of the pytest suite. Options: --users, --seconds, --workers, --keep-db, and
--think MIN,MAX (seconds between a user's tasks, default 1,3). The think time bounds throughput:
50 users waiting 2 s on average can send at most 25 requests a second however fast the server
is, so `--think 0,0` measures what the server can carry (every user sends its next request as
soon as the last one is answered).
"""

import argparse
import csv
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-2026"  # noqa: S105 - throwaway users in a throwaway database
ORGANISERS, STAFF, ANONYMOUS = 30, 12, 8

if __name__ != "__main__":  # imported by locust as its locustfile: the simulated users
    import random

    from locust import HttpUser, between, events, task

    PLAN = json.loads(Path(os.environ["LOAD_TEST_PLAN"]).read_text())
    COUNTS = {"drafts": 0, "submits": 0}
    THINK = between(*PLAN["think"])  # seconds each simulated user waits between two tasks
    LOCK = re.compile(r'name="lock" value="(\d+)"')
    CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    class Accounts:
        """Hands out each account once, so no two simulated users share a login."""

        def __init__(self, accounts):
            self.accounts = list(accounts)

        def take(self):
            return self.accounts.pop()

    ORGANISER_ACCOUNTS = Accounts(PLAN["organisers"])
    STAFF_ACCOUNTS = Accounts(PLAN["staff"])

    def log_in(user, username: str) -> None:
        page = user.client.get("/konto/logga-in/", name="login page")
        token = CSRF.search(page.text).group(1)
        with user.client.post(
            "/konto/logga-in/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login refused ({response.status_code})")

    class Organiser(HttpUser):
        fixed_count = ORGANISERS
        wait_time = THINK

        def _page(self, url: str, name: str):
            page = self.client.get(url, name=name)
            lock, token = LOCK.search(page.text), CSRF.search(page.text)
            if not (lock and token):
                return None
            return {"lock": lock.group(1), "csrfmiddlewaretoken": token.group(1)}

        def _save_step(self, step: dict) -> bool:
            """Save one area of the form with a fresh answer, so that every save writes."""
            url = f"{self.url}?steg={step['number']}"
            data = self._page(url, "self-assessment form")
            if data is None:
                return False
            data["save"] = "1"
            for code in step["codes"]:
                value = PLAN["answers"][code]
                if isinstance(value, list):
                    data[f"v-{code}"] = value
                elif code in PLAN["text_codes"]:
                    data[f"v-{code}"] = f"Svar {self.saves}-{random.randint(1, 10**9)}"
                else:
                    data[f"v-{code}"] = str(value)
            self.saves += 1
            with self.client.post(
                url, data, name="self-assessment save", allow_redirects=False, catch_response=True
            ) as response:
                if response.status_code == 302:
                    COUNTS["drafts"] += 1
                    return True
                response.failure(f"save not accepted ({response.status_code})")
            return False

        def on_start(self):
            account = ORGANISER_ACCOUNTS.take()
            log_in(self, account["username"])
            self.url, self.review = account["url"], account["review"]
            self.saves = 0
            # A complete draft first: every area once, so that the form can be submitted.
            for step in PLAN["steps"]:
                self._save_step(step)

        @task(6)
        def save_draft(self):
            self._save_step(random.choice(PLAN["changing_steps"]))

        @task(1)
        def submit(self):
            # A changed draft, then the submission from the review page.
            if not self._save_step(random.choice(PLAN["changing_steps"])):
                return
            data = self._page(self.review, "self-assessment review")
            if data is None:
                return
            data["submit"] = "1"
            with self.client.post(
                self.review,
                data,
                name="self-assessment submit",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code == 302 and "/kvitto/" in response.headers["Location"]:
                    COUNTS["submits"] += 1
                else:
                    response.failure(f"submission not accepted ({response.status_code})")

    class Staff(HttpUser):
        fixed_count = STAFF
        wait_time = THINK

        def on_start(self):
            log_in(self, STAFF_ACCOUNTS.take()["username"])

        @task(3)
        def readiness_dashboard(self):
            self.client.get("/rapporter/beredskap/", name="readiness dashboard")

        @task(1)
        def readiness_filtered(self):
            self.client.get(
                "/rapporter/beredskap/?lan=01&typ=KOMMUN", name="readiness dashboard, filtered"
            )

        @task(2)
        def programme_dashboard(self):
            self.client.get("/rapporter/program/", name="programme dashboard")

        @task(3)
        def activity_list(self):
            self.client.get("/program/insatser/", name="activity list")

        @task(1)
        def activity_list_filtered(self):
            self.client.get("/program/insatser/?status=ongoing&q=insats", name="activity list, q")

    class Anonymous(HttpUser):
        fixed_count = ANONYMOUS
        wait_time = THINK

        @task(2)
        def readiness_csv(self):
            self.client.get("/rapporter/oppna-data/beredskap.csv", name="open data CSV")

        @task(2)
        def readiness_json(self):
            self.client.get("/rapporter/oppna-data/beredskap.json", name="open data JSON")

        @task(1)
        def programme_json(self):
            self.client.get("/rapporter/oppna-data/finansiering.json", name="open data JSON (2)")

    @events.quitting.add_listener
    def _write_counts(environment, **kwargs):
        Path(os.environ["LOAD_TEST_RESULT"]).write_text(json.dumps(COUNTS))


# ------------------------------------------------------------------------------------ driver


def prepare() -> dict:
    """The data set, an open round and the load users; returns the plan for the locust users."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import timezone

    from bench.dashboard_benchmark import generate
    from principals.models import Membership, Principal
    from readiness import selectors
    from readiness.models import FrameworkVersion, ReportingRound
    from tests.portal.factories import staff_user

    generate()
    framework = FrameworkVersion.objects.published().order_by("-pk").first()
    today = timezone.localdate()
    reporting_round = ReportingRound.objects.create(
        name="Lasttestets omgång",
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=30),
        framework_version=framework,
    )
    # The bulk-generated rounds bypassed the services: tally them, as after an upgrade.
    call_command("tally_rebuild", stdout=io.StringIO())
    users = get_user_model()
    organisers = []
    chosen = Principal.objects.order_by("pk")[: 10 * ORGANISERS : 10]
    for n, principal in enumerate(chosen):
        user = users(username=f"load-organiser-{n}", email=f"load-organiser-{n}@load.invalid")
        user.set_password(PASSWORD)
        user.save()
        Membership.objects.create(user=user, principal=principal, role="editor")
        url = reverse(
            "readiness:assessment-edit",
            kwargs={"principal_pk": principal.pk, "round_pk": reporting_round.pk},
        )
        review = reverse(
            "readiness:assessment-review",
            kwargs={"principal_pk": principal.pk, "round_pk": reporting_round.pk},
        )
        organisers.append(
            {"username": user.username, "url": url, "review": review, "principal": principal.pk}
        )
    staff = []
    for n in range(STAFF):
        user = staff_user(username=f"load-staff-{n}")
        user.set_password(PASSWORD)
        user.save()
        staff.append({"username": user.username})
    answers, text_codes = {}, []
    for indicator in framework.indicators.all():
        options = [v for v, _label in indicator.options()]
        kind = indicator.answer_type
        if kind == "multi_choice":
            answers[indicator.code] = options[:2]
        elif options:
            answers[indicator.code] = options[len(options) // 2]
        elif kind in ("percentage", "integer"):
            answers[indicator.code] = 40
        else:
            answers[indicator.code] = "Svar"
            text_codes.append(indicator.code)
    # The form's areas (steps), as the wizard shows them to an organiser with no answers yet.
    steps = [
        {"number": step.number, "codes": [i.code for i in step.indicators]}
        for step in selectors.steps_for(selectors.indicators_for(framework), {})
    ]
    changing = [step for step in steps if set(step["codes"]) & set(text_codes)]
    return {
        "steps": steps,
        "changing_steps": changing,
        "round": reporting_round.pk,
        "organisers": organisers,
        "staff": staff,
        "answers": answers,
        "text_codes": text_codes,
    }


def lost_writes(plan: dict, counts: dict) -> list[str]:
    """Compare what the clients saw succeed with what the database holds."""
    from portal.models import AuditEvent
    from readiness.models import Assessment, AssessmentVersion

    assessments = Assessment.objects.filter(
        round_id=plan["round"], principal_id__in=[o["principal"] for o in plan["organisers"]]
    )
    versions = AssessmentVersion.objects.filter(assessment__in=assessments)
    events = AuditEvent.objects.filter(
        object_id__in=[str(pk) for pk in assessments.values_list("pk", flat=True)]
    )
    found = {
        "drafts": versions.filter(kind="draft").count(),
        "submits": versions.filter(kind="submitted").count(),
        "draft events": events.filter(action="draft_saved").count(),
        "submit events": events.filter(action="submitted").count(),
    }
    expected = {
        "drafts": counts["drafts"],
        "submits": counts["submits"],
        "draft events": counts["drafts"],
        "submit events": counts["submits"],
    }
    print(
        f"Writes the clients saw succeed: {counts['drafts']} draft saves, "
        f"{counts['submits']} submissions"
    )
    print(
        f"In the database: {found['drafts']} draft versions, {found['submits']} submitted "
        f"versions, {found['draft events']} + {found['submit events']} history events"
    )
    problems = [
        f"{k}: expected {expected[k]}, found {found[k]}"
        for k in expected
        if found[k] != expected[k]
    ]
    # The running tally, kept by every concurrent submission, agrees with a recount.
    from readiness import tally
    from readiness.models import ReportingRound

    if tally.rebuild(ReportingRound.objects.get(pk=plan["round"])):
        problems.append("the running tally had drifted from a recount of the submissions")
    else:
        print("Running tally: agrees with a recount of the submissions")
    return problems


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def summary(prefix: str) -> dict:
    with open(f"{prefix}_stats.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    print(f"{'request':36} {'count':>7} {'fail':>5} {'median':>7} {'p95':>7}  (ms)")
    for row in rows:
        print(
            f"{row['Name'][:36]:36} {row['Request Count']:>7} {row['Failure Count']:>5} "
            f"{row['Median Response Time']:>7} {row['95%']:>7}"
        )
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "median": total["Median Response Time"],
        "p95": total["95%"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=ORGANISERS + STAFF + ANONYMOUS)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--think", default="1,3", help="MIN,MAX seconds between a user's tasks")
    args = parser.parse_args()
    try:
        args.think = [float(part) for part in args.think.split(",")]
        if len(args.think) != 2 or not 0 <= args.think[0] <= args.think[1]:
            raise ValueError
    except ValueError:
        parser.error("--think takes MIN,MAX seconds, for example 1,3 or 0,0")
    if args.users != ORGANISERS + STAFF + ANONYMOUS:
        parser.error(f"the mix is fixed at {ORGANISERS + STAFF + ANONYMOUS} users")

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("bench/load_test.py needs DATABASE_URL=postgres://... (nothing done)")
        return 2
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    from bench.throwaway import throwaway_database

    with throwaway_database("loadtest", keep=args.keep_db) as db_url:
        return run(args, db_url)


def run(args, db_url: str) -> int:
    server = None
    work = Path(tempfile.mkdtemp(prefix="loadtest-"))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        started = time.monotonic()
        call_command("migrate", verbosity=0)
        plan = prepare()
        plan["think"] = args.think
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")
        connections.close_all()
        database = db_url.rsplit("/", 1)[-1]
        print(f"Database {database} migrated and loaded in {time.monotonic() - started:.0f} s")
        (work / "plan.json").write_text(json.dumps(plan))

        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "DEBUG": "False",
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(  # noqa: S603
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "config.wsgi",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        print(
            f"gunicorn: {args.workers} workers on {base}; locust: {args.users} users "
            f"({ORGANISERS} organisers, {STAFF} staff, {ANONYMOUS} anonymous) "
            f"for {args.seconds} s, {args.think[0]:g}–{args.think[1]:g} s between a user's tasks"
        )
        result = work / "counts.json"
        subprocess.run(  # noqa: S603
            [
                str(ROOT / ".venv" / "bin" / "locust"),
                "-f",
                str(Path(__file__).resolve()),
                "--headless",
                "--host",
                base,
                "--users",
                str(args.users),
                "--spawn-rate",
                "5",
                "--run-time",
                f"{args.seconds}s",
                "--stop-timeout",
                "10",
                "--csv",
                str(work / "load"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "LOAD_TEST_PLAN": str(work / "plan.json"),
                "LOAD_TEST_RESULT": str(result),
            },
            check=False,
            timeout=args.seconds + 120,
        )
        stats = summary(str(work / "load"))
        print(
            f"Throughput {stats['rps']:.1f} requests/s; {stats['requests']} requests, "
            f"median {stats['median']} ms, p95 {stats['p95']} ms, errors {stats['failures']}"
        )
        problems = lost_writes(plan, json.loads(result.read_text()))
        print("Lost or extra writes: " + ("; ".join(problems) if problems else "none"))
        ok = stats["failures"] == 0 and not problems
        print("Target (zero errors, no lost writes): " + ("met" if ok else "NOT met"))
        return 0 if ok else 1
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
