"""Background work under gunicorn and real workers: the reminder click, e-mail per worker, the
dashboards while a worker sends, and the largest register file the browser import applies.

Needs PostgreSQL: DATABASE_URL=postgres://user@host:5432/anything .venv/bin/python
bench/background_benchmark.py. It creates a throwaway database (the name in DATABASE_URL with
the suffix _bgbench), generates the data set of dashboard_benchmark.py (5 000 organisers, each
given an e-mail address, 8 closed rounds, a programme) plus an open round, starts a local SMTP
server that accepts everything (aiosmtpd, in its own process), gunicorn (2 workers, the second
factor required) and, for each part, `manage.py worker` processes, all on the loopback, and
measures in this order:

1. the confirmed reminder click for 5 000 organisers (the POST that only starts the job), a
   few times, each after the round's reminders are cleared so it has work; and how long the
   job then takes on a worker to write the reminders and queue the messages (a worker for the
   jobs queue only, so no mail is sent meanwhile);
2. messages per second for 5 000 queued reminders with 1 worker, then with 2 (the workers
   are running and idle before the messages are queued; the rate is the SMTP server's, from
   its first message to its last);
3. the dashboards' 95th percentile while 1 worker sends 5 000 queued messages (sampled until
   95 % are sent or for at most a minute, the load being the same throughout), against an
   idle run just before (and one just after the worker stopped, to show the machine's drift);
4. the browser import (upload → check job → confirmation → import job) for growing
   registers up to the form's 20 MB limit: wall time from the upload request to the checked
   file and from the confirmation to the imported one, and the worker's peak memory (VmHWM
   of a worker started afresh for each file).

It prints each part's figures when it is done (BGBENCH_PARTS, default "1,2,3,4", chooses the
parts; BGBENCH_IMPORT_SCALES, default "1,3,6,max", the register sizes as multiples of 1 100
organisers + 10 000 school units; BGBENCH_KEEP=1 keeps the database). The machine is shared,
so compare the ratios, not the absolute times. Not a timed test.
"""

import http.client
import math
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dashboard_benchmark import (  # noqa: E402
    fetch,
    free_port,
    generate,
    p95,
    server_environment,
    session_cookie,
    shared_cache_url,
    start_gunicorn,
)
from bench.import_benchmark import REALISTIC, register  # noqa: E402
from bench.throwaway import postgres_url_or_none, throwaway_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

PYTHON = str(ROOT / ".venv" / "bin" / "python")
CLICKS = 5
CLICK_TARGET = 0.3  # seconds
IDLE_CYCLES = 150  # requests per dashboard in each idle run
BUSY_SECONDS = 60  # at most this long sampling the dashboards while a worker sends
# A 32-character CSRF secret set as the cookie and sent back as the header, as a page's script
# would; the portal accepts the unmasked secret.
CSRF = "bgbenchbgbenchbgbenchbgbench1234"
DASHBOARDS = [
    ("/healthz (trivial view)", "/healthz"),
    ("Readiness dashboard, staff", "/rapporter/beredskap/"),
    (
        "Readiness, staff, county 01 + type",
        "/rapporter/beredskap/?lan=01&typ=KOMMUN&indikator=fidus",
    ),
    ("Programme dashboard, staff", "/rapporter/program/"),
]


# ---------------------------------------------------------------- the SMTP server


def _serve_smtp(port, count, arrivals, peers, ready, stop) -> None:
    from aiosmtpd.controller import Controller

    class Accept:
        async def handle_DATA(self, server, session, envelope):
            with count.get_lock():
                if count.value < len(arrivals):
                    arrivals[count.value] = time.monotonic()
                    peers[count.value] = session.peer[1]
                count.value += 1
            return "250 2.0.0 OK"

    controller = Controller(Accept(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class SmtpServer:
    """Accepts every message and notes when it arrived; in a process of its own, so it does not
    take the interpreter lock from the requests this process times."""

    CAPACITY = 20_000

    def __init__(self):
        context = multiprocessing.get_context("spawn")
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self._count = context.Value("i", 0)
        self._arrivals = context.Array("d", self.CAPACITY, lock=False)
        self._peers = context.Array("i", self.CAPACITY, lock=False)  # the sender's port
        self._stop = context.Event()
        ready = context.Event()
        self._process = context.Process(
            target=_serve_smtp,
            args=(self.port, self._count, self._arrivals, self._peers, ready, self._stop),
            daemon=True,
        )
        self._process.start()
        if not ready.wait(30):
            raise RuntimeError("the SMTP server did not start")

    @property
    def count(self) -> int:
        return self._count.value

    def reset(self) -> None:
        with self._count.get_lock():
            self._count.value = 0

    def rate(self) -> float:
        """Messages a second from the first arrival to the last."""
        n = min(self.count, self.CAPACITY)
        if n < 2:
            return 0.0
        return (n - 1) / (self._arrivals[n - 1] - self._arrivals[0])

    def connections(self) -> list[int]:
        """Messages per connection (a drain keeps one open), most first: who sent how many."""
        n = min(self.count, self.CAPACITY)
        return sorted(Counter(self._peers[:n]).values(), reverse=True)

    def close(self) -> None:
        self._stop.set()
        self._process.join(10)


# ---------------------------------------------------------------- processes


def start_worker(env: dict[str, str], *command: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [PYTHON, "manage.py", *(command or ("worker", "--interval", "0.1")), "--verbosity", "0"],
        cwd=ROOT,
        env=env,
    )


def wait_for_workers(workers: list[subprocess.Popen], *, queue: str = "mail") -> None:
    """Until each worker has run a task: a drain with nothing to send (a no-op) as the probe."""
    from portal.tasks import deliver_mail

    seen: set[str] = set()
    deadline = time.monotonic() + 120
    while len(seen) < len(workers):
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not start")
        result = deliver_mail.using(queue_name=queue).enqueue()
        while not result.is_finished:
            time.sleep(0.02)
            result.refresh()
        seen.update(result.worker_ids)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(processes: list[subprocess.Popen]) -> float:
    import psutil

    return sum(sum(psutil.Process(p.pid).cpu_times()[:2]) for p in processes)


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children_peak_mb(pid: int) -> float:
    import psutil

    return max((peak_memory_mb(child.pid) for child in psutil.Process(pid).children()), default=0)


# ---------------------------------------------------------------- HTTP


def post(base: str, path: str, cookie: str, fields=None, *, file=None) -> tuple[int, str, float]:
    """One POST as the browser sends it (form fields, or a file as multipart), not following
    the redirect; returns the status, the Location and the seconds until the answer."""
    headers = {"Cookie": f"{cookie}; csrftoken={CSRF}", "X-CSRFToken": CSRF}
    if file is None:
        body = urllib.parse.urlencode(fields or {}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    else:
        field, name, content = file
        boundary = "bgbench-boundary-7d2c4b"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                f'filename="{name}"\r\nContent-Type: application/json\r\n\r\n'
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    address = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=300)
    started = time.perf_counter()
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    seconds = time.perf_counter() - started
    connection.close()
    return response.status, response.getheader("Location", ""), seconds


def job_of(status: int, location: str):
    """The job a POST redirected to (/jobb/<uuid>/)."""
    assert status == 302 and "/jobb/" in location, (status, location)
    return location.rstrip("/").rsplit("/", 1)[1]


def wait_for_job(job_id: str, *, timeout: float = 900):
    from portal.models import Job

    deadline = time.monotonic() + timeout
    while True:
        job = Job.objects.defer("result").get(pk=job_id)
        if job.finished:
            assert job.status == Job.Status.DONE, (job.kind, job.error)
            return job
        if time.monotonic() > deadline:
            raise RuntimeError(f"job {job.kind} not finished after {timeout} s")
        time.sleep(0.05)


# ---------------------------------------------------------------- data


def prepare():
    """An e-mail address for every organiser and a round open today, nobody submitted."""
    import datetime

    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat
    from django.utils import timezone

    from principals.models import Principal
    from readiness.models import ReportingRound

    Principal.objects.update(
        email=Concat(Value("info"), Cast("pk", CharField()), Value("@bench.invalid"))
    )
    today = timezone.localdate()
    return ReportingRound.objects.create(
        name="Benchmark-omgång öppen",
        opens_on=today - datetime.timedelta(days=7),
        closes_on=today + datetime.timedelta(days=30),
        framework_version=ReportingRound.objects.latest("opens_on").framework_version,
    )


def clear_reminders(reporting_round) -> None:
    """Forget the round's reminders and every message, sent or not, so the next run has work."""
    from django_tasks_db.models import DBTaskResult

    from portal.models import OutgoingMail
    from readiness.models import Reminder

    Reminder.objects.filter(round=reporting_round).delete()
    OutgoingMail.objects.all().delete()
    DBTaskResult.objects.filter(queue_name="mail").delete()


def queue_reminders(reporting_round, actor) -> int:
    """What the reminder job does, in this process: 5 000 reminders and their messages."""
    from readiness import services

    clear_reminders(reporting_round)
    return len(services.reminders_send(reporting_round=reporting_round, actor=actor).sent)


def all_sent() -> bool:
    from portal.models import OutgoingMail

    return not OutgoingMail.objects.exclude(status=OutgoingMail.Status.SENT).exists()


# ---------------------------------------------------------------- the four parts


def measure_clicks(base: str, cookie: str, env: dict[str, str], reporting_round) -> dict:
    from django.urls import reverse

    path = reverse("readiness:round-remind", args=[reporting_round.pk])
    worker = start_worker(env, "db_worker", "--queue-name", "jobs", "--interval", "0.1")
    try:
        wait_for_workers([worker], queue="jobs")
        asks, clicks, on_worker, waits = [], [], [], []
        for _ in range(CLICKS):
            clear_reminders(reporting_round)
            status, _location, asked = post(base, path, cookie)  # the confirmation page
            assert status == 200, status
            status, location, seconds = post(base, path, cookie, {"confirm": "1"})
            job = wait_for_job(job_of(status, location))
            asks.append(asked)
            clicks.append(seconds)
            on_worker.append((job.finished_at - job.started_at).total_seconds())
            waits.append((job.started_at - job.created_at).total_seconds())
        reminded = reporting_round.reminders.count()
    finally:
        stop(worker)
    clear_reminders(reporting_round)
    return {
        "asks": asks,
        "clicks": clicks,
        "on_worker": on_worker,
        "waits": waits,
        "reminded": reminded,
    }


def measure_sending(workers: int, env, smtp: SmtpServer, reporting_round, actor) -> dict:
    processes = [start_worker(env) for _ in range(workers)]
    try:
        wait_for_workers(processes)
        smtp.reset()
        queued = queue_reminders(reporting_round, actor)
        cpu = cpu_seconds(processes)
        deadline = time.monotonic() + 600
        while smtp.count < queued or not all_sent():
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {smtp.count} of {queued} messages arrived")
            time.sleep(0.1)
        cpu = cpu_seconds(processes) - cpu
    finally:
        for process in processes:
            stop(process)
    return {
        "queued": queued,
        "received": smtp.count,
        "rate": smtp.rate(),
        "connections": smtp.connections(),
        "cpu_ms": 1000 * cpu / queued,
    }


def dashboard_samples(base: str, cookie: str, *, cycles: int = 0, until=None) -> dict:
    samples = {label: [] for label, _path in DASHBOARDS}
    n = 0
    while (until is None and n < cycles) or (until is not None and not until()):
        for label, path in DASHBOARDS:
            samples[label].append(fetch(base, path, None if path == "/healthz" else cookie))
        n += 1
    return samples


def measure_dashboards(base: str, cookie: str, env, smtp: SmtpServer, reporting_round, actor):
    dashboard_samples(base, cookie, cycles=5)  # warm: the figures are cached after this
    idle = dashboard_samples(base, cookie, cycles=IDLE_CYCLES)
    worker = start_worker(env)
    try:
        wait_for_workers([worker])
        smtp.reset()
        queued = queue_reminders(reporting_round, actor)
        while smtp.count == 0:
            time.sleep(0.01)
        # Only requests that met the sending: stop before the last messages, or after
        # BUSY_SECONDS (the load is the same throughout; the rest is not waited for).
        ends = time.monotonic() + BUSY_SECONDS
        busy = dashboard_samples(
            base,
            cookie,
            until=lambda: smtp.count >= 0.95 * queued or time.monotonic() > ends,
        )
        rate, received = smtp.rate(), smtp.count
    finally:
        stop(worker)
    clear_reminders(reporting_round)
    after = dashboard_samples(base, cookie, cycles=IDLE_CYCLES)
    return {
        "idle": idle,
        "busy": busy,
        "after": after,
        "rate": rate,
        "received": received,
        "queued": queued,
    }


def sized_register(scale: str, codes: list[str], offset: int) -> tuple[int, int, bytes]:
    """The register at `scale` × the realistic one; "max": the largest the form accepts."""
    from principals.services import MAX_UPLOAD_BYTES

    if scale != "max":
        organisers, units = (round(n * float(scale)) for n in REALISTIC)
        return organisers, units, register(organisers, units, codes, offset)
    times = math.floor(2 * MAX_UPLOAD_BYTES / len(register(*REALISTIC, codes, offset))) / 2
    while True:
        organisers, units = (round(n * times) for n in REALISTIC)
        content = register(organisers, units, codes, offset)
        if len(content) <= MAX_UPLOAD_BYTES:
            return organisers, units, content
        times -= 0.5


def measure_imports(base: str, cookie: str, env, server: subprocess.Popen) -> list[dict]:
    from django.urls import reverse

    from principals.models import ImportBatch, Municipality

    codes = list(Municipality.objects.values_list("code", flat=True))
    upload_path = reverse("principals:import-upload")
    results, offset = [], 0
    for scale in os.environ.get("BGBENCH_IMPORT_SCALES", "1,3,6,max").split(","):
        organisers, units, content = sized_register(scale, codes, offset)
        offset += organisers + units
        worker = start_worker(env)
        try:
            wait_for_workers([worker])
            resting = peak_memory_mb(worker.pid)
            started = time.perf_counter()
            status, location, upload = post(
                base, upload_path, cookie, file=("file", "register.json", content)
            )
            check = wait_for_job(job_of(status, location))
            planned = time.perf_counter() - started
            batch = ImportBatch.objects.defer("content").get(pk=check.params["batch"])
            assert batch.status == ImportBatch.Status.PLANNED, (batch.status, batch.report)
            apply_path = reverse("principals:import-apply", args=[batch.pk])
            started = time.perf_counter()
            status, location, confirm = post(base, apply_path, cookie)
            applied_job = wait_for_job(job_of(status, location))
            applied = time.perf_counter() - started
            batch.refresh_from_db()
            assert batch.status == ImportBatch.Status.APPLIED, batch.status
            peak = peak_memory_mb(worker.pid)
        finally:
            stop(worker)
        results.append(
            {
                "organisers": organisers,
                "units": units,
                "mb": len(content) / 1e6,
                "upload": upload,
                "planned": planned,
                "check": (check.finished_at - check.started_at).total_seconds(),
                "confirm": confirm,
                "applied": applied,
                "apply": (applied_job.finished_at - applied_job.started_at).total_seconds(),
                "created": len(batch.report.get("created", [])),
                "resting": resting,
                "peak": peak,
                "web_peak": children_peak_mb(server.pid),
            }
        )
        print(
            f"  imported {organisers} + {units} ({len(content) / 1e6:.1f} MB) in "
            f"{planned:.1f} + {applied:.1f} s, worker peak {peak:.0f} MB"
        )
    return results


# ---------------------------------------------------------------- report


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms (max {max(values) * 1000:.0f} ms)"


def report_clicks(clicks) -> None:
    print()
    print(f"1. Reminder click for {clicks['reminded']} organisers ({CLICKS} clicks, each after")
    print("   the round's reminders were cleared), through gunicorn, as programme staff:")
    verdict = "met" if max(clicks["clicks"]) < CLICK_TARGET else "NOT met"
    print(
        f"   confirmed POST (starts the job): median {ms(clicks['clicks'])}; "
        f"target < {CLICK_TARGET * 1000:.0f} ms: {verdict}"
    )
    print(f"   the confirmation page before it (computes who is reminded): {ms(clicks['asks'])}")
    print(
        f"   the job on a worker ({clicks['reminded']} reminders, history events and messages "
        "queued): median "
        f"{statistics.median(clicks['on_worker']):.1f} s (max {max(clicks['on_worker']):.1f} s), "
        f"after waiting {statistics.median(clicks['waits']):.2f} s in the queue"
    )


def report_sending(sending) -> None:
    print()
    print("2. Messages a second (local SMTP server; SMTP server's first to last message):")
    for workers, result in sending.items():
        print(
            f"   {workers} worker{'s' if workers > 1 else ''}: {result['rate']:.0f} messages/s "
            f"({result['rate'] / workers:.0f} per worker; {result['received']} received of "
            f"{result['queued']} queued; by connection {result['connections']}; worker CPU "
            f"{result['cpu_ms']:.1f} ms a message)"
        )
    print(f"   2 workers / 1 worker: {sending[2]['rate'] / sending[1]['rate']:.2f}×")


def report_dashboards(dashboards) -> None:
    print()
    print(f"3. Dashboards (ms) while 1 worker sends {dashboards['queued']} messages, against idle:")
    print(
        f"   {'page':40} {'idle p95':>9} {'busy p95':>9} {'× idle':>7} {'after p95':>10} "
        f"{'idle med':>9} {'busy med':>9} {'busy n':>7}"
    )
    for label, _path in DASHBOARDS:
        idle, busy, after = (dashboards[k][label] for k in ("idle", "busy", "after"))
        print(
            f"   {label:40} {p95(idle):9.1f} {p95(busy):9.1f} {p95(busy) / p95(idle):6.2f}× "
            f"{p95(after):10.1f} {statistics.median(idle):9.1f} {statistics.median(busy):9.1f} "
            f"{len(busy):7}"
        )
    print(
        f"   sending meanwhile: {dashboards['rate']:.0f} messages/s; {dashboards['received']} "
        f"of {dashboards['queued']} sent while the dashboards were sampled"
    )


def report_imports(imports) -> None:
    print()
    print("4. Browser import (upload → checked, confirmation → imported), a fresh worker each:")
    print(
        f"   {'register':>16} {'file':>8} {'upload':>7} {'→ checked':>10} {'(on worker)':>11} "
        f"{'confirm':>8} {'→ imported':>11} {'(on worker)':>11} {'records/s':>10} "
        f"{'worker peak':>12} {'web peak':>9}"
    )
    for r in imports:
        records = r["organisers"] + r["units"]
        print(
            f"   {r['organisers']:>6} + {r['units']:>7} {r['mb']:6.1f} MB {r['upload']:6.2f}s "
            f"{r['planned']:9.1f}s {r['check']:10.1f}s {r['confirm']:7.2f}s "
            f"{r['applied']:10.1f}s {r['apply']:10.1f}s {records / r['apply']:10.0f} "
            f"{r['peak']:9.0f} MB {r['web_peak']:6.0f} MB"
        )
    if imports:
        print(
            f"   worker at rest: about {statistics.median(r['resting'] for r in imports):.0f} MB; "
            "web peak: the largest gunicorn worker's peak so far"
        )


def main() -> int:
    if postgres_url_or_none() is None:
        print("bench/background_benchmark.py needs DATABASE_URL=postgres://... (skipped)")
        return 0
    with throwaway_database("bgbench", keep=bool(os.environ.get("BGBENCH_KEEP"))):
        return run(os.environ["DATABASE_URL"])


def run(bench_url: str) -> int:
    shared = shared_cache_url()
    os.environ.setdefault(
        "CACHE_URL", "redis://127.0.0.1:6379/10" if shared.startswith("redis") else shared
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from reporting import cache as page_cache
    from tests.portal.factories import staff_user

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    page_cache.clear()
    started = time.monotonic()
    generate()
    reporting_round = prepare()
    with connections["default"].cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Generated the data set in {time.monotonic() - started:.0f} s")
    staff = staff_user(username="bench-staff", email="bench-staff@bench.invalid")
    cookie = session_cookie(staff)

    smtp = SmtpServer()
    env = {**server_environment(bench_url), "EMAIL_URL": smtp.url, "PYTHONUNBUFFERED": "1"}
    server = None
    try:
        server, base = start_gunicorn(env)
        print(f"Cache: {os.environ['CACHE_URL'].split(':')[0]}; gunicorn 2 workers; {smtp.url}")
        parts = {
            "1": lambda: report_clicks(measure_clicks(base, cookie, env, reporting_round)),
            "2": lambda: report_sending(
                {n: measure_sending(n, env, smtp, reporting_round, staff) for n in (1, 2)}
            ),
            "3": lambda: report_dashboards(
                measure_dashboards(base, cookie, env, smtp, reporting_round, staff)
            ),
            "4": lambda: report_imports(measure_imports(base, cookie, env, server)),
        }
        for part in os.environ.get("BGBENCH_PARTS", "1,2,3,4").split(","):
            parts[part]()
    finally:
        if server is not None:
            stop(server)
        smtp.close()
        connections.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
