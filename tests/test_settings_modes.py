"""Every settings module loads, and production passes `check --deploy` with no warning."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 60 + "-production-test-only-" + "y" * 20,
    "ALLOWED_HOSTS": "skoldigistod.example.se",
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
    "EMAIL_URL": "smtp://mailer:secret@smtp.example.se:587/?tls=True",
}


def run_manage(settings: str, *args: str, extra_env: dict | None = None):
    drop = ("DATABASE_URL", "SECRET_KEY", "EMAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(DJANGO_SETTINGS_MODULE=f"config.settings.{settings}", **(extra_env or {}))
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("mode", ["local", "test"])
def test_development_modes_load(mode):
    result = run_manage(mode, "check")
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_secrets():
    result = run_manage("production", "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_check_deploy_is_clean():
    result = run_manage(
        "production", "check", "--deploy", "--fail-level", "WARNING", extra_env=PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_logs_one_json_object_per_line():
    code = "import logging; logging.getLogger('portal').warning('hej %s', 'världen')"
    result = run_manage("production", "shell", "-c", code, extra_env=PRODUCTION_ENV)
    line = result.stderr.strip().splitlines()[-1]
    import json

    entry = json.loads(line)
    assert entry["message"] == "hej världen" and entry["level"] == "WARNING"
