import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_ok_with_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def _healthz_in_a_process(**environment) -> str:
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz')\n"
        "print(r.status_code, r.content.decode().strip())\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **environment}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result.stdout.strip() or result.stderr


def test_healthz_503_when_database_unreachable():
    """A real portal process whose database refuses connections answers 503."""
    answer = _healthz_in_a_process(DATABASE_URL="postgres://nobody@127.0.0.1:1/unreachable")
    assert answer == "503 database unavailable"


def test_healthz_503_when_the_shared_cache_is_unreachable():
    """With Redis as the shared cache (production), a Redis that refuses connections is 503:
    sessions and login limits live there, so the server cannot serve anyone."""
    answer = _healthz_in_a_process(CACHE_URL="redis://127.0.0.1:1/0")
    assert answer == "503 cache unavailable"
