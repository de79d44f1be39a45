"""A closed round's published figures: computed once from the answers and the register, through
the disclosure control (reporting/disclosure.py), and stored, never recomputed.

Everything outside readers see of a round (the government's dashboard, open data, the
organisers' comparison and the final report) reads its `RoundPublication`, so a later change
to the register (an organiser that moves county, changes type or closes) or a correction made
after publication cannot move a published figure, and every outside format shows the same
numbers. Staff see the live figures in reporting/aggregates.py.

The stored figures hold codes and numbers, never labels: names are given when they are shown,
in the reader's language (indicator texts come from the round's published framework version,
which cannot change).
"""

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.audit import Action, record
from principals.models import County, Principal
from readiness import queries
from readiness.models import Assessment, Indicator, ReportingRound
from readiness.queries import PERCENT_BANDS
from readiness.selectors import indicators_for, is_achieved
from readiness.services import round_figures_published

from . import aggregates, disclosure
from .aggregates import share
from .disclosure import (
    ORGANISERS,
    Breakdown,
    Figure,
    Magnitude,
    Reason,
    Release,
    at_least,
    at_most,
    equal,
)
from .models import RoundPublication

Types = Indicator.AnswerType
FORMAT = 1

SINGLE = (Types.RATING, Types.YES_NO, Types.SINGLE_CHOICE, Types.PERCENTAGE)

SUBMITTED, DNP_READY = "submitted", "dnp_ready"


def option(code: str, value: str) -> str:
    return f"{code}={value}"


def part(code: str, name: str) -> str:
    """answered, not_answered, achieved of an indicator."""
    return f"{code}:{name}"


def options_of(indicator: Indicator) -> list[str]:
    """The answer values an indicator's distribution counts, in the framework's order."""
    if indicator.answer_type == Types.PERCENTAGE:
        return [key for key, _label, _low, _high in PERCENT_BANDS]
    if indicator.answer_type in (Types.INTEGER, Types.TEXT):
        return []
    return [value for value, _label in indicator.options()]


def achieved_options(indicator: Indicator) -> list[str]:
    """The options whose answer meets the indicator (readiness' is_achieved, per option)."""
    kind = indicator.answer_type
    if kind == Types.PERCENTAGE:
        return ["100"]
    return [
        v
        for v in options_of(indicator)
        if is_achieved(indicator, [v] if kind == Types.MULTI_CHOICE else v)
    ]


def kinds_of(indicator: Indicator) -> list[str]:
    code, kind = indicator.code, indicator.answer_type
    if kind in (Types.INTEGER, Types.TEXT):
        return [part(code, "answered"), part(code, "not_answered")]
    options = [option(code, v) for v in options_of(indicator)]
    if kind == Types.MULTI_CHOICE:
        return [
            *options,
            part(code, "answered"),
            part(code, "not_answered"),
            part(code, "achieved"),
        ]
    return [*options, part(code, "not_answered"), part(code, "achieved")]


def published_kinds(indicator: Indicator, always_answered: set[str]) -> list[str]:
    """What is published of an indicator: a required question is answered in every
    submission, so its "not answered" is a known 0 rather than a figure."""
    kinds = kinds_of(indicator)
    if indicator.code in always_answered:
        kinds.remove(part(indicator.code, "not_answered"))
    return kinds


def publishes(indicators: list[Indicator], always_answered: set[str]) -> dict:
    """The kinds published per breakdown: whole answer distributions nationally; for each
    organiser type and county the response, DNP readiness, how many meet each indicator and
    how many answered each whole-number question (for its mean). The groups are small
    enough that most counts of whole distributions would have to be withheld, while a share
    meeting an indicator rests on two counts, few of them small."""
    everything = [SUBMITTED, DNP_READY]
    for indicator in indicators:
        everything += published_kinds(indicator, always_answered)
    return {
        Breakdown.NATIONAL: everything,
        Breakdown.TYPE: by_group(indicators),
        Breakdown.COUNTY: by_group(indicators),
    }


def by_group(indicators: list[Indicator]) -> list[str]:
    kinds = [SUBMITTED, DNP_READY]
    for indicator in indicators:
        if indicator.answer_type == Types.INTEGER:
            kinds.append(part(indicator.code, "answered"))
        elif indicator.answer_type != Types.TEXT:
            kinds.append(part(indicator.code, "achieved"))
    return kinds


def blocks(indicators: list[Indicator]) -> list[tuple[list[str], list[str]]]:
    """(kinds in one programme, kinds audited there). The response alone; DNP readiness with
    every DNP indicator's answers, since it counts the organisers that meet all of them (a
    reader who knows how many meet each one knows something of how many meet all); then each
    other indicator's answers, which nothing ties to other answers."""
    dnp = [DNP_READY, *(kind for i in indicators if i.is_dnp for kind in kinds_of(i))]
    return [
        ([SUBMITTED], [SUBMITTED]),
        (dnp, dnp),
        *((kinds_of(i), kinds_of(i)) for i in indicators if not i.is_dnp),
    ]


def structure(
    indicators: list[Indicator], always_answered: set[str]
) -> tuple[list[str], dict[str, str], list]:
    """The kinds counted per atom, what each is a part of, and the rules that tie them."""
    kinds = [SUBMITTED, DNP_READY]
    base = {SUBMITTED: ORGANISERS, DNP_READY: SUBMITTED}
    rules = [at_most({DNP_READY: 1, SUBMITTED: -1})]
    dnp = []
    for indicator in indicators:
        code, kind = indicator.code, indicator.answer_type
        own = kinds_of(indicator)
        kinds += own
        base.update(dict.fromkeys(own, SUBMITTED))
        answered, missing = part(code, "answered"), part(code, "not_answered")
        achieved = part(code, "achieved")
        options = [option(code, v) for v in options_of(indicator)]
        targets = [option(code, v) for v in achieved_options(indicator)]
        if code in always_answered:
            rules.append(equal({missing: 1}))
        if kind in (Types.INTEGER, Types.TEXT):
            rules.append(equal({answered: 1, missing: 1, SUBMITTED: -1}))
            continue
        if kind == Types.MULTI_CHOICE:
            rules.append(equal({answered: 1, missing: 1, SUBMITTED: -1}))
            rules += [at_most({o: 1, answered: -1}) for o in options]
            rules.append(at_least({**dict.fromkeys(options, 1), answered: -1}))
            rules += [at_most({o: 1, achieved: -1}) for o in targets]
            rules.append(at_most({achieved: 1, **dict.fromkeys(targets, -1)}))
            rules.append(at_most({achieved: 1, answered: -1}))
        else:
            rules.append(equal({**dict.fromkeys(options, 1), missing: 1, SUBMITTED: -1}))
            rules.append(equal({achieved: 1, **dict.fromkeys(targets, -1)}))
        if indicator.is_dnp:
            dnp.append(achieved)
            rules.append(at_most({DNP_READY: 1, achieved: -1}))
    if dnp:
        # Ready for DNP is meeting all of them: at least the sum minus (k - 1) per respondent.
        rules.append(at_least({DNP_READY: 1, **dict.fromkeys(dnp, -1), SUBMITTED: len(dnp) - 1}))
    return kinds, base, rules


def counted(indicator: Indicator, value) -> list[str]:
    """The kinds one answer counts under (without `submitted`), by readiness' own rules
    (readiness/queries.py), which the live figures use too."""
    code, kind = indicator.code, indicator.answer_type
    if kind in (Types.INTEGER, Types.TEXT):
        given = queries.is_given(indicator, value)
        return [part(code, "answered" if given else "not_answered")]
    chosen, _answered, achieved = queries.counted_as(indicator, value)
    found = [option(code, v) for v in chosen]
    if kind == Types.MULTI_CHOICE:
        found.append(part(code, "answered" if chosen else "not_answered"))
    elif not chosen:
        found.append(part(code, "not_answered"))
    if chosen and achieved:
        found.append(part(code, "achieved"))
    return found


# ---------------------------------------------------------------- computing


@dataclass
class Figures:
    """A round's figures as computed: for storing, and for the disclosure attack test."""

    release: Release
    hidden: dict[disclosure.Cell, Reason]
    means: dict[str, dict[str, float | Reason]]
    true_means: dict[str, dict[str, float | None]]


def _atoms_of(principals) -> dict[int, disclosure.AtomKey]:
    return {
        p.pk: (p.organiser_type, p.county.code if p.county_id else disclosure.NO_COUNTY)
        for p in principals
    }


def compute(reporting_round: ReportingRound) -> Figures:
    """Read every submission of the round once and protect what outside readers will see."""
    indicators = indicators_for(reporting_round.framework_version)
    active = list(
        Principal.objects.active()
        .select_related("county")
        .only("pk", "organiser_type", "county__code")
        .order_by("pk")
    )
    atom_of = _atoms_of(active)
    organisers: dict[disclosure.AtomKey, int] = defaultdict(int)
    for atom in atom_of.values():
        organisers[atom] += 1
    counts: dict[disclosure.AtomKey, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    integers = [i for i in indicators if i.answer_type == Types.INTEGER]
    numbers: dict[str, dict[disclosure.AtomKey, list[int]]] = {
        i.code: defaultdict(list) for i in integers
    }
    dnp = [i for i in indicators if i.is_dnp]
    submissions = (
        Assessment.objects.filter(
            round=reporting_round,
            state=Assessment.State.SUBMITTED,
            current__isnull=False,
            principal_id__in=atom_of.keys(),
        )
        .order_by("pk")
        .values_list("principal_id", "current__answers")
    )
    for principal_id, answers in submissions.iterator(chunk_size=1000):
        atom = atom_of[principal_id]
        answers = answers if isinstance(answers, dict) else {}
        tally = counts[atom]
        tally[SUBMITTED] += 1
        values = {}
        for indicator in indicators:
            answer = answers.get(indicator.code)
            value = answer.get("value") if isinstance(answer, dict) else None
            values[indicator.code] = value
            for kind in counted(indicator, value):
                tally[kind] += 1
            if indicator.answer_type == Types.INTEGER and queries.is_given(indicator, value):
                numbers[indicator.code][atom].append(value)
        if dnp and all(is_achieved(i, values[i.code]) for i in dnp):
            tally[DNP_READY] += 1
    respondents = {a: (organisers[a], counts[a][SUBMITTED]) for a in organisers}
    groups = disclosure.merge_groups(respondents)
    always_answered = {
        i.code
        for i in indicators
        if i.required and not any(c.get(part(i.code, "not_answered")) for c in counts.values())
    }
    kinds, base, rules = structure(indicators, always_answered)
    release = Release(
        organisers=dict(organisers),
        groups=groups,
        kinds=kinds,
        base=base,
        rules=rules,
        counts={a: dict(c) for a, c in counts.items()},
        blocks=blocks(indicators),
        published=publishes(indicators, always_answered),
        keep=frozenset([SUBMITTED, DNP_READY, *(part(i.code, "achieved") for i in indicators)]),
    )
    hidden = release.protect()
    means, true_means = {}, {}
    for indicator in integers:
        magnitudes = {a: Magnitude.of(v) for a, v in numbers[indicator.code].items()}
        answered = part(indicator.code, "answered")
        means[indicator.code] = disclosure.protect_means(
            groups, magnitudes, counts_hidden={g.key for g in groups if (g.key, answered) in hidden}
        )
        totals = disclosure.group_magnitudes(groups, magnitudes)
        true_means[indicator.code] = {
            g.key: (totals[g.key].total / totals[g.key].count if totals[g.key].count else None)
            for g in groups
        }
    return Figures(release=release, hidden=hidden, means=means, true_means=true_means)


def _documents(reporting_round: ReportingRound, figures: Figures, now) -> tuple[dict, dict]:
    """(what outside readers see, the withheld values for staff)."""
    release = figures.release
    cells: dict[str, dict[str, int | None]] = {}
    reasons: dict[str, dict[str, str]] = {}
    withheld: dict[str, dict[str, Any]] = {}
    for group in release.groups:
        key = group.key
        cells[key], reasons[key], withheld[key] = {}, {}, {}
        for kind in release.kinds_for(group):
            cell = (key, kind)
            if cell in figures.hidden:
                cells[key][kind] = None
                reasons[key][kind] = figures.hidden[cell].value
                withheld[key][kind] = release.values[cell]
            else:
                cells[key][kind] = release.values[cell]
    means: dict[str, dict[str, float | None]] = {}
    mean_reasons: dict[str, dict[str, str]] = {}
    for code, per_group in figures.means.items():
        means[code], mean_reasons[code] = {}, {}
        for key, value in per_group.items():
            if isinstance(value, Reason):
                means[code][key] = None
                mean_reasons[code][key] = value.value
                withheld[key][f"{code}:mean"] = figures.true_means[code][key]
            else:
                means[code][key] = value
    published = {
        "format": FORMAT,
        "round": {
            "id": reporting_round.pk,
            "name": reporting_round.name,
            "opens_on": reporting_round.opens_on.isoformat(),
            "closes_on": reporting_round.closes_on.isoformat(),
            "framework_version": reporting_round.framework_version_id,
        },
        "published_at": now.isoformat(timespec="seconds"),
        "rules": {
            "threshold": disclosure.THRESHOLD,
            "protection_width": disclosure.PROTECTION_WIDTH,
            "mean_min_answers": disclosure.MEAN_MIN_ANSWERS,
            "dominance_share": disclosure.DOMINANCE_SHARE,
        },
        "groups": [
            {
                "key": g.key,
                "breakdown": g.breakdown.value,
                "code": g.code,
                "members": list(g.members),
                "organisers": release.group_organisers[g.key],
            }
            for g in release.groups
        ],
        "kinds": release.kinds,
        "cells": cells,
        "reasons": reasons,
        "means": means,
        "mean_reasons": mean_reasons,
    }
    return published, withheld


def _canonical(document: dict) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def publication_create(*, reporting_round: ReportingRound, actor) -> RoundPublication:
    """Compute and store a closed round's published figures; refused if it is open or done."""
    now = timezone.now()
    with transaction.atomic():
        reporting_round = (
            ReportingRound.objects.select_for_update()
            .select_related("framework_version")
            .get(pk=reporting_round.pk)
        )
        if reporting_round.status != ReportingRound.Status.CLOSED:
            raise ValidationError(_("Only a closed round's figures can be published."))
        if RoundPublication.objects.filter(round=reporting_round).exists():
            raise ValidationError(_("The round's figures have already been published."))
        figures = compute(reporting_round)
        published, withheld = _documents(reporting_round, figures, now)
        text = _canonical(published)
        publication = RoundPublication.objects.create(
            round=reporting_round,
            published_at=now,
            published_by_label=audit.actor_label(actor),
            figures_json=text,
            figures_sha256=hashlib.sha256(text.encode()).hexdigest(),
            withheld_json=_canonical(withheld),
        )
        round_figures_published(reporting_round=reporting_round, published_at=now)
        record(
            actor=actor,
            subject=reporting_round,
            action=Action.PUBLISHED,
            changes={"published_at": [None, now.isoformat(timespec="seconds")]},
        )
    return publication


def rounds_to_publish(*, today: datetime.date | None = None) -> list[ReportingRound]:
    """Closed rounds without a publication, oldest first."""
    today = today or timezone.localdate()
    closed = ReportingRound.objects.filter(published_at__isnull=True).select_related(
        "framework_version"
    )
    return sorted(
        (r for r in closed if r.status_on(today) == ReportingRound.Status.CLOSED),
        key=lambda r: (r.closes_on, r.pk),
    )


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class PublishedGroup:
    key: str
    breakdown: str
    code: str
    members: tuple[str, ...]
    organisers: int

    @property
    def merged(self) -> bool:
        return self.code == disclosure.OTHER

    def label(self, counties: dict[str, str]) -> str:
        return disclosure.group_label(self.breakdown, self.code, self.members, counties)


@dataclass(frozen=True)
class Published:
    """A stored publication, read: figures by group key and kind, and why some are withheld."""

    pk: int
    sha256: str
    round_id: int
    round_name: str
    published_at: datetime.datetime
    groups: tuple[PublishedGroup, ...]
    cells: dict
    reasons: dict
    means: dict
    mean_reasons: dict
    withheld: dict | None = None

    def group(self, key: str) -> PublishedGroup | None:
        return next((g for g in self.groups if g.key == key), None)

    def by(self, breakdown: str) -> list[PublishedGroup]:
        return [g for g in self.groups if g.breakdown == breakdown]

    def group_for(self, breakdown: str, code: str) -> PublishedGroup | None:
        """The published group an organiser type or county is counted in (merged or alone)."""
        return next((g for g in self.by(breakdown) if code in g.members), None)

    def has(self, key: str, kind: str) -> bool:
        return kind in self.cells.get(key, {})

    def figure(self, key: str, kind: str, *, reveal: bool = False) -> Figure:
        """A published count; withheld ones carry their reason (and, for staff, the value)."""
        reason = self.reasons.get(key, {}).get(kind, "")
        if reason:
            value = (self.withheld or {}).get(key, {}).get(kind) if reveal else None
            return Figure.hidden(reason, value)
        return Figure(self.cells.get(key, {}).get(kind))

    def mean(self, code: str, key: str, *, reveal: bool = False) -> Figure:
        reason = self.mean_reasons.get(code, {}).get(key, "")
        if reason:
            value = (self.withheld or {}).get(key, {}).get(f"{code}:mean") if reveal else None
            if value is not None:
                value = round(value, 1)
            return Figure.hidden(reason, value)
        return Figure(self.means.get(code, {}).get(key))


def share_figure(part: Figure, whole: Figure | int) -> Figure:
    """A share of a count: withheld with the count (or its base), for staff shown as well."""
    whole_value = whole.value if isinstance(whole, Figure) else whole
    if part.suppressed or (isinstance(whole, Figure) and whole.suppressed):
        reason = part.reason or whole.reason
        revealed = part.value is not None and whole_value is not None
        return Figure.hidden(reason, share(part.value, whole_value) if revealed else None)
    if part.value is None or whole_value is None:
        return Figure(None)
    return Figure(share(part.value, whole_value))


_parsed: dict[tuple[int, str, bool], Published] = {}


def forget() -> None:
    """Drop this process's parsed publications (tests, whose ids repeat across tests)."""
    _parsed.clear()


def _parse(pk: int, sha: str, text: str, withheld: str | None) -> Published:
    document = json.loads(text)
    groups = tuple(
        PublishedGroup(g["key"], g["breakdown"], g["code"], tuple(g["members"]), g["organisers"])
        for g in document["groups"]
    )
    return Published(
        pk=pk,
        sha256=sha,
        round_id=document["round"]["id"],
        round_name=document["round"]["name"],
        published_at=datetime.datetime.fromisoformat(document["published_at"]),
        groups=groups,
        cells=document["cells"],
        reasons=document["reasons"],
        means=document["means"],
        mean_reasons=document["mean_reasons"],
        withheld=json.loads(withheld) if withheld is not None else None,
    )


def publications(*, with_withheld: bool = False) -> list[Published]:
    """Every published round, oldest first.

    One small query for the list; a publication's figures are read from the database and
    parsed once per process, since publications never change (the checksum is in the key).
    """
    rows = list(
        RoundPublication.objects.order_by("round__opens_on", "round_id").values_list(
            "pk", "figures_sha256"
        )
    )
    missing = [pk for pk, sha in rows if (pk, sha, with_withheld) not in _parsed]
    if missing:
        fields = ["pk", "figures_sha256", "figures_json"]
        if with_withheld:
            fields.append("withheld_json")
        for row in RoundPublication.objects.filter(pk__in=missing).values(*fields):
            key = (row["pk"], row["figures_sha256"], with_withheld)
            _parsed[key] = _parse(
                row["pk"], row["figures_sha256"], row["figures_json"], row.get("withheld_json")
            )
    return [_parsed[(pk, sha, with_withheld)] for pk, sha in rows]


def version(published: list[Published]) -> str:
    """A cache version for pages built from these publications only."""
    return "publications:" + ",".join(f"{p.pk}-{p.sha256[:12]}" for p in published)


def county_names() -> dict[str, str]:
    return {c.code: c.name for c in County.objects.all()}


def _result(
    published: Published, key: str, indicator: Indicator, submitted: Figure, reveal: bool
) -> aggregates.IndicatorResult:
    """One indicator's published figures for one group: whatever of them the publication has
    (whole distributions nationally, the share meeting it for every group)."""
    code = indicator.code
    base = submitted.value or 0

    def fig(kind: str) -> Figure | None:
        return published.figure(key, kind, reveal=reveal) if published.has(key, kind) else None

    options = []
    for value, label in aggregates.option_labels(indicator):
        count = fig(option(code, value))
        if count is not None:
            options.append(
                aggregates.OptionFigure(value, label, count, share_figure(count, submitted))
            )
    not_answered = fig(part(code, "not_answered"))
    answered = fig(part(code, "answered"))
    if answered is None:  # a required question, or one with a "not answered" count
        if not_answered is None:
            answered = Figure(base)
        elif not_answered.suppressed:
            answered = Figure.hidden(not_answered.reason)
        else:
            answered = Figure(base - not_answered.value)
    achieved = fig(part(code, "achieved"))
    return aggregates.IndicatorResult(
        indicator=indicator,
        submitted=base,
        answered=answered,
        options=options,
        not_answered=not_answered,
        achieved=achieved or Figure(None),
        achieved_share=share_figure(achieved, submitted) if achieved else Figure(None),
        mean=published.mean(code, key, reveal=reveal)
        if indicator.answer_type == Types.INTEGER
        else None,
    )


def _group_row(published: Published, group: PublishedGroup, counties, reveal: bool):
    submitted = published.figure(group.key, SUBMITTED, reveal=reveal)
    ready = published.figure(group.key, DNP_READY, reveal=reveal)
    return aggregates.GroupRow(
        key=group.key,
        label=group.label(counties),
        organisers=group.organisers,
        submitted=submitted,
        response_rate=share_figure(submitted, group.organisers),
        dnp_ready=ready,
        dnp_share=share_figure(ready, submitted),
    )


def overview(
    published: Published,
    *,
    key: str,
    reporting_round: ReportingRound,
    indicators: list[Indicator],
    counties: dict[str, str],
    reveal: bool = False,
) -> aggregates.ReadinessOverview:
    """A published round as the dashboards show it, for one published group."""
    group = published.group(key) or published.group(disclosure.NATIONAL.key)
    result = aggregates.ReadinessOverview(
        round=reporting_round, filters=aggregates.ReadinessFilters()
    )
    result.organisers = group.organisers
    result.submitted = published.figure(group.key, SUBMITTED, reveal=reveal)
    result.response_rate = share_figure(result.submitted, group.organisers)
    result.dnp_ready = published.figure(group.key, DNP_READY, reveal=reveal)
    result.dnp_share = share_figure(result.dnp_ready, result.submitted)
    result.dnp_indicators = [i for i in indicators if i.is_dnp]
    result.indicators = [
        _result(published, group.key, i, result.submitted, reveal) for i in indicators
    ]
    result.by_type = [
        _group_row(published, g, counties, reveal) for g in published.by("organiser_type")
    ]
    result.by_county = [_group_row(published, g, counties, reveal) for g in published.by("county")]
    return result


def trend(
    published: list[Published],
    *,
    key: str,
    indicator_code: str,
    rounds: dict[int, ReportingRound],
    indicators_by_framework: dict[int, list[Indicator]],
    reveal: bool = False,
) -> aggregates.ReadinessTrend:
    """Per published round, oldest first: one group's DNP readiness and one indicator (its
    distribution nationally, the share meeting it for a group)."""
    indicator = None
    for p in reversed(published):
        framework = rounds[p.round_id].framework_version_id
        indicator = next(
            (i for i in indicators_by_framework.get(framework, []) if i.code == indicator_code),
            None,
        )
        if indicator:
            break
    points = []
    for p in published:
        reporting_round = rounds[p.round_id]
        framework = reporting_round.framework_version_id
        own = next(
            (i for i in indicators_by_framework.get(framework, []) if i.code == indicator_code),
            None,
        )
        if p.group(key) is None:
            missing = Figure(None)
            points.append(
                aggregates.TrendPoint(
                    reporting_round, missing, missing, missing, [], missing, False
                )
            )
            continue
        submitted = p.figure(key, SUBMITTED, reveal=reveal)
        ready = p.figure(key, DNP_READY, reveal=reveal)
        options, achieved_share = [], Figure(None)
        if own is not None:
            result = _result(p, key, own, submitted, reveal)
            options, achieved_share = result.options, result.achieved_share
        points.append(
            aggregates.TrendPoint(
                round=reporting_round,
                submitted=submitted,
                dnp_ready=ready,
                dnp_share=share_figure(ready, submitted),
                options=options,
                achieved_share=achieved_share,
                has_indicator=own is not None,
            )
        )
    return aggregates.ReadinessTrend(indicator=indicator, points=points)


# ---------------------------------------------------------------- one organiser compared


@dataclass
class ComparisonRow:
    indicator: Indicator
    own_answer: str
    own_achieved: bool | None
    national_share: Figure
    county_share: Figure


@dataclass
class Comparison:
    """An organiser's answers in the latest published round beside the published shares."""

    round: ReportingRound | None
    submitted: bool
    own_dnp_ready: bool | None
    national_dnp_share: Figure
    county_dnp_share: Figure
    county_key: str
    county_name: str
    rows: list[ComparisonRow]

    @property
    def reasons(self) -> list[str]:
        figures = [self.national_dnp_share, self.county_dnp_share]
        figures += [f for row in self.rows for f in (row.national_share, row.county_share)]
        found = {f.reason for f in figures if f.reason}
        return [r.value for r in disclosure.Reason if r.value in found]


def comparison(*, principal: Principal) -> Comparison:
    """The latest publication: national figures and those of the organiser's county (or the
    group its county is published in). Open rounds are never compared: their figures would
    move with each new answer. Three queries besides the publications."""
    from readiness.selectors import display_value

    empty = Comparison(None, False, None, Figure(None), Figure(None), "", "", [])
    published = publications()
    if not published:
        return empty
    latest = published[-1]
    reporting_round = ReportingRound.objects.select_related("framework_version").get(
        pk=latest.round_id
    )
    indicators = [
        i for i in indicators_for(reporting_round.framework_version) if i.answer_type != Types.TEXT
    ]
    own = (
        Assessment.objects.filter(
            principal=principal, round=reporting_round, state=Assessment.State.SUBMITTED
        )
        .select_related("current")
        .first()
    )
    answers = own.current.answers if own and own.current else {}
    national = disclosure.NATIONAL.key
    county_code = principal.county.code if principal.county_id else disclosure.NO_COUNTY
    county = latest.group_for(Breakdown.COUNTY, county_code)
    counties = county_names()

    def shares(key: str, kind: str) -> Figure:
        if key is None or not latest.has(key, kind):
            return Figure(None)
        return share_figure(latest.figure(key, kind), latest.figure(key, SUBMITTED))

    rows, own_values = [], []
    for indicator in indicators:
        if indicator.answer_type == Types.INTEGER:
            continue
        value = (answers.get(indicator.code) or {}).get("value")
        own_values.append((indicator, value))
        kind = part(indicator.code, "achieved")
        rows.append(
            ComparisonRow(
                indicator=indicator,
                own_answer=display_value(indicator, value) if own else "",
                own_achieved=is_achieved(indicator, value) if own else None,
                national_share=shares(national, kind),
                county_share=shares(county.key, kind) if county else Figure(None),
            )
        )
    dnp = [(i, v) for i, v in own_values if i.is_dnp]
    return Comparison(
        round=reporting_round,
        submitted=own is not None,
        own_dnp_ready=(all(is_achieved(i, v) for i, v in dnp) if dnp else None) if own else None,
        national_dnp_share=shares(national, DNP_READY),
        county_dnp_share=shares(county.key, DNP_READY) if county else Figure(None),
        county_key=county.key if county else "",
        county_name=county.label(counties) if county else "",
        rows=rows,
    )


# ---------------------------------------------------------------- open data


def open_records() -> list[dict]:
    """Open data: every publication in long format, one record per figure (docs/open-data.md).

    Exactly the publications' cells, so open data and the dashboards agree; withheld figures
    are empty with `suppressed` and the reason.
    """
    published = publications()
    if not published:
        return []
    rounds = {
        r.pk: r for r in ReportingRound.objects.filter(pk__in=[p.round_id for p in published])
    }
    by_framework = aggregates.indicators_of(r.framework_version_id for r in rounds.values())
    counties = county_names()
    records: list[dict] = []
    for p in published:
        reporting_round = rounds[p.round_id]
        indicators = by_framework.get(reporting_round.framework_version_id, [])
        head_round = {
            "round": reporting_round.name,
            "round_opens": reporting_round.opens_on.isoformat(),
            "round_closes": reporting_round.closes_on.isoformat(),
            "round_published": p.published_at.date().isoformat(),
        }
        for group in p.groups:
            head = {
                **head_round,
                "breakdown": group.breakdown,
                "group_code": group.code,
                "group_name": group.label(counties),
                "group_members": ",".join(group.members),
            }

            def add(measure, count: Figure, base, share_value: Figure, head=head, **extra):
                records.append(
                    {
                        **head,
                        "measure": measure,
                        "indicator_code": extra.get("indicator_code", ""),
                        "indicator_question": extra.get("indicator_question", ""),
                        "answer_code": extra.get("answer_code", ""),
                        "answer_label": extra.get("answer_label", ""),
                        "organisers": count.shown if not extra.get("mean") else None,
                        "base": base,
                        "share_percent": share_value.shown,
                        "mean": extra.get("mean").shown if extra.get("mean") else None,
                        "suppressed": count.suppressed,
                        "suppression_reason": count.reason,
                    }
                )

            submitted = p.figure(group.key, SUBMITTED)
            base = submitted.shown
            add("organisers", Figure(group.organisers), None, Figure(None))
            add("submitted", submitted, group.organisers, share_figure(submitted, group.organisers))
            ready = p.figure(group.key, DNP_READY)
            add("dnp_ready", ready, base, share_figure(ready, submitted))
            for indicator in indicators:
                about = {
                    "indicator_code": indicator.code,
                    "indicator_question": indicator.question,
                }
                code = indicator.code
                if group.breakdown == Breakdown.NATIONAL:
                    for value, label in aggregates.option_labels(indicator):
                        count = p.figure(group.key, option(code, value))
                        add(
                            "answer",
                            count,
                            base,
                            share_figure(count, submitted),
                            answer_code=value,
                            answer_label=str(label),
                            **about,
                        )
                for name in ("not_answered", "answered", "achieved"):
                    kind = part(code, name)
                    if p.has(group.key, kind):
                        count = p.figure(group.key, kind)
                        add(name, count, base, share_figure(count, submitted), **about)
                if indicator.answer_type == Types.INTEGER:
                    answered = p.figure(group.key, part(code, "answered"))
                    mean = p.mean(code, group.key)
                    records.append(
                        {
                            **head,
                            "measure": "mean",
                            **about,
                            "answer_code": "",
                            "answer_label": "",
                            "organisers": None,
                            "base": answered.shown,
                            "share_percent": None,
                            "mean": mean.shown,
                            "suppressed": mean.suppressed,
                            "suppression_reason": mean.reason,
                        }
                    )
    return records
