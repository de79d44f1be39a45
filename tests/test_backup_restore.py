"""bin/backup-restore-check dumps, restores into a fresh database and compares row counts."""

import importlib.util
import subprocess
import sys
from importlib.machinery import SourceFileLoader
from pathlib import Path

import pytest
from django.db import connection

from tests.portal.factories import UserFactory
from tests.principals.factories import MembershipFactory

SCRIPT = Path(__file__).resolve().parent.parent / "bin" / "backup-restore-check"


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def run_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def leftover_databases() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", ["%restorecheck%"])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_dump_restore_and_identical_counts(postgres_only, tmp_path):
    MembershipFactory.create_batch(3)
    UserFactory.create_batch(4)
    before = leftover_databases()
    dump = tmp_path / "backup.dump"
    result = run_check(database_url(), "--keep-dump", str(dump))
    assert result.returncode == 0, result.stdout + result.stderr
    assert dump.stat().st_size > 0
    rows = {
        line.split()[0]: line.split()[1:3]
        for line in result.stdout.splitlines()
        if line.startswith("public.")
    }
    assert rows["public.auth_user"] == ["7", "7"]
    assert rows["public.principals_membership"] == ["3", "3"]
    assert rows["public.principals_municipality"] == ["290", "290"]
    assert "OK:" in result.stdout
    assert leftover_databases() == before


@pytest.mark.django_db(transaction=True)
def test_unreachable_database_is_an_error(postgres_only):
    url = database_url().rsplit("/", 1)[0] + "/no_such_database_here"
    result = run_check(url)
    assert result.returncode == 2
    assert "no_such_database_here" in result.stderr


def test_missing_url_is_an_error(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr


def test_any_difference_fails_the_comparison():
    loader = SourceFileLoader("backup_restore_check", str(SCRIPT))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    source = {"public.a": 3, "public.b": 0, "public.c": 5}
    assert module.compare(source, dict(source)) == []
    assert module.compare(source, {**source, "public.a": 2}) == ["public.a"]
    assert module.compare(source, {"public.a": 3, "public.b": 0}) == ["public.c"]
    text = module.report(source, {"public.a": 2, "public.b": 0}, ["public.a", "public.c"])
    assert "public.a" in text and "DIFFERS" in text
