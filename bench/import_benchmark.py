"""Import 5 000 generated organisers and 20 000 school units and print how long it took.

Needs PostgreSQL: DATABASE_URL=postgres://user@host:5432/anything .venv/bin/python
bench/import_benchmark.py. It creates its own throwaway database (the name in DATABASE_URL
with the suffix _importbench), migrates it, imports twice (the second run must change
nothing) and drops it again. Target: under 60 seconds for the first import on 2 cores.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway import postgres_url_or_none, throwaway_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

ORGANISERS = 5_000
UNITS = 20_000


def generate(directory: Path, municipality_codes: list[str]) -> list[str]:
    from stdnum.se import orgnr

    organisers, numbers = [], []
    for i in range(ORGANISERS):
        body = f"5999{i:05d}"
        number = orgnr.format(body + orgnr.luhn.calc_check_digit(body))
        numbers.append(number)
        organisers.append(
            {
                "organizationNumber": number,
                "displayName": f"Benchmark-huvudman {i}",
                "organizerType": "ENSKILD",
                "municipalities": [municipality_codes[i % len(municipality_codes)]],
                "email": f"info{i}@bench.invalid",
            }
        )
    units = [
        {
            "schoolUnitCode": f"{80_000_000 + i}",
            "displayName": f"Benchmark-skola {i}",
            "status": "AKTIV",
            "schoolTypes": ["GR"],
            "municipalityCode": municipality_codes[i % len(municipality_codes)],
            "organizerOrganizationNumber": numbers[i % ORGANISERS],
            "startDate": "2010-08-01",
        }
        for i in range(UNITS)
    ]
    paths = [directory / "organizers.json", directory / "school_units.json"]
    paths[0].write_text(json.dumps({"data": {"type": "organizer", "attributes": organisers}}))
    paths[1].write_text(json.dumps({"data": {"type": "schoolunit", "attributes": units}}))
    return [str(p) for p in paths]


def main() -> int:
    if postgres_url_or_none() is None:
        print("bench/import_benchmark.py needs DATABASE_URL=postgres://... (skipped)")
        return 0
    with throwaway_database("importbench"):
        return run()


def run() -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from principals.importer import parse_paths, run_import
    from principals.models import Municipality, Principal, SchoolUnit

    call_command("migrate", verbosity=0)
    codes = list(Municipality.objects.values_list("code", flat=True))
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(Path(tmp), codes)
        started = time.monotonic()
        plan = run_import(parse_paths(paths), actor="benchmark", source="benchmark")
        first = time.monotonic() - started
        started = time.monotonic()
        again = run_import(parse_paths(paths), actor="benchmark", source="benchmark")
        second = time.monotonic() - started
    print(
        f"Import of {ORGANISERS} organisers and {UNITS} school units: {first:.1f} s "
        f"({len(plan.created)} created; {Principal.objects.count()} organisers and "
        f"{SchoolUnit.objects.count()} units in the database)"
    )
    print(
        f"Second import of the same files: {second:.1f} s, "
        f"{len(again.created) + len(again.changed)} created or changed (must be 0)"
    )
    ok = first < 60 and not again.created and not again.changed
    print("OK: under 60 s" if ok else "NOT OK: target is under 60 s and an idempotent rerun")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
