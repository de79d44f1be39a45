"""Build the full final report at 5 000 organisers and 8 reporting rounds; print time and memory.

Needs PostgreSQL: DATABASE_URL=postgres://user@host:5432/anything .venv/bin/python
bench/report_benchmark.py. It creates its own throwaway database (the name in DATABASE_URL with
the suffix _reportbench), migrates it, generates the data, builds the report's context, renders
its HTML, PDF/A and XLSX, and drops the database again. Target: the whole report under 15 s and
under 500 MB peak memory on 2 cores. A benchmark, not a timed test.

Each build of the report's context starts on an emptied figure cache (reporting/cache.py), so
it computes every figure and its query count is that of a first build; otherwise a build after
another (or after an earlier run on the same shared cache, whose ids are the same) would read
the figures computed before and count only part of the queries. REPORTBENCH_RUNS=N (default 1)
builds the context N times, each on an emptied cache, and prints each build; the total uses
their median. REPORTBENCH_SUFFIX names the throwaway database (default reportbench).
"""

import datetime
import io
import logging
import os
import random
import resource
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway import postgres_url_or_none, throwaway_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

ORGANISERS = 5_000
ROUNDS = 8
ACTIVITIES = 60
RUNS = int(os.environ.get("REPORTBENCH_RUNS", "1"))  # context builds, each on an emptied cache
SUFFIX = os.environ.get("REPORTBENCH_SUFFIX", "reportbench")


def generate() -> object:
    """Organisers, 8 closed rounds of submitted self-assessments and a busy 2020 agreement."""
    from stdnum.se import orgnr

    from agreement import data_2020
    from agreement.models import Activity, Cost, Deliverable, Milestone, Partner
    from principals.models import County, Principal
    from readiness.demo import _answer, _difficulty
    from readiness.models import Assessment, AssessmentVersion, ReportingRound
    from readiness.services import framework_load_default

    rng = random.Random(2026)
    counties = list(County.objects.all())
    kinds = ["KOMMUN"] * 290 + ["REGION"] * 21 + ["ENSKILD"] * (ORGANISERS - 311)
    principals = []
    for i, kind in enumerate(kinds):
        body = f"{'2' if kind != 'ENSKILD' else '5'}5{i:07d}"[:9]
        principals.append(
            Principal(
                organisation_number=orgnr.format(body + orgnr.luhn.calc_check_digit(body)),
                name=f"Benchmark-huvudman {i}",
                organiser_type=kind,
                county=counties[i % len(counties)],
                pupils=rng.randint(20, 20_000),
                may_be_named=rng.random() < 0.3,
                is_demo=True,
            )
        )
    principals = Principal.objects.bulk_create(principals, batch_size=1000)
    framework, _created = framework_load_default(actor="benchmark")
    indicators = list(framework.indicators.all())
    start = datetime.date(2019, 3, 1)
    for r in range(ROUNDS):
        opens = start + datetime.timedelta(days=182 * r)
        reporting_round = ReportingRound.objects.create(
            name=f"Benchmark-omgång {r + 1}",
            opens_on=opens,
            closes_on=opens + datetime.timedelta(days=45),
            framework_version=framework,
        )
        chosen = [p for p in principals if rng.random() < 0.85]
        assessments = Assessment.objects.bulk_create(
            [Assessment(principal=p, round=reporting_round, state="submitted") for p in chosen],
            batch_size=2000,
        )
        versions = []
        for assessment in assessments:
            level = min(1.0, 0.15 + 0.1 * r + rng.uniform(-0.1, 0.1))
            answers = {
                i.code: {
                    "value": _answer(i, level, _difficulty(assessment.principal, i), rng),
                    "comment": "",
                }
                for i in indicators
            }
            versions.append(
                AssessmentVersion(
                    assessment=assessment,
                    number=1,
                    kind="submitted",
                    framework_version=framework,
                    answers=answers,
                    created_by_label="benchmark",
                )
            )
        versions = AssessmentVersion.objects.bulk_create(versions, batch_size=2000)
        for assessment, version in zip(assessments, versions, strict=True):
            assessment.current = version
        Assessment.objects.bulk_update(assessments, ["current"], batch_size=2000)

    agreement, _created = data_2020.load()
    partners = [Partner.objects.get_or_create(name=n)[0] for n in ("Inera", "SKL Kommentus")]
    initiatives = list(agreement.initiatives.all())
    through = Deliverable.principals.through
    links = []
    for a in range(ACTIVITIES):
        activity = Activity.objects.create(
            agreement=agreement,
            title=f"Benchmark-insats {a}",
            status=Activity.Status.COMPLETED,
            planned_start=datetime.date(2021, 1, 1),
            planned_end=datetime.date(2022, 12, 1),
        )
        activity.initiatives.set([initiatives[a % len(initiatives)]])
        activity.partners.set(partners[: 1 + a % 2])
        Milestone.objects.bulk_create(
            Milestone(
                activity=activity,
                title=f"Delmål {m}",
                due_on=datetime.date(2021, 1 + m, 1),
                completed_on=datetime.date(2021, 1 + m, 1),
            )
            for m in range(4)
        )
        Cost.objects.bulk_create(
            Cost(
                activity=activity,
                incurred_on=datetime.date(year, 6, 1),
                amount=Decimal(rng.randint(10_000, 90_000)),
                category=rng.choice(Cost.Category.values),
            )
            for year in (2020, 2021, 2022)
        )
        for d in range(5):
            deliverable = Deliverable.objects.create(
                activity=activity,
                kind=rng.choice(Deliverable.Kind.values),
                title=f"Leverans {a}-{d}",
                delivered_on=datetime.date(2021, 3, 1) + datetime.timedelta(days=30 * d),
                participants=rng.randint(10, 400),
            )
            links += [
                through(deliverable=deliverable, principal=p) for p in rng.sample(principals, 40)
            ]
    through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
    return agreement


def main() -> int:
    if postgres_url_or_none() is None:
        print("bench/report_benchmark.py needs DATABASE_URL=postgres://... (skipped)")
        return 0
    with throwaway_database(SUFFIX):
        return run()


def run() -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from reporting.final_report import content as final_report
    from reporting.final_report import services
    from reporting.final_report.render import html_to_pdf, render_document, report_workbook

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    agreement = generate()
    print(f"Generated {ORGANISERS} organisers and {ROUNDS} rounds in "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip
    started = time.monotonic()
    call_command("publish_rounds", verbosity=0, stdout=io.StringIO())
    print(f"Published the closed rounds in {time.monotonic() - started:.1f} s")
    from reporting import cache as page_cache

    report = services.report_create(agreement=agreement, actor="benchmark")
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report.sections.update(body="Benchmarktext.\n\n- en punkt\n- en till")

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    timings = {}
    builds = []
    for number in range(1, RUNS + 1):
        # Every build computes its figures afresh: none left by the build before, by publishing
        # or by an earlier run on the same shared cache (the same ids give the same keys).
        page_cache.clear()
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            t = time.monotonic()
            content = final_report.build(report)
            builds.append((time.monotonic() - t, len(queries)))
        if RUNS > 1:
            seconds, count = builds[-1]
            print(f"  build {number}: {seconds:6.2f} s, {count} queries (on an emptied cache)")
    timings["context"] = statistics.median(seconds for seconds, _count in builds)
    query_counts = sorted({count for _seconds, count in builds})
    t = time.monotonic()
    html = render_document(content)
    timings["HTML"] = time.monotonic() - t
    t = time.monotonic()
    pdf = html_to_pdf(html)
    timings["PDF/A"] = time.monotonic() - t
    t = time.monotonic()
    xlsx = report_workbook(content.snapshot())
    timings["XLSX"] = time.monotonic() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = sum(timings.values())
    for name, seconds in timings.items():
        print(f"  {name:<8} {seconds:6.2f} s")
    print(
        f"Full report: {total:.1f} s, {'/'.join(map(str, query_counts))} queries for the context"
        f"{f' (median of {RUNS} builds)' if RUNS > 1 else ''}; "
        f"{len(content.tables)} tables, HTML {len(html) // 1024} kB, "
        f"PDF {len(pdf) // 1024} kB, XLSX {len(xlsx) // 1024} kB"
    )
    print(
        f"Peak memory (process RSS): {rss_mb:.0f} MB, of which {before_mb:.0f} MB before "
        "the report was built (generating the data)"
    )
    ok = total < 15 and rss_mb < 500
    print("OK: under 15 s and 500 MB" if ok else "NOT OK: target is under 15 s and 500 MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
