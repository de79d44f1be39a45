"""The live figures of the dashboards, for staff: readiness per round and the programme.

Aggregation happens in the database: one query returns counts for whole groups (organiser
type × county, round, quarter), and Python only adds up that bounded number of group rows.
Answers to questions with options are counted per distinct answer (readiness.queries'
`answer_tally`), and Python maps those few hundred answers to options with readiness' own
rules; every condition on an answer comes from readiness.queries too. Each public function
takes keyword-only arguments and returns plain dataclasses, so the dashboards, the exports,
open data and the final report all show the same figures. The costly ones are `@cached`
(reporting/cache.py): kept until any data behind them changes; `.uncached` computes.

These are the live, full figures that staff see. Outside readers (government viewers,
organisers, the public) never get them: they read each closed round's stored publication
(reporting/publication.py) and the programme's reach as protected by reporting/disclosure.py.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    BigIntegerField,
    Case,
    Count,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, TruncQuarter
from django.utils.translation import gettext_lazy as _

from agreement.models import (
    ActivityBudget,
    Agreement,
    Cost,
    Deliverable,
    FundingYear,
    Initiative,
    Milestone,
    ProgressUpdate,
)
from agreement.models import Rating as ActivityRating
from principals.models import SIZE_BANDS, County, Municipality, Principal
from readiness import selectors as readiness_selectors
from readiness import tally as running_tally
from readiness.models import Assessment, Indicator, ReportingRound
from readiness.queries import (
    TALLIED,
    AnswerJsonText,
    achieved_condition,
    answer_tally,
    answer_text,
    answered_condition,
    count_answers,
    dnp_condition,
    option_labels,
)

from . import disclosure
from .cache import cached
from .disclosure import Figure

Types = Indicator.AnswerType


def share(part: int, whole: int) -> float | None:
    """Percentage with one decimal, or None when there is nothing to divide by."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class ReadinessFilters:
    """Which organisers to count: codes as in the register, empty for all."""

    organiser_type: str = ""
    county: str = ""
    municipality: str = ""
    size_band: str = ""

    def is_empty(self) -> bool:
        return not (self.organiser_type or self.county or self.municipality or self.size_band)


def filtered_principals(*, filters: ReadinessFilters | None = None):
    """Active organisers matching the filters (a lazy queryset, used as a subquery)."""
    filters = filters or ReadinessFilters()
    principals = Principal.objects.active()
    if filters.organiser_type:
        principals = principals.filter(organiser_type=filters.organiser_type)
    if filters.county:
        principals = principals.filter(county__code=filters.county)
    if filters.municipality:
        principals = principals.filter(
            pk__in=Principal.municipalities.through.objects.filter(
                municipality__code=filters.municipality
            ).values("principal_id")
        )
    if filters.size_band:
        for key, _label, low, high in SIZE_BANDS:
            if key != filters.size_band:
                continue
            if low is None:
                principals = principals.filter(pupils__isnull=True)
            else:
                principals = principals.filter(pupils__gte=low)
                if high is not None:
                    principals = principals.filter(pupils__lte=high)
    return principals


# ---------------------------------------------------------------- rounds and indicators


@cached(scope="structure")
def rounds_to_show(*, today: datetime.date | None = None) -> list[ReportingRound]:
    """Rounds that have opened, newest first (kept while only submissions and the register
    change)."""
    today = today or datetime.date.today()
    return list(
        ReportingRound.objects.filter(opens_on__lte=today)
        .select_related("framework_version")
        .order_by("-opens_on", "-id")
    )


def default_round(
    rounds: Sequence[ReportingRound], *, today: datetime.date | None = None
) -> ReportingRound | None:
    """The latest closed round, else the open one, else the newest."""
    today = today or datetime.date.today()
    for status in (ReportingRound.Status.CLOSED, ReportingRound.Status.OPEN):
        for reporting_round in rounds:
            if reporting_round.status_on(today) == status:
                return reporting_round
    return rounds[0] if rounds else None


def indicators_of(framework_ids) -> dict[int, list[Indicator]]:
    """Indicators by framework version, in framework order, in one query."""
    result: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in (
        Indicator.objects.filter(framework_id__in=set(framework_ids))
        .select_related("area")
        .order_by("area__order", "area_id", "order", "id")
    ):
        result[indicator.framework_id].append(indicator)
    return result


def indicators_of_rounds(rounds) -> dict[int, list[Indicator]]:
    """As indicators_of, for rounds loaded with their framework version: a published
    framework never changes, so its indicators are read once per process
    (readiness.selectors.indicators_for); a draft's are read each time."""
    result: dict[int, list[Indicator]] = {}
    for reporting_round in rounds:
        framework = reporting_round.framework_version
        if framework.pk not in result:
            result[framework.pk] = readiness_selectors.indicators_for(framework)
    return result


# ---------------------------------------------------------------- readiness


@dataclass
class OptionFigure:
    value: str
    label: str
    count: Figure
    share: Figure


@dataclass
class IndicatorResult:
    indicator: Indicator
    submitted: int
    answered: Figure
    options: list[OptionFigure]
    not_answered: Figure
    achieved: Figure
    achieved_share: Figure
    mean: Figure | None = None


@dataclass
class GroupRow:
    """One organiser type or county: response and DNP readiness."""

    key: str
    label: str
    organisers: int
    submitted: Figure
    response_rate: Figure
    dnp_ready: Figure
    dnp_share: Figure


@dataclass
class ReadinessOverview:
    round: ReportingRound | None
    filters: ReadinessFilters
    organisers: int = 0
    submitted: Figure = field(default_factory=lambda: Figure(0))
    response_rate: Figure = field(default_factory=lambda: Figure(None))
    dnp_ready: Figure = field(default_factory=lambda: Figure(0))
    dnp_share: Figure = field(default_factory=lambda: Figure(None))
    dnp_indicators: list[Indicator] = field(default_factory=list)
    indicators: list[IndicatorResult] = field(default_factory=list)
    by_type: list[GroupRow] = field(default_factory=list)
    by_county: list[GroupRow] = field(default_factory=list)


def _submitted_in(reporting_round, principals):
    return Assessment.objects.filter(
        round=reporting_round,
        state=Assessment.State.SUBMITTED,
        current__isnull=False,
        principal__in=principals,
    )


def _distribution_columns(indicators: Sequence[Indicator]):
    """Count columns for free text and whole numbers: answered, achieved, mean; by position.

    Their answers take any value, so a tally of distinct answers would be as long as the
    submissions; the indicators with options are counted by answer_tally instead.
    """
    columns: dict[str, Any] = {}
    for i, indicator in enumerate(indicators):
        if indicator.answer_type in TALLIED:
            continue
        columns[f"a{i}"] = Count("pk", filter=answered_condition(indicator))
        if indicator.answer_type == Types.TEXT and not indicator.is_dnp:
            continue
        columns[f"h{i}"] = Count("pk", filter=achieved_condition(indicator))
        if indicator.answer_type == Types.INTEGER:
            # 64 bits: the form refuses more than 18 digits, so no stored answer overflows.
            columns[f"m{i}"] = Avg(
                Cast(answer_text(indicator.code), BigIntegerField()),
                filter=answered_condition(indicator),
            )
    return columns


def _tally_columns(indicators: Sequence[Indicator], tally: dict) -> dict[str, int]:
    """The option, answered and achieved counts of the indicators with options, by position.

    Named as _distribution_columns names its columns, so one row holds both.
    """
    columns: dict[str, int] = {}
    for i, indicator in enumerate(indicators):
        if indicator.answer_type not in TALLIED:
            continue
        counts, columns[f"a{i}"], columns[f"h{i}"] = count_answers(
            indicator, tally.get(indicator.code, {})
        )
        columns.update({f"o{i}_{j}": n for j, n in enumerate(counts)})
    return columns


def _indicator_results(indicators, row: dict, submitted: int):
    results = []
    for i, indicator in enumerate(indicators):
        answered = row.get(f"a{i}") or 0
        options = option_labels(indicator)
        counts = [row.get(f"o{i}_{j}") or 0 for j in range(len(options))]
        achieved = row.get(f"h{i}") or 0
        mean = None
        if indicator.answer_type == Types.INTEGER:
            value = row.get(f"m{i}")
            mean = Figure(round(float(value), 1) if value is not None else None)
        results.append(
            IndicatorResult(
                indicator=indicator,
                submitted=submitted,
                answered=Figure(answered),
                options=[
                    OptionFigure(value, label, Figure(n), Figure(share(n, submitted)))
                    for (value, label), n in zip(options, counts, strict=True)
                ],
                not_answered=Figure(submitted - answered),
                achieved=Figure(achieved),
                achieved_share=Figure(share(achieved, submitted)),
                mean=mean,
            )
        )
    return results


def _group_rows(
    totals: dict[Any, int], subs: dict[Any, tuple[int, int]], labels: dict
) -> list[GroupRow]:
    rows = []
    for key, label in labels.items():
        organisers = totals.get(key, 0)
        if not organisers:
            continue
        submitted, ready = subs.get(key, (0, 0))
        rows.append(
            GroupRow(
                key=str(key if key is not None else ""),
                label=str(label),
                organisers=organisers,
                submitted=Figure(submitted),
                response_rate=Figure(share(submitted, organisers)),
                dnp_ready=Figure(ready),
                dnp_share=Figure(share(ready, submitted)),
            )
        )
    return rows


def _tally_filters(filters: ReadinessFilters) -> dict[str, Any] | None:
    """The filters as readiness.tally's dimensions, or None when it does not hold them."""
    if filters.municipality:
        return None
    county_id = None
    if filters.county:
        county_id = County.objects.filter(code=filters.county).values_list("pk", flat=True).first()
        county_id = -1 if county_id is None else county_id  # no such county: nobody
    return {
        "organiser_type": filters.organiser_type,
        "county_id": county_id,
        "size_band": filters.size_band,
    }


def _tally_row(indicators: Sequence[Indicator], counted: dict[str, dict[str, list]]) -> dict:
    """One group's counters in the shape of the live query's row: n, ready, a/h/m/o columns."""
    submission = counted.get(running_tally.SUBMISSION, {})
    submitted = submission.get(running_tally.SUBMITTED, [0, 0])[0]
    row: dict[str, Any] = {"n": submitted, "ready": submission.get(running_tally.READY, [0, 0])[0]}
    answers = {
        i.code: {answer: n for answer, (n, _total) in counted.get(i.code, {}).items()}
        for i in indicators
        if i.answer_type in TALLIED
    }
    row.update(_tally_columns(indicators, answers))
    for i, indicator in enumerate(indicators):
        if indicator.answer_type in TALLIED:
            continue
        given, total = counted.get(indicator.code, {}).get(running_tally.GIVEN, [0, 0])
        row[f"a{i}"] = given
        if indicator.answer_type == Types.TEXT and not indicator.is_dnp:
            continue
        row[f"h{i}"] = submitted  # the live condition for these is "always" (achieved_condition)
        if indicator.answer_type == Types.INTEGER:
            row[f"m{i}"] = Decimal(total) / given if given else None
    return row


def _organiser_totals(principals) -> dict[tuple[str, int | None], int]:
    return {
        (row["organiser_type"], row["county_id"]): row["n"]
        for row in principals.order_by()
        .values("organiser_type", "county_id")
        .annotate(n=Count("pk"))
    }


@cached
def readiness_overview(
    *,
    reporting_round: ReportingRound | None,
    filters: ReadinessFilters | None = None,
    indicators: Sequence[Indicator] | None = None,
) -> ReadinessOverview:
    """One round: response, DNP readiness (overall, by type and county), each indicator's answers.

    Read from the running tally (readiness/tally.py): the organisers by type × county, and two
    reads of the counters, whatever the number of submissions. Filtered by municipality, which
    the tally does not hold, or for a round not yet tallied, the figures are counted from the
    submissions (readiness_overview_live).
    """
    filters = filters or ReadinessFilters()
    dimensions = _tally_filters(filters)
    if (
        reporting_round is None
        or dimensions is None
        or not running_tally.ready([reporting_round.pk])
    ):
        return readiness_overview_live(
            reporting_round=reporting_round, filters=filters, indicators=indicators
        )
    result = ReadinessOverview(round=reporting_round, filters=filters)
    if indicators is None:
        indicators = indicators_of([reporting_round.framework_version_id])[
            reporting_round.framework_version_id
        ]
    indicators = list(indicators)
    result.dnp_indicators = [i for i in indicators if i.is_dnp]
    totals = _organiser_totals(filtered_principals(filters=filters))
    overall = running_tally.counts(round_ids=[reporting_round.pk], **dimensions)
    groups = running_tally.counts(
        round_ids=[reporting_round.pk],
        by=("organiser_type", "county_id"),
        codes=[running_tally.SUBMISSION],
        **dimensions,
    )
    row = _tally_row(indicators, overall.get((reporting_round.pk,), {}))
    subs = {
        (kind, county or None): (
            counted[running_tally.SUBMISSION].get(running_tally.SUBMITTED, [0])[0],
            counted[running_tally.SUBMISSION].get(running_tally.READY, [0])[0],
        )
        for (_round, kind, county), counted in groups.items()
    }
    _fill_overview(result, indicators, row, totals, subs)
    return result


def _fill_overview(result, indicators, overall, totals, subs) -> None:
    """The overview's figures from one row of counts for all, and (submitted, ready) per
    organiser type × county."""
    organisers = sum(totals.values())
    submitted = overall["n"]
    result.organisers = organisers
    result.submitted = Figure(submitted)
    result.response_rate = Figure(share(submitted, organisers))
    result.dnp_ready = Figure(overall["ready"])
    result.dnp_share = Figure(share(overall["ready"], submitted))
    result.indicators = _indicator_results(indicators, overall, submitted)

    type_totals: dict[str, int] = defaultdict(int)
    county_totals: dict[int | None, int] = defaultdict(int)
    for (kind, county), n in totals.items():
        type_totals[kind] += n
        county_totals[county] += n
    by_type_subs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_county_subs: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for (kind, county), (n, ready) in subs.items():
        by_type_subs[kind][0] += n
        by_type_subs[kind][1] += ready
        by_county_subs[county][0] += n
        by_county_subs[county][1] += ready
    result.by_type = _group_rows(
        type_totals,
        {k: tuple(v) for k, v in by_type_subs.items()},
        dict(Principal.OrganiserType.choices),
    )
    county_labels: dict[int | None, Any] = {c.pk: c.name for c in County.objects.order_by("code")}
    county_labels[None] = _("No county given")
    result.by_county = _group_rows(
        county_totals,
        {k: tuple(v) for k, v in by_county_subs.items()},
        county_labels,
    )


def readiness_overview_live(
    *,
    reporting_round: ReportingRound | None,
    filters: ReadinessFilters | None = None,
    indicators: Sequence[Indicator] | None = None,
) -> ReadinessOverview:
    """readiness_overview counted from the submissions themselves (by municipality; tests).

    Four queries: indicators (unless given), organisers by type × county, the submissions by
    type × county (DNP readiness, free text and whole numbers as columns), and the tally of the
    answers to the indicators with options; and the counties.
    """
    filters = filters or ReadinessFilters()
    result = ReadinessOverview(round=reporting_round, filters=filters)
    if reporting_round is None:
        return result
    if indicators is None:
        indicators = indicators_of([reporting_round.framework_version_id])[
            reporting_round.framework_version_id
        ]
    indicators = list(indicators)
    result.dnp_indicators = [i for i in indicators if i.is_dnp]
    principals = filtered_principals(filters=filters)
    totals = _organiser_totals(principals)
    columns = _distribution_columns(indicators)
    columns["n"] = Count("pk")
    columns["ready"] = Count("pk", filter=dnp_condition(indicators))
    submitted_in = _submitted_in(reporting_round, principals)
    grouped = list(
        submitted_in.order_by()
        .values("principal__organiser_type", "principal__county_id")
        .annotate(**columns)
    )
    answers = answer_tally(submitted_in, [i.code for i in indicators if i.answer_type in TALLIED])

    overall: dict[str, Any] = defaultdict(int)
    subs: dict[tuple[str, int | None], tuple[int, int]] = {}
    for row in grouped:
        for name, value in row.items():
            if name.startswith("principal__"):
                continue
            if name.startswith("m"):
                continue
            overall[name] += value or 0
        subs[(row["principal__organiser_type"], row["principal__county_id"])] = (
            row["n"],
            row["ready"],
        )
    # Means of whole numbers: weighted by answered counts across the groups.
    for i, indicator in enumerate(indicators):
        if indicator.answer_type != Types.INTEGER:
            continue
        weighted = sum((r.get(f"m{i}") or 0) * (r.get(f"a{i}") or 0) for r in grouped)
        answered = sum(r.get(f"a{i}") or 0 for r in grouped)
        overall[f"m{i}"] = weighted / answered if answered else None
    overall.update(_tally_columns(indicators, answers.get((), {})))
    _fill_overview(result, indicators, overall, totals, subs)
    return result


@dataclass
class TrendPoint:
    round: ReportingRound
    submitted: Figure
    dnp_ready: Figure
    dnp_share: Figure
    options: list[OptionFigure]
    achieved_share: Figure
    has_indicator: bool


@dataclass
class ReadinessTrend:
    indicator: Indicator | None
    points: list[TrendPoint]


def _trend_indicator(rounds, indicators_by_framework, indicator_code):
    """The indicator by code, described by the newest round's framework that has it."""
    for reporting_round in reversed(rounds):
        for candidate in indicators_by_framework.get(reporting_round.framework_version_id, []):
            if candidate.code == indicator_code:
                return candidate
    return None


def _trend_point(reporting_round, indicator, row, codes_by_framework) -> TrendPoint:
    submitted = row.get("n", 0)
    ready = row.get("ready", 0)
    has_indicator = indicator is not None and indicator.code in codes_by_framework.get(
        reporting_round.framework_version_id, set()
    )
    options: list[OptionFigure] = []
    achieved_share = Figure(None)
    if indicator is not None and has_indicator:
        result = _indicator_results([indicator], row, submitted)[0]
        options, achieved_share = result.options, result.achieved_share
    return TrendPoint(
        round=reporting_round,
        submitted=Figure(submitted),
        dnp_ready=Figure(ready),
        dnp_share=Figure(share(ready, submitted)),
        options=options,
        achieved_share=achieved_share,
        has_indicator=has_indicator,
    )


@cached
def readiness_trend(
    *,
    rounds: Sequence[ReportingRound],
    indicator_code: str = "",
    filters: ReadinessFilters | None = None,
    indicators_by_framework: dict[int, list[Indicator]] | None = None,
) -> ReadinessTrend:
    """Per round, oldest first: DNP-ready share and one indicator's distribution.

    Each round's DNP readiness uses that round's framework; the indicator is matched by code
    and described by the newest framework that has it. Rounds without it show no distribution.
    Read from the running tally in one query; by municipality counted from the submissions.
    """
    dimensions = _tally_filters(filters or ReadinessFilters())
    if dimensions is None or not running_tally.ready(r.pk for r in rounds):
        return readiness_trend_live(
            rounds=rounds,
            indicator_code=indicator_code,
            filters=filters,
            indicators_by_framework=indicators_by_framework,
        )
    rounds = sorted(rounds, key=lambda r: (r.opens_on, r.pk))
    if not rounds:
        return ReadinessTrend(indicator=None, points=[])
    if indicators_by_framework is None:
        indicators_by_framework = indicators_of(r.framework_version_id for r in rounds)
    codes_by_framework = {
        fw: {i.code for i in inds} for fw, inds in indicators_by_framework.items()
    }
    indicator = _trend_indicator(rounds, indicators_by_framework, indicator_code)
    codes = [running_tally.SUBMISSION] + ([indicator.code] if indicator else [])
    counted = running_tally.counts(round_ids=[r.pk for r in rounds], codes=codes, **dimensions)
    points = []
    for reporting_round in rounds:
        row = _tally_row([indicator] if indicator else [], counted.get((reporting_round.pk,), {}))
        points.append(_trend_point(reporting_round, indicator, row, codes_by_framework))
    return ReadinessTrend(indicator=indicator, points=points)


def readiness_trend_live(
    *,
    rounds: Sequence[ReportingRound],
    indicator_code: str = "",
    filters: ReadinessFilters | None = None,
    indicators_by_framework: dict[int, list[Indicator]] | None = None,
) -> ReadinessTrend:
    """readiness_trend counted from the submissions themselves, in one query."""
    rounds = sorted(rounds, key=lambda r: (r.opens_on, r.pk))
    if not rounds:
        return ReadinessTrend(indicator=None, points=[])
    if indicators_by_framework is None:
        indicators_by_framework = indicators_of(r.framework_version_id for r in rounds)
    codes_by_framework: dict[int, set[str]] = {
        fw: {i.code for i in inds} for fw, inds in indicators_by_framework.items()
    }
    indicator = _trend_indicator(rounds, indicators_by_framework, indicator_code)
    ready = Q(pk__in=[])
    for framework_id in {r.framework_version_id for r in rounds}:
        ready |= Q(round__framework_version_id=framework_id) & dnp_condition(
            indicators_by_framework.get(framework_id, [])
        )
    submissions = Assessment.objects.filter(
        round__in=[r.pk for r in rounds],
        state=Assessment.State.SUBMITTED,
        current__isnull=False,
        principal__in=filtered_principals(filters=filters),
    ).order_by()
    by_answer = indicator is not None and indicator.answer_type in TALLIED
    rows: dict[int, dict[str, Any]] = {}
    answers: dict[int, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    if by_answer:
        # Readiness is a group here, not a filtered count: the database cannot estimate how few
        # distinct answers there are and may sort the rows it groups, which then must not carry
        # each version's answers.
        for row in submissions.values(
            "round_id",
            answer=AnswerJsonText(indicator.code),
            is_ready=Case(When(ready, then=Value(1)), default=Value(0)),
        ).annotate(n=Count("pk")):
            total = rows.setdefault(row["round_id"], {"n": 0, "ready": 0})
            total["n"] += row["n"]
            total["ready"] += row["n"] * row["is_ready"]
            answers[row["round_id"]][row["answer"]] += row["n"]
    else:
        columns: dict[str, Any] = {"n": Count("pk"), "ready": Count("pk", filter=ready)}
        if indicator is not None:
            columns.update(_distribution_columns([indicator]))
        rows = {row["round_id"]: row for row in submissions.values("round_id").annotate(**columns)}
    points = []
    for reporting_round in rounds:
        row = rows.get(reporting_round.pk, {})
        if by_answer:
            row = {
                **row,
                **_tally_columns([indicator], {indicator.code: answers[reporting_round.pk]}),
            }
        points.append(_trend_point(reporting_round, indicator, row, codes_by_framework))
    return ReadinessTrend(indicator=indicator, points=points)


# ---------------------------------------------------------------- programme


@dataclass
class MoneyRow:
    label: str
    allocated: Decimal | None
    budgeted: Decimal
    spent: Decimal
    remaining: Decimal
    year: int | None = None
    initiative: Initiative | None = None


@dataclass
class MilestoneRow:
    label: str
    on_time: int
    late: int
    overdue: int
    upcoming: int


@dataclass
class ReachRow:
    key: str
    label: str
    organisers: int
    reached: Figure
    share: Figure


@dataclass
class ProgrammeOverview:
    agreement: Agreement | None
    outside: bool
    years: list[MoneyRow] = field(default_factory=list)
    by_initiative: list[MoneyRow] = field(default_factory=list)
    totals: MoneyRow | None = None
    spend_by_quarter: list[dict] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)
    milestone_totals: MilestoneRow | None = None
    ratings_by_quarter: list[dict] = field(default_factory=list)
    reach_total: ReachRow | None = None
    reach_by_type: list[ReachRow] = field(default_factory=list)
    reach_by_county: list[ReachRow] = field(default_factory=list)


ZERO = Decimal("0")


def _quarter_label(day: datetime.date) -> str:
    return f"{day.year} K{(day.month - 1) // 3 + 1}"


@cached(scope="agreement")
def programme_money(*, agreement: Agreement) -> tuple[list[MoneyRow], list[MoneyRow], MoneyRow]:
    """Per funding year and per year × initiative: allocated, budgeted, spent, remaining.

    Spending counts against the year the cost was incurred. An activity serving two
    initiatives counts in both initiative rows, so those rows may add up to more than the year.
    Four queries.
    """
    years = list(FundingYear.objects.filter(agreement=agreement).order_by("year"))
    budgets = defaultdict(lambda: ZERO)
    spent = defaultdict(lambda: ZERO)
    for row in (
        ActivityBudget.objects.filter(funding_year__agreement=agreement)
        .order_by()
        .values("funding_year__year", "activity__initiatives")
        .annotate(total=Sum("amount"))
    ):
        budgets[(row["funding_year__year"], row["activity__initiatives"])] += row["total"]
    for row in (
        Cost.objects.filter(activity__agreement=agreement)
        .order_by()
        .values("incurred_on__year", "activity__initiatives")
        .annotate(total=Sum("amount"))
    ):
        spent[(row["incurred_on__year"], row["activity__initiatives"])] += row["total"]
    # Per year without double counting: budgets and costs summed once per activity.
    year_budget = dict(
        ActivityBudget.objects.filter(funding_year__agreement=agreement)
        .order_by()
        .values_list("funding_year__year")
        .annotate(total=Sum("amount"))
    )
    year_spent = dict(
        Cost.objects.filter(activity__agreement=agreement)
        .order_by()
        .values_list("incurred_on__year")
        .annotate(total=Sum("amount"))
    )
    initiatives = {i.pk: i for i in Initiative.objects.filter(agreements=agreement)}
    rows, by_initiative = [], []
    for fy in years:
        b, s = year_budget.get(fy.year, ZERO), year_spent.get(fy.year, ZERO)
        rows.append(
            MoneyRow(
                label=str(fy.year),
                year=fy.year,
                allocated=fy.allocated,
                budgeted=b,
                spent=s,
                remaining=fy.allocated - s,
            )
        )
        keys = sorted(
            {k[1] for k in list(budgets) + list(spent) if k[0] == fy.year},
            key=lambda pk: (pk is None, initiatives[pk].number if pk in initiatives else 99),
        )
        for pk in keys:
            initiative = initiatives.get(pk)
            b, s = budgets.get((fy.year, pk), ZERO), spent.get((fy.year, pk), ZERO)
            label = str(initiative) if initiative else str(_("No initiative"))
            if pk is not None and initiative is None:
                label = str(_("Other initiative"))
            by_initiative.append(
                MoneyRow(
                    label=label,
                    year=fy.year,
                    initiative=initiative,
                    allocated=None,
                    budgeted=b,
                    spent=s,
                    remaining=b - s,
                )
            )
    allocated = sum((r.allocated or ZERO for r in rows), ZERO)
    total_spent = sum((r.spent for r in rows), ZERO)
    totals = MoneyRow(
        label=str(_("Total")),
        allocated=allocated,
        budgeted=sum((r.budgeted for r in rows), ZERO),
        spent=total_spent,
        remaining=allocated - total_spent,
    )
    return rows, by_initiative, totals


@cached(scope="agreement")
def spend_by_quarter(*, agreement: Agreement) -> list[dict]:
    """Spending per calendar quarter and cumulatively, oldest first; one query."""
    result, running = [], ZERO
    for row in (
        Cost.objects.filter(activity__agreement=agreement)
        .annotate(quarter=TruncQuarter("incurred_on"))
        .order_by()
        .values("quarter")
        .annotate(total=Sum("amount"))
        .order_by("quarter")
    ):
        running += row["total"]
        result.append(
            {
                "quarter": _quarter_label(row["quarter"]),
                "spent": row["total"],
                "cumulative": running,
            }
        )
    return result


@cached(scope="agreement")
def milestone_status(
    *, agreement: Agreement, today: datetime.date | None = None
) -> tuple[list[MilestoneRow], MilestoneRow]:
    """Milestones by year due: done on time, done late, overdue, upcoming; one query."""
    today = today or datetime.date.today()
    done = Q(completed_on__isnull=False)
    rows = []
    for row in (
        Milestone.objects.filter(activity__agreement=agreement, activity__archived_at__isnull=True)
        .order_by()
        .values("due_on__year")
        .annotate(
            on_time=Count("pk", filter=done & Q(completed_on__lte=F("due_on"))),
            late=Count("pk", filter=done & Q(completed_on__gt=F("due_on"))),
            overdue=Count("pk", filter=Q(completed_on__isnull=True, due_on__lt=today)),
            upcoming=Count("pk", filter=Q(completed_on__isnull=True, due_on__gte=today)),
        )
        .order_by("due_on__year")
    ):
        rows.append(
            MilestoneRow(
                label=str(row["due_on__year"]),
                on_time=row["on_time"],
                late=row["late"],
                overdue=row["overdue"],
                upcoming=row["upcoming"],
            )
        )
    totals = MilestoneRow(
        label=str(_("Total")),
        on_time=sum(r.on_time for r in rows),
        late=sum(r.late for r in rows),
        overdue=sum(r.overdue for r in rows),
        upcoming=sum(r.upcoming for r in rows),
    )
    return rows, totals


@cached(scope="agreement")
def ratings_by_quarter(*, agreement: Agreement) -> list[dict]:
    """Progress updates per quarter by rating (green, amber, red); one query."""
    quarters: dict[datetime.date, dict] = {}
    for row in (
        ProgressUpdate.objects.filter(activity__agreement=agreement)
        .annotate(quarter=TruncQuarter("reported_on"))
        .order_by()
        .values("quarter")
        .annotate(
            **{rating: Count("pk", filter=Q(rating=rating)) for rating in ActivityRating.values}
        )
        .order_by("quarter")
    ):
        quarters[row["quarter"]] = {
            "quarter": _quarter_label(row["quarter"]),
            **{rating: row[rating] for rating in ActivityRating.values},
        }
    return list(quarters.values())


@cached(scope="programme")
def programme_reach(
    *, agreement: Agreement, outside: bool, reveal: bool = False
) -> tuple[ReachRow, list[ReachRow], list[ReachRow]]:
    """Active organisers that took part in at least one deliverable: in all, by type and by
    county. For outside readers through disclosure control (small groups merged, small
    counts withheld). Two queries: organisers by type × county with how many took part, and
    county names."""
    took_part = Deliverable.principals.through.objects.filter(
        deliverable__activity__agreement=agreement
    ).values("principal_id")
    grouped = list(
        Principal.objects.active()
        .order_by()
        .values("organiser_type", "county__code")
        .annotate(n=Count("pk"), reached=Count("pk", filter=Q(pk__in=took_part)))
    )
    counties = {c.code: c.name for c in County.objects.order_by("code")}
    organisers = {(r["organiser_type"], r["county__code"] or ""): r["n"] for r in grouped}
    counts = {
        (r["organiser_type"], r["county__code"] or ""): {"reached": r["reached"]} for r in grouped
    }
    if outside:
        groups = disclosure.merge_groups({a: (n, n) for a, n in organisers.items()})
    else:
        groups = [
            disclosure.NATIONAL,
            *(
                disclosure.Group(disclosure.Breakdown.TYPE, code, (code,))
                for code in Principal.OrganiserType.values
                if any(a[0] == code for a in organisers)
            ),
            *(
                disclosure.Group(disclosure.Breakdown.COUNTY, code, (code,))
                for code in [*counties, ""]
                if any(a[1] == code for a in organisers)
            ),
        ]
    release = disclosure.Release(
        organisers=organisers,
        groups=groups,
        kinds=["reached"],
        base={"reached": disclosure.ORGANISERS},
        rules=[],
        counts=counts,
    )
    hidden = release.protect() if outside else {}

    def row(group) -> ReachRow:
        n = release.group_organisers[group.key]
        reached = release.values[(group.key, "reached")]
        reason = hidden.get((group.key, "reached"), "")
        label = disclosure.group_label(group.breakdown, group.code, group.members, counties)
        if reason:
            shown = (reached, share(reached, n)) if reveal else (None, None)
            return ReachRow(
                group.key,
                label,
                n,
                Figure.hidden(reason, shown[0]),
                Figure.hidden(reason, shown[1]),
            )
        return ReachRow(group.key, label, n, Figure(reached), Figure(share(reached, n)))

    rows = [row(g) for g in groups]
    total = rows[0]
    total.label = str(_("All organisers"))
    by_type = [r for g, r in zip(groups, rows, strict=True) if g.breakdown == "organiser_type"]
    by_county = [r for g, r in zip(groups, rows, strict=True) if g.breakdown == "county"]
    return total, by_type, by_county


@cached(scope="programme")
def programme_overview(
    *,
    agreement: Agreement | None,
    outside: bool,
    reveal: bool = False,
    today: datetime.date | None = None,
) -> ProgrammeOverview:
    """Everything the programme dashboard shows for one agreement, in a fixed number of queries."""
    result = ProgrammeOverview(agreement=agreement, outside=outside)
    if agreement is None:
        return result
    result.years, result.by_initiative, result.totals = programme_money(agreement=agreement)
    result.spend_by_quarter = spend_by_quarter(agreement=agreement)
    result.milestones, result.milestone_totals = milestone_status(agreement=agreement, today=today)
    result.ratings_by_quarter = ratings_by_quarter(agreement=agreement)
    result.reach_total, result.reach_by_type, result.reach_by_county = programme_reach(
        agreement=agreement, outside=outside, reveal=reveal
    )
    return result


@cached(scope="programme")
def funding_by_year(*, agreements: Sequence[Agreement] | None = None) -> list[dict]:
    """Open data: per agreement and funding year, allocated, budgeted, spent and remaining.

    Three queries whatever the number of agreements.
    """
    years = FundingYear.objects.select_related("agreement").order_by("agreement_id", "year")
    if agreements is not None:
        years = years.filter(agreement__in=agreements)
    years = list(years)
    budgeted = {
        (a, y): t
        for a, y, t in ActivityBudget.objects.order_by()
        .values_list("funding_year__agreement_id", "funding_year__year")
        .annotate(t=Sum("amount"))
    }
    spent = {
        (a, y): t
        for a, y, t in Cost.objects.order_by()
        .values_list("activity__agreement_id", "incurred_on__year")
        .annotate(t=Sum("amount"))
    }
    rows = []
    for fy in years:
        s = spent.get((fy.agreement_id, fy.year), ZERO)
        rows.append(
            {
                "agreement": fy.agreement.title,
                "agreement_id": fy.agreement_id,
                "year": fy.year,
                "allocated": fy.allocated,
                "budgeted": budgeted.get((fy.agreement_id, fy.year), ZERO),
                "spent": s,
                "remaining": fy.allocated - s,
            }
        )
    return rows


@cached(scope="structure")
def municipality_choices() -> list[tuple[str, str]]:
    return list(Municipality.objects.order_by("name").values_list("code", "name"))


@cached(scope="structure")
def county_choices() -> list[tuple[str, str]]:
    return list(County.objects.order_by("name").values_list("code", "name"))


# ---------------------------------------------------------------- open data


@cached(scope="programme")
def open_programme_records() -> list[dict]:
    """Open data: each agreement's funding and spending per year (no personal data)."""
    return [
        {
            "agreement": row["agreement"],
            "year": row["year"],
            "allocated_sek": row["allocated"],
            "budgeted_sek": row["budgeted"],
            "spent_sek": row["spent"],
            "remaining_sek": row["remaining"],
        }
        for row in funding_by_year()
    ]
