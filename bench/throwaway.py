"""A throwaway PostgreSQL database for one benchmark run, on the server DATABASE_URL names.

The benchmarks never touch the database DATABASE_URL points at: they create `<name>_<suffix>`
beside it, point DATABASE_URL there for the run, and drop it afterwards (unless kept).
"""

import contextlib
import os
from collections.abc import Iterator


def postgres_url_or_none() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


@contextlib.contextmanager
def throwaway_database(suffix: str, *, keep: bool = False) -> Iterator[str]:
    import environ
    import psycopg

    url = os.environ["DATABASE_URL"]
    config = environ.Env.db_url_config(url)
    name = f"{config['NAME']}_{suffix}"
    admin = psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    try:
        yield os.environ["DATABASE_URL"]
    finally:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()
        if keep:
            print(f"Kept database {name}")
        else:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
