"""Start the test identity providers as separate processes on 127.0.0.1 (pytest fixtures and
`manage.py run_test_idps` use this)."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def ensure_free(port: int) -> None:
    """Fail at once if something else (say `make idps`) already listens on the port: the
    tests would otherwise talk to that process instead of their own."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is taken by another process; stop it first")


def wait_for_port(port: int, process, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the test IdP exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the test IdP did not listen on port {port}")


@contextmanager
def saml_idp(port: int, *, base_url: str, sp_metadata: list[str]):
    """The pysaml2 test IdP; yields its base URL."""
    command = [sys.executable, "-m", "tests.idp.saml_idp", "--port", str(port)]
    command += ["--base-url", base_url]
    for source in sp_metadata:
        command += ["--sp-metadata", source]
    ensure_free(port)
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    try:
        wait_for_port(port, process)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def oidc_op(port: int, *, redirect_uris: list[str], base_url: str = ""):
    """The test OpenID Connect provider (tests/oidc_op, django-oidc-provider); yields its
    issuer."""
    base_url = (base_url or f"http://127.0.0.1:{port}").rstrip("/")
    command = [sys.executable, "-m", "tests.oidc_op.run", "--port", str(port)]
    command += ["--base-url", base_url]
    for uri in redirect_uris:
        command += ["--redirect-uri", uri]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CACHE_URL"):
        env.pop(name, None)
    ensure_free(port)
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_for_port(port, process)
        yield base_url + "/openid"
    finally:
        process.terminate()
        process.wait(timeout=10)
