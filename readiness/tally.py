"""The running tally of submitted answers: staff figures kept up to date as submissions arrive.

Counting every submitted answer afresh takes half a second at 5 000 organisers, and during an
open round each submission would make the next dashboard do it again. Instead, each change that
moves a figure adjusts a few counters in the same transaction: a submission, a return, a
register change to an organiser (type, county, pupils, active or not), an assessment deleted
with its organiser. The counters (AnswerCount) are kept per round × organiser type × county ×
size band, so the dashboards' filters by type, county and size band read a few hundred rows;
the filter by municipality, which the counters do not hold, is counted from the submissions.

What is counted per submission is the Python twin of readiness.queries' conditions (the live
figures), and tests/readiness/test_tally.py checks the two agree after random sequences of
submissions, returns and register changes. A new round starts tallied (it has no answers); a
round with answers from before (existing data after an upgrade, bulk loads) is tallied by a
worker the first time it is read (`ready`), and counted from the submissions until then.
`manage.py tally_rebuild` rebuilds every round and says whether anything had drifted.

What `counts` reads is kept per round under the round's tally version (`TalliedRound.changes`,
moved in the transaction of every counter change), so a submission re-reads its own round's
counters only (docs/adr/0016-kept-counts-per-round-and-per-request-versions.md).
"""

import hashlib
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from portal.request_memo import remembered
from principals.models import Principal, size_band_of

from .models import (
    AnswerCount,
    Assessment,
    AssessmentVersion,
    CountedSubmission,
    Indicator,
    ReportingRound,
    TalliedRound,
)
from .queries import TALLIED, counted_as, is_given

Types = Indicator.AnswerType

SUBMISSION = ""  # the code of the counters about the submission itself
SUBMITTED, READY, GIVEN = "#n", "#ready", "#a"

# (round, organiser type, county id, size band, code, answer) → [n, total]
Key = tuple[int, str, int, str, str, str]


def meets(indicator: Indicator, value) -> bool:
    """An answer that meets the indicator, as readiness.queries.achieved_condition counts it:
    whole numbers and free text always; the others when given among the options and achieved."""
    if indicator.answer_type in (Types.TEXT, Types.INTEGER):
        return True
    return counted_as(indicator, value)[2]


def contribution(indicators: Sequence[Indicator], answers: dict) -> dict[tuple[str, str], list]:
    """What one submission adds to the counters: {(code, answer): [n, total]}."""
    values = {code: (a or {}).get("value") for code, a in (answers or {}).items()}
    counts: dict[tuple[str, str], list] = {(SUBMISSION, SUBMITTED): [1, 0]}
    dnp = [i for i in indicators if i.is_dnp]
    if dnp and all(meets(i, values.get(i.code)) for i in dnp):
        counts[(SUBMISSION, READY)] = [1, 0]
    for indicator in indicators:
        value = values.get(indicator.code)
        if indicator.answer_type in TALLIED:
            if value is not None:
                counts[(indicator.code, json.dumps(value, sort_keys=True))] = [1, 0]
        elif is_given(indicator, value):
            total = value if indicator.answer_type == Types.INTEGER else 0
            counts[(indicator.code, GIVEN)] = [1, total]
    return counts


class _Indicators:
    """Each framework's indicators, read once per tally change."""

    def __init__(self):
        self._by_framework: dict[int, list[Indicator]] = {}

    def __call__(self, framework_id: int) -> list[Indicator]:
        if framework_id not in self._by_framework:
            self._by_framework[framework_id] = list(
                Indicator.objects.filter(framework_id=framework_id).order_by("order", "id")
            )
        return self._by_framework[framework_id]


def _add(deltas: dict[Key, list], prefix: tuple, counts: dict, sign: int) -> None:
    for (code, answer), (n, total) in counts.items():
        entry = deltas.setdefault((*prefix, code, answer), [0, 0])
        entry[0] += sign * n
        entry[1] += sign * total


def _apply(deltas: dict[Key, list]) -> None:
    """Add the deltas to the counters, in key order so concurrent changes never deadlock."""
    rows = [(key, n, total) for key, (n, total) in sorted(deltas.items()) if n or total]
    if not rows:
        return
    _moved({key[0] for key, _n, _total in rows})
    table = connection.ops.quote_name(AnswerCount._meta.db_table)
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
        params: list[Any] = []
        for key, n, total in chunk:
            params += [*key, n, Decimal(total)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (round_id, organiser_type, county_id, size_band, code, "  # noqa: S608 (our table)
                f"answer, n, total) VALUES {values} ON CONFLICT (round_id, organiser_type, "
                "county_id, size_band, code, answer) DO UPDATE SET "
                f"n = {table}.n + excluded.n, total = {table}.total + excluded.total",
                params,
            )


def _moved(round_ids: Iterable[int]) -> None:
    """Record that these rounds' counters change in this transaction (their kept counts are
    read afresh). The rows are locked in round order, before any counter, so two changes to
    the same rounds wait for each other instead of deadlocking."""
    rows = TalliedRound.objects.filter(round_id__in=sorted(round_ids)).order_by("round_id")
    locked = list(rows.select_for_update().values_list("round_id", flat=True))
    TalliedRound.objects.filter(round_id__in=locked).update(changes=F("changes") + 1)


def _dims(principal_values: dict) -> tuple[str, int, str]:
    return (
        principal_values["principal__organiser_type"],
        principal_values["principal__county_id"] or 0,
        size_band_of(principal_values["principal__pupils"]),
    )


def sync(assessments) -> int:
    """Bring the tally in step with these assessments (a queryset); returns how many moved.

    Call inside the transaction of the change. Each assessment counts once it is submitted with
    a current version and its organiser is active, under the organiser's type, county and size
    band as they are now; what it counted before is taken out first. Assessments of rounds not
    yet tallied are left to `ensure_tallied`, which will count them as they are then.
    """
    tallied = set(TalliedRound.objects.values_list("round_id", flat=True))
    if not tallied:
        return 0
    with transaction.atomic():
        rows = list(
            assessments.filter(round_id__in=tallied)
            .select_for_update(of=("self",))
            .order_by("pk")
            .values(
                "pk",
                "round_id",
                "state",
                "current_id",
                "round__framework_version_id",
                "principal__organiser_type",
                "principal__county_id",
                "principal__pupils",
                "principal__status",
            )
        )
        if not rows:
            return 0
        counted = {
            c.pk: c
            for c in CountedSubmission.objects.filter(assessment__in=[r["pk"] for r in rows])
        }
        moves = []
        for row in rows:
            wanted = None
            if (
                row["state"] == Assessment.State.SUBMITTED
                and row["current_id"]
                and row["principal__status"] == Principal.Status.ACTIVE
            ):
                wanted = (row["current_id"], *_dims(row))
            old = counted.get(row["pk"])
            had = (
                (old.version_id, old.organiser_type, old.county_id, old.size_band) if old else None
            )
            if wanted != had:
                moves.append((row, old, wanted))
        if moves:
            _move(moves)
        return len(moves)


def _move(moves: list) -> None:
    version_ids = {old.version_id for _row, old, _w in moves if old} | {
        wanted[0] for _row, _old, wanted in moves if wanted
    }
    versions = dict(
        AssessmentVersion.objects.filter(pk__in=version_ids).values_list("pk", "answers")
    )
    indicators = _Indicators()
    deltas: dict[Key, list] = {}
    keep, drop = [], []
    for row, old, wanted in moves:
        framework = indicators(row["round__framework_version_id"])
        if old:
            prefix = (row["round_id"], old.organiser_type, old.county_id, old.size_band)
            _add(deltas, prefix, contribution(framework, versions[old.version_id]), -1)
        if wanted:
            version_id, kind, county, band = wanted
            _add(
                deltas,
                (row["round_id"], kind, county, band),
                contribution(framework, versions[version_id]),
                1,
            )
            keep.append(
                CountedSubmission(
                    assessment_id=row["pk"],
                    round_id=row["round_id"],
                    version_id=version_id,
                    organiser_type=kind,
                    county_id=county,
                    size_band=band,
                )
            )
        else:
            drop.append(row["pk"])
    _apply(deltas)
    if drop:
        CountedSubmission.objects.filter(pk__in=drop).delete()
    if keep:
        CountedSubmission.objects.bulk_create(
            keep,
            update_conflicts=True,
            unique_fields=["assessment"],
            update_fields=["version", "organiser_type", "county_id", "size_band"],
        )


def forget(assessment_ids: Iterable[int]) -> None:
    """Take deleted assessments out of the tally (before they go, with their organiser)."""
    counted = list(
        CountedSubmission.objects.filter(assessment__in=list(assessment_ids)).select_related(
            "version", "round"
        )
    )
    if not counted:
        return
    indicators = _Indicators()
    deltas: dict[Key, list] = {}
    for c in counted:
        prefix = (c.round_id, c.organiser_type, c.county_id, c.size_band)
        framework = indicators(c.round.framework_version_id)
        _add(deltas, prefix, contribution(framework, c.version.answers), -1)
    _apply(deltas)
    CountedSubmission.objects.filter(pk__in=[c.pk for c in counted]).delete()


def rebuild(reporting_round: ReportingRound) -> bool:
    """Count the round afresh from its submissions; returns whether the counters had drifted."""
    with transaction.atomic():
        ReportingRound.objects.select_for_update().get(pk=reporting_round.pk)
        before = _snapshot(reporting_round.pk)
        was_tallied = TalliedRound.objects.filter(round=reporting_round).exists()
        AnswerCount.objects.filter(round=reporting_round).delete()
        CountedSubmission.objects.filter(round=reporting_round).delete()
        TalliedRound.objects.update_or_create(
            round=reporting_round, defaults={"built_at": timezone.now()}
        )
        _moved([reporting_round.pk])
        sync(Assessment.objects.filter(round=reporting_round))
        return was_tallied and before != _snapshot(reporting_round.pk)


def _snapshot(round_id: int) -> dict:
    return {
        tuple(key): (n, total)
        for *key, n, total in AnswerCount.objects.filter(round_id=round_id)
        .exclude(n=0, total=0)
        .values_list("organiser_type", "county_id", "size_band", "code", "answer", "n", "total")
    }


def ensure_tallied(round_ids: Iterable[int]) -> None:
    """Tally the rounds that have never been (existing data, bulk loads), here and now."""
    missing = set(round_ids) - set(
        TalliedRound.objects.filter(round_id__in=set(round_ids)).values_list("round_id", flat=True)
    )
    for reporting_round in ReportingRound.objects.filter(pk__in=missing):
        rebuild(reporting_round)


def _tally_versions() -> dict[int, tuple]:
    """{round id: (built at, changes)} of every tallied round (a row per round), once per
    reading request."""
    return remembered(
        "readiness.tally_versions",
        lambda: {
            round_id: (built_at.isoformat(), changes)
            for round_id, built_at, changes in TalliedRound.objects.values_list(
                "round_id", "built_at", "changes"
            )
        },
    )


def ready(round_ids: Iterable[int]) -> bool:
    """Whether the tally holds all these rounds; asks a worker to tally any that it does not.

    Tallying a round reads all its submissions (about 1.5 s at 5 000 organisers), too slow for
    a request: until the worker is done, callers count from the submissions as before.
    """
    missing = set(round_ids) - set(_tally_versions())
    for round_id in sorted(missing):
        if cache.add(f"readiness:tally-requested:{round_id}", True, 10 * 60):
            from .tasks import build_tally

            build_tally.enqueue(round_id)
    return not missing


COUNTS_TIMEOUT = 60 * 60
COUNTS_PREFIX = "readiness:tally-counts:1:"


def counts(
    *,
    round_ids: Iterable[int],
    by: Sequence[str] = (),
    codes: Iterable[str] | None = None,
    answers: Iterable[str] | None = None,
    organiser_type: str = "",
    county_id: int | None = None,
    size_band: str = "",
) -> dict[tuple, dict[str, dict[str, list]]]:
    """{(round id, *by values): {code: {answer: [n, total]}}} summed over the other dimensions.

    `by` names further dimensions to keep ("organiser_type", "county_id"); the filters keep
    one organiser type, county (None for all; 0 for none given) or size band. Only for rounds
    that are `ready`.

    Each round's counts are kept in the cache under the round's tally version (TalliedRound:
    when it was built and how often its counters changed since), read before the counters, so
    kept counts are never older than their version. A submission re-reads its own round only.
    """
    round_ids = sorted(set(round_ids))
    codes = None if codes is None else sorted(set(codes))
    answers = None if answers is None else sorted(set(answers))
    query = (tuple(by), codes, answers, organiser_type, county_id, size_band)
    versions = _tally_versions()
    keys = {
        round_id: COUNTS_PREFIX
        + hashlib.sha256(repr((round_id, versions[round_id], query)).encode()).hexdigest()
        for round_id in round_ids
        if round_id in versions
    }
    kept = cache.get_many(list(keys.values())) if keys else {}
    per_round = {r: kept[keys[r]] for r in round_ids if r in keys and keys[r] in kept}
    missing = [r for r in round_ids if r not in per_round]
    if missing:
        read = _read_counts(missing, by, codes, answers, organiser_type, county_id, size_band)
        cache.set_many({keys[r]: read.get(r, {}) for r in missing if r in keys}, COUNTS_TIMEOUT)
        per_round.update({r: read.get(r, {}) for r in missing})
    return {
        (round_id, *rest): counted
        for round_id in round_ids
        for rest, counted in per_round[round_id].items()
    }


def _read_counts(
    round_ids, by, codes, answers, organiser_type, county_id, size_band
) -> dict[int, dict[tuple, dict[str, dict[str, list]]]]:
    """{round id: {(*by values): {code: {answer: [n, total]}}}} from the counters."""
    rows = AnswerCount.objects.filter(round_id__in=round_ids)
    if codes is not None:
        rows = rows.filter(code__in=codes)
    if answers is not None:
        rows = rows.filter(answer__in=answers)
    if organiser_type:
        rows = rows.filter(organiser_type=organiser_type)
    if county_id is not None:
        rows = rows.filter(county_id=county_id)
    if size_band:
        rows = rows.filter(size_band=size_band)
    result: dict[int, dict[tuple, dict[str, dict[str, list]]]] = {}
    for row in (
        rows.order_by()
        .values("round_id", *by, "code", "answer")
        .annotate(n_sum=Sum("n"), total_sum=Sum("total"))
    ):
        if not row["n_sum"]:
            continue
        group = result.setdefault(row["round_id"], {}).setdefault(
            tuple(row[name] for name in by), {}
        )
        group.setdefault(row["code"], {})[row["answer"]] = [
            row["n_sum"],
            row["total_sum"] or 0,
        ]
    return result
