"""The figures on a hand-made data set, checked against values worked out by hand."""

import random

import pytest

from readiness.models import Assessment
from readiness.queries import option_conditions
from readiness.selectors import is_achieved
from reporting import aggregates
from reporting.aggregates import ReadinessFilters
from reporting.disclosure import Figure
from tests.reporting.factories import principals, readiness_dataset, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return readiness_dataset()


def overview(data, **filters):
    return aggregates.readiness_overview(
        reporting_round=data.main, filters=ReadinessFilters(**filters)
    )


def distribution(result, code):
    row = next(r for r in result.indicators if r.indicator.code == code)
    return {o.value: (o.count, o.share) for o in row.options}, row


def test_default_round_is_latest_closed(data):
    rounds = aggregates.rounds_to_show()
    assert [r.name for r in rounds] == ["Nu", "Hösten", "Våren"]
    assert aggregates.default_round(rounds) == data.main
    assert aggregates.default_round([data.open]) == data.open
    assert aggregates.default_round([]) is None


def test_national_figures_for_staff(data):
    result = overview(data)
    assert result.organisers == 23
    assert result.submitted == Figure(18)
    assert result.response_rate == Figure(78.3)
    assert result.dnp_ready == Figure(11)
    assert result.dnp_share == Figure(61.1)
    assert [i.code for i in result.dnp_indicators] == ["idp", "mfa"]

    idp, row = distribution(result, "idp")
    assert idp == {
        "none": (Figure(3), Figure(16.7)),
        "own": (Figure(8), Figure(44.4)),
        "service": (Figure(7), Figure(38.9)),
    }
    assert row.not_answered == Figure(0)
    assert (row.achieved, row.achieved_share) == (Figure(15), Figure(83.3))

    mfa, row = distribution(result, "mfa")
    assert {k: v[0].value for k, v in mfa.items()} == {
        "achieved": 7,
        "almost": 3,
        "started": 1,
        "planned": 0,
        "not_planned": 0,
        "not_relevant": 7,
    }
    assert row.achieved == Figure(14)

    fed, row = distribution(result, "fed")
    assert {k: v[0].value for k, v in fed.items()} == {"sf": 10, "mini": 4, "none": 1}
    assert (row.answered, row.not_answered) == (Figure(11), Figure(7))
    assert row.achieved == Figure(10)

    bands, row = distribution(result, "staff-eid-share")
    assert {k: v[0].value for k, v in bands.items()} == {
        "0-24": 6,
        "25-49": 0,
        "50-74": 4,
        "75-99": 1,
        "100": 6,
    }
    assert row.not_answered == Figure(1)
    assert row.achieved == Figure(6)

    _options, row = distribution(result, "staff-count")
    assert (row.answered, row.mean) == (Figure(2), Figure(15.0))


def test_breakdowns_for_staff(data):
    result = overview(data)
    by_type = {r.key: r for r in result.by_type}
    assert set(by_type) == {"KOMMUN", "ENSKILD", "REGION"}
    k = by_type["KOMMUN"]
    assert (k.organisers, k.submitted, k.response_rate) == (15, Figure(10), Figure(66.7))
    assert (k.dnp_ready, k.dnp_share) == (Figure(5), Figure(50.0))
    e = by_type["ENSKILD"]
    assert (e.organisers, e.submitted, e.dnp_ready, e.dnp_share) == (
        6,
        Figure(6),
        Figure(5),
        Figure(83.3),
    )
    r = by_type["REGION"]
    assert (r.organisers, r.submitted, r.dnp_ready, r.dnp_share) == (
        2,
        Figure(2),
        Figure(1),
        Figure(50.0),
    )
    by_county = {r.label: r for r in result.by_county}
    assert set(by_county) == {"Stockholms län", "Skåne län"}
    s = by_county["Stockholms län"]
    assert (s.organisers, s.submitted, s.response_rate, s.dnp_ready) == (
        17,
        Figure(12),
        Figure(70.6),
        Figure(6),
    )


@pytest.mark.parametrize(
    ("filters", "organisers", "submitted", "ready"),
    [
        ({"organiser_type": "KOMMUN"}, 15, 10, 5),
        ({"county": "12"}, 6, 6, 5),
        ({"municipality": "1280"}, 6, 6, 5),
        ({"size_band": "upto-100"}, 6, 6, 5),
        ({"size_band": "101-500"}, 17, 12, 6),
        ({"size_band": "unknown"}, 0, 0, 0),
        ({"organiser_type": "REGION", "county": "01"}, 2, 2, 1),
    ],
)
def test_filters(data, filters, organisers, submitted, ready):
    result = overview(data, **filters)
    assert (result.organisers, result.submitted.value, result.dnp_ready.value) == (
        organisers,
        submitted,
        ready,
    )


def test_filtered_distribution(data):
    idp, _row = distribution(overview(data, organiser_type="KOMMUN"), "idp")
    assert {k: v[0].value for k, v in idp.items()} == {"none": 2, "own": 6, "service": 2}


def test_trend(data):
    trend = aggregates.readiness_trend(rounds=aggregates.rounds_to_show(), indicator_code="idp")
    assert trend.indicator.code == "idp"
    assert [p.round.name for p in trend.points] == ["Våren", "Hösten", "Nu"]
    spring, autumn, now = trend.points
    assert (spring.submitted, spring.dnp_ready, spring.dnp_share) == (
        Figure(10),
        Figure(5),
        Figure(50.0),
    )
    assert {o.value: o.count.value for o in spring.options} == {"none": 5, "own": 5, "service": 0}
    assert autumn.dnp_share == Figure(61.1)
    assert now.submitted == Figure(0) and now.dnp_share == Figure(None)
    filtered = aggregates.readiness_trend(
        rounds=aggregates.rounds_to_show(),
        indicator_code="idp",
        filters=ReadinessFilters(organiser_type="ENSKILD"),
    )
    assert filtered.points[0].submitted == Figure(5)
    assert filtered.points[0].dnp_ready == Figure(0)
    assert filtered.points[1].dnp_ready == Figure(5)


def test_database_achieved_rule_matches_the_action_plan(data):
    """The SQL twin of readiness' is_achieved agrees on every answer a framework allows."""
    rng = random.Random(4)
    for indicator in data.indicators.values():
        options = [v for v, _l in indicator.options()] or [None]
        for _ in range(6):
            if indicator.answer_type == "multi_choice":
                value = rng.sample(options, rng.randint(1, len(options)))
            elif indicator.answer_type in ("percentage", "integer"):
                value = rng.choice([0, 30, 99, 100])
            else:
                value = rng.choice(options)
            assessment = submit(principals(1)[0], data.open, {indicator.code: value})
            matches = (
                Assessment.objects.filter(pk=assessment.pk)
                .filter(aggregates.achieved_condition(indicator))
                .exists()
            )
            assert matches == is_achieved(indicator, value), (indicator.code, value)


# Answers per answer type, edge cases included; ABSENT leaves the question out altogether.
ABSENT = object()
EDGE_ANSWERS = {
    "rating": ["achieved", "almost", "not_relevant", "planned", "", None, ABSENT],
    "yes_no": ["yes", "no", "", None, True, ABSENT],
    "single_choice": ["own", "service", "none", "", None, ["own"], ABSENT],
    "level": ["2", "3", 2, "4", None, ABSENT],
    "multi_choice": [
        ["sf"],
        ["sf", "mini"],
        ["sf", "mini", "none"],
        ["none"],
        ["mini", "sf"],
        [],
        ["sf", "sf"],
        "sf",
        None,
        ABSENT,
    ],
    "open_multi": [["a"], ["a", "b"], [], None, ["c"], ABSENT],
    "percentage": [0, 24, 25, 49, 50, 74, 75, 99, 100, 100.0, 24.5, -1, None, ABSENT],
    "integer": [0, 7, 1200, None, ABSENT],
    "text": ["Mer stöd", "", None, ABSENT],
}


def _edge_framework(data):
    """The data set's framework with one more indicator for each case the counts treat apart."""
    from tests.readiness.factories import IndicatorFactory

    area = data.indicators["idp"].area
    extra = {
        "yes_no": IndicatorFactory(area=area, code="saml", answer_type="yes_no", tags=["DNP"]),
        "level": IndicatorFactory(
            area=area,
            code="level",
            answer_type="single_choice",
            choices=[{"value": v, "label": f"Nivå {v}"} for v in ("2", "3", "4")],
        ),
        "open_multi": IndicatorFactory(
            area=area,
            code="open-multi",
            answer_type="multi_choice",
            choices=[{"value": v, "label": v.upper()} for v in ("a", "b", "c")],
        ),
        "text": IndicatorFactory(area=area, code="needs", answer_type="text"),
    }
    by_kind = {i.answer_type: i for i in data.indicators.values()}
    return {
        "rating": by_kind["rating"],
        "single_choice": by_kind["single_choice"],
        "multi_choice": by_kind["multi_choice"],
        "percentage": by_kind["percentage"],
        "integer": by_kind["integer"],
        **extra,
    }


def test_answer_counts_agree_with_the_database_conditions(data):
    """Answers are counted per distinct answer and mapped in Python (with readiness' own
    is_achieved); DNP readiness still counts with the database conditions. Both must agree,
    on several choices, empty answers and the band edges too."""
    indicators = _edge_framework(data)
    longest = max(len(v) for v in EDGE_ANSWERS.values())
    for n, principal in enumerate(principals(longest + 1)):
        answers = {}
        for kind, indicator in indicators.items():
            values = EDGE_ANSWERS[kind]
            value = values[n % len(values)] if n < longest else ABSENT
            if value is not ABSENT:
                answers[indicator.code] = value
        submit(principal, data.open, answers)
    submitted = Assessment.objects.filter(round=data.open, state=Assessment.State.SUBMITTED)

    def expected(indicator):
        options = [submitted.filter(c).count() for _v, _l, c in option_conditions(indicator)]
        answered = submitted.filter(aggregates.answered_condition(indicator)).count()
        achieved = submitted.filter(aggregates.achieved_condition(indicator)).count()
        return options, answered, achieved

    overview = aggregates.readiness_overview.uncached(reporting_round=data.open)
    rows = {r.indicator.code: r for r in overview.indicators}
    assert overview.submitted == Figure(longest + 1)
    for kind, indicator in indicators.items():
        row = rows[indicator.code]
        options, answered, achieved = expected(indicator)
        assert [o.count.value for o in row.options] == options, kind
        assert row.answered.value == answered, kind
        if kind != "text":  # free text outside DNP has no achieved count
            assert row.achieved.value == achieved, kind

        trend = aggregates.readiness_trend.uncached(
            rounds=[data.open], indicator_code=indicator.code
        )
        point = trend.points[0]
        assert [o.count.value for o in point.options] == options, kind
        if kind != "text":
            assert point.achieved_share == Figure(aggregates.share(achieved, longest + 1)), kind
    ready = submitted.filter(aggregates.dnp_condition(list(indicators.values()))).count()
    assert overview.dnp_ready == Figure(ready)


def test_answer_counts_distinguish_text_from_numbers(data):
    """A level chosen as "2" is an option; the number 2 is none, on SQLite as on PostgreSQL."""
    indicators = _edge_framework(data)
    level = indicators["level"]
    for value in ["2", "2", 2, 2.0, "3"]:
        submit(principals(1)[0], data.open, {level.code: value})
    overview = aggregates.readiness_overview.uncached(reporting_round=data.open)
    counts, row = distribution(overview, "level")
    assert {k: v[0].value for k, v in counts.items()} == {"2": 2, "3": 1, "4": 0}
    assert (row.answered, row.not_answered) == (Figure(3), Figure(2))


def test_cached_figures_equal_freshly_computed_ones(data):
    from django.core.cache import cache

    filters = ReadinessFilters(organiser_type="KOMMUN")
    rounds = aggregates.rounds_to_show()
    calls = [
        (aggregates.readiness_overview, {"reporting_round": data.main}),
        (aggregates.readiness_overview, {"reporting_round": data.earlier, "filters": filters}),
        (
            aggregates.readiness_trend,
            {"rounds": rounds, "indicator_code": "idp", "filters": filters},
        ),
    ]
    for function, kwargs in calls:
        fresh = function.uncached(**kwargs)
        first = function(**kwargs)  # computed and stored
        assert cache.get(_key_of(function, kwargs)) is not None
        second = function(**kwargs)  # read back from the cache
        assert first == fresh and second == fresh
        assert second is not first


def _key_of(function, kwargs):
    from reporting.cache import make_key

    return make_key(f"{function.__module__}.{function.__qualname__}", kwargs)


def test_a_change_moves_the_data_version(data, staff):
    from readiness.services import assessment_return
    from reporting.cache import data_version

    before = data_version()
    assert data_version() == before  # reading changes nothing
    cached = overview(data)
    assessment = Assessment.objects.filter(round=data.main, state="submitted").first()
    assessment_return(assessment=assessment, comment="Fel svar", actor=staff)
    assert data_version() != before
    assert overview(data).submitted == Figure(cached.submitted.value - 1)
