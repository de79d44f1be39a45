"""Real processes against PostgreSQL: a local SMTP server, workers and app servers.

The test process writes committed data (transactional tests) into the test database; the
processes started here get that database's name in DATABASE_URL, the same shared cache
(CACHE_URL and the xdist worker number are inherited, so config/settings/test.py picks the same
Redis database), the database task backend (TASKS_IN_DATABASE=1) and, for mail, EMAIL_URL
pointing at the SMTP server below.
"""

import contextlib
import email.parser
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database (not the configured one) as a URL for another process.

    Its commits do not wait for the disk (synchronous_commit=off): these tests kill processes,
    not the database server, and every other session sees a commit at once all the same."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    address = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{auth}@{address}/{s['NAME']}?options=-c%20synchronous_commit%3Doff"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, interval: float = 0.05, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what or condition}")
        time.sleep(interval)


# ---------------------------------------------------------------- SMTP server


@dataclass(frozen=True)
class Received:
    recipients: tuple[str, ...]
    message_id: str


@dataclass
class SmtpRecorder:
    """aiosmtpd handler: records every DATA it accepts, and refuses every n-th for now."""

    refuse_every: int = 0
    received: list[Received] = field(default_factory=list)
    refused: list[Received] = field(default_factory=list)
    data_commands: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set the moment the server accepts message number `signal_at` (before its 250 reaches
    # the sender), so a test can kill the sender inside its worst window.
    signal_at: int = 0
    accepted_signal: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):
        headers = email.parser.BytesHeaderParser(policy=email.policy.SMTP).parsebytes(
            envelope.content
        )
        item = Received(tuple(envelope.rcpt_tos), str(headers["Message-ID"]))
        with self.lock:
            self.data_commands += 1
            if self.refuse_every and self.data_commands % self.refuse_every == 0:
                self.refused.append(item)
                return "451 4.3.0 try again later"
            self.received.append(item)
            if len(self.received) == self.signal_at:
                self.accepted_signal.set()
        return "250 2.0.0 OK"

    @property
    def count(self) -> int:
        return len(self.received)

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.received)


@pytest.fixture
def smtp_server():
    """A local SMTP server in a thread; `.handler` is its SmtpRecorder, `.url` its EMAIL_URL."""
    handler = SmtpRecorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    controller.url = f"smtp://127.0.0.1:{port}"
    try:
        yield controller
    finally:
        controller.stop()


# ---------------------------------------------------------------- processes


def process_environment(**extra: str) -> dict[str, str]:
    """The test process's environment (less any EMAIL_URL: mail goes where a test says)."""
    env = {
        **{name: value for name, value in os.environ.items() if name != "EMAIL_URL"},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TASKS_IN_DATABASE": "1",
        "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    return env


class Process:
    """One started process with its output in a file, to show when a test fails."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.command = command
        self.env = env
        self.log_dir = log_dir
        self.popen: subprocess.Popen | None = None
        self.starts = 0
        self.kills = 0

    @property
    def log(self) -> Path:
        return self.log_dir / f"{self.name}-{self.starts}.log"

    def start(self) -> "Process":
        assert self.popen is None or self.popen.poll() is not None, f"{self.name} is running"
        self.starts += 1
        with open(self.log, "wb") as out:
            self.popen = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a group of its own: gunicorn's workers go with it
            )
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def check_alive(self) -> None:
        if self.popen is not None and self.popen.poll() is not None:
            raise AssertionError(
                f"{self.name} stopped (exit {self.popen.returncode}):\n{self.output()}"
            )

    def kill(self) -> None:
        """SIGKILL to the process and any children: no cleanup, no commit, as when a machine
        dies."""
        assert self.alive(), f"{self.name} is not running"
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)
        self.kills += 1

    def restart(self) -> "Process":
        if self.alive():
            self.kill()
        return self.start()

    def stop(self) -> None:
        """At the end of a test: killed with its children (nothing is left to finish, and the
        database server drops their connections at once)."""
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def output(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.log_dir.glob(f"{self.name}-*.log"))
        )


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture
def system(request, postgres_only, tmp_path):
    """Start worker and app server processes; all are stopped when the test ends (before the
    test database is emptied), and their output is shown when the test failed."""
    started: list[Process] = []

    class System:
        def worker(self, name: str = "worker", **env: str) -> Process:
            command = [
                sys.executable,
                "manage.py",
                "worker",
                "--interval",
                "0.1",
                "--verbosity",
                "0",
            ]
            process = Process(name, command, process_environment(**env), tmp_path)
            started.append(process)
            return process.start()

        def app_server(self, name: str, **env: str) -> "AppServer":
            port = free_port()
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "60",
            ]
            process = AppServer(name, command, process_environment(**env), tmp_path)
            process.url = f"http://127.0.0.1:{port}"
            started.append(process)
            process.start()
            return process

    yield System()
    for process in started:
        process.stop()
    if request.node.stash.get(FAILED, False):
        for process in started:
            print(process.output())


class AppServer(Process):
    url: str

    def wait_ready(self, timeout: float = 30) -> None:
        import requests

        def answers() -> bool:
            self.check_alive()
            try:
                return requests.get(f"{self.url}/healthz", timeout=10).status_code == 200
            except (requests.ConnectionError, requests.Timeout):
                return False

        wait_until(answers, timeout=timeout, interval=0.2, what=f"{self.name} at {self.url}")


def require_shared_cache() -> None:
    """Several app servers share sessions, sign-ins and login counts through the cache."""
    if settings.SHARED_CACHE:
        return
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail("REQUIRE_POSTGRES=1 but CACHE_URL is not a shared cache", pytrace=False)
    pytest.skip("two app servers need a shared cache: set CACHE_URL=redis://...")


@pytest.fixture
def tasks_in_database():
    """Tasks enqueued by this test process are written to the database for a worker, not run
    at once (django.tasks drops its cached backends when TASKS changes)."""
    queues = settings.TASKS["default"]["QUEUES"]
    backend = {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": queues}
    with override_settings(TASKS={"default": backend}):
        yield
