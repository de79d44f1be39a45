"""How long the browser import of Skolverket's register takes, against gunicorn's 30 s timeout.

Needs PostgreSQL: DATABASE_URL=postgres://user@host:5432/anything .venv/bin/python
bench/import_benchmark.py. It creates its own throwaway database (the name in DATABASE_URL
with the suffix _importbench), and for growing registers (the realistic one first: 1 100
organisers and 10 000 school units, in one combined file) times the two requests the browser
makes: the upload (parse, validate, plan) and the confirmation (plan again, apply, record a
history event per record), then the confirmation of the same file once more (nothing changes).
It prints seconds, records per second, queries, and each request's share of the 30 s timeout.
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway import postgres_url_or_none, throwaway_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

REALISTIC = (1_100, 10_000)
SCALES = (1, 2, 3)
TIMEOUT = 30.0  # the target: gunicorn's timeout, which the work (now on a worker) used to meet


def register(organisers: int, units: int, municipality_codes: list[str], offset: int) -> bytes:
    from stdnum.se import orgnr

    records, numbers = [], []
    for i in range(organisers):
        body = f"559{offset + i:06d}"
        number = orgnr.format(body + orgnr.luhn.calc_check_digit(body))
        numbers.append(number)
        records.append(
            {
                "organizationNumber": number,
                "displayName": f"Benchmark-huvudman {offset + i}",
                "organizerType": "ENSKILD",
                "municipalities": [municipality_codes[i % len(municipality_codes)]],
                "email": f"info{offset + i}@bench.invalid",
                "phone": "08-555 00 00",
                "pupils": 100 + i % 900,
            }
        )
    school_units = [
        {
            "schoolUnitCode": f"{10_000_000 + offset * 10 + i}",
            "displayName": f"Benchmark-skola {offset * 10 + i}",
            "status": "AKTIV",
            "schoolUnitType": "SKOLENHET",
            "schoolTypes": ["GR", "FTH"],
            "municipalityCode": municipality_codes[i % len(municipality_codes)],
            "organizerOrganizationNumber": numbers[i % organisers],
            "startDate": "2010-08-01",
        }
        for i in range(units)
    ]
    return json.dumps({"organizers": records, "schoolUnits": school_units}).encode()


def main() -> int:
    if postgres_url_or_none() is None:
        print("bench/import_benchmark.py needs DATABASE_URL=postgres://... (skipped)")
        return 0
    with throwaway_database("importbench"):
        return run()


def timed(function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.monotonic()
        result = function()
        seconds = time.monotonic() - started
    return result, seconds, len(queries)


def run() -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from principals import services
    from principals.models import ImportBatch, Municipality

    call_command("migrate", verbosity=0)
    codes = list(Municipality.objects.values_list("code", flat=True))
    user = get_user_model().objects.create(username="import-benchmark")
    ok = True
    offset = 0

    def checked(content: bytes):
        """The upload stores the file and queues the check; the check (a job) takes the time."""
        batch = services.import_batch_create(
            actor=user, filename="register.json", content=content, full=False, skip_invalid=False
        )
        return services.import_batch_check(batch=batch)

    for scale in SCALES:
        organisers, units = REALISTIC[0] * scale, REALISTIC[1] * scale
        content = register(organisers, units, codes, offset)
        offset += organisers + units
        records = organisers + units
        batch, upload, upload_q = timed(lambda content=content: checked(content))
        batch, apply, apply_q = timed(
            lambda batch=batch: services.import_batch_apply(batch=batch, actor=user)
        )
        again = checked(content)
        again, rerun, rerun_q = timed(
            lambda again=again: services.import_batch_apply(batch=again, actor=user)
        )
        created = len(batch.report["created"])
        print(
            f"{organisers} organisers + {units} school units ({len(content) / 1e6:.1f} MB): "
            f"check {upload:.1f} s ({upload / TIMEOUT:.0%} of 30 s, {upload_q} queries), "
            f"apply {apply:.1f} s ({apply / TIMEOUT:.0%} of 30 s, {apply_q} queries, "
            f"{records / apply:.0f} records/s, {created} created), "
            f"unchanged again {rerun:.1f} s ({rerun_q} queries, "
            f"{len(again.report['changed'])} changed)"
        )
        if scale == 1:
            ok = apply < TIMEOUT and upload < TIMEOUT and batch.status == "applied"
        ImportBatch.objects.all().delete()
    print("OK: the realistic register applies within 30 s" if ok else "NOT OK: over 30 s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
