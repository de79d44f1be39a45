"""Query counts stay flat as organisers, rounds, indicators and versions grow; and the answer
rules in readiness/queries.py (the database's form) count as selectors.is_achieved and the
Python tally do, on the same rows."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from readiness.models import Assessment, Indicator
from readiness.queries import (
    TALLIED,
    AnswerJsonText,
    achieved_condition,
    answer_tally,
    answered_condition,
    count_answers,
    counted_as,
    dnp_condition,
    is_given,
    option_conditions,
    option_labels,
)
from readiness.selectors import assessment_and_previous, is_achieved
from readiness.services import validate_answers
from tests.principals.factories import MembershipFactory, PrincipalFactory

from .factories import (
    AreaFactory,
    AssessmentFactory,
    IndicatorFactory,
    ReportingRoundFactory,
    submitted_version,
)

pytestmark = pytest.mark.django_db


def build(n, principal, editor):
    """n areas × 2 indicators, n earlier rounds, n organisers with members, n versions."""
    today = timezone.localdate()
    area = AreaFactory()
    framework = area.framework
    for _ in range(n):
        a = AreaFactory(framework=framework)
        IndicatorFactory(area=a)
        IndicatorFactory(
            area=a,
            answer_type="multi_choice",
            choices=[{"value": "x", "label": "X"}, {"value": "y", "label": "Y"}],
        )
    current = ReportingRoundFactory(framework_version=framework)
    for i in range(n):
        old = ReportingRoundFactory(
            framework_version=framework,
            opens_on=today - datetime.timedelta(days=400 + i),
            closes_on=today - datetime.timedelta(days=300 + i),
        )
        submitted_version(AssessmentFactory(principal=principal, round=old), {})
        other = PrincipalFactory()
        MembershipFactory(principal=other)
        MembershipFactory(principal=other, role="reader")
        AssessmentFactory(principal=other, round=current, state="draft")
    mine = AssessmentFactory(principal=principal, round=current)
    for number in range(1, n + 1):
        submitted_version(mine, {"ind-x": {"value": "achieved", "comment": ""}}, number=number)
    return current


def count(client, url):
    client.get(url)  # warm per-process caches (content types, site settings)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "page",
    ["edit", "review", "history", "detail", "action-plan", "overview", "principal", "round-list"],
)
def test_pages_are_flat(client, login, staff, page):
    results = []
    for n in (2, 20):
        principal = PrincipalFactory()
        editor = MembershipFactory(principal=principal).user
        reporting_round = build(n, principal, editor)
        user = staff if page in ("overview", "round-list") else editor
        login(user)
        kwargs = {"principal_pk": principal.pk, "round_pk": reporting_round.pk}
        url = {
            "edit": reverse("readiness:assessment-edit", kwargs=kwargs),
            "review": reverse("readiness:assessment-review", kwargs=kwargs),
            "history": reverse("readiness:assessment-history", kwargs=kwargs),
            "detail": reverse("readiness:assessment-detail", kwargs=kwargs),
            "action-plan": reverse("readiness:assessment-action-plan", kwargs=kwargs),
            "overview": reverse("readiness:round-detail", args=[reporting_round.pk]) + "?show=all",
            "principal": reverse("principals:principal-detail", args=[principal.pk]),
            "round-list": reverse("readiness:round-list"),
        }[page]
        results.append(count(client, url))
    assert results[0] == results[1], results


# ---------------------------------------------------------------- the answer rules' two forms

Types = Indicator.AnswerType
ABSENT = object()  # the question left out of the answers altogether
NO_VALUE = object()  # an answer with a comment and no "value" key
BARE = object()  # the indicator's first saved value, not wrapped in an answer

# Per indicator, answers readiness saves: the first meets the indicator, then the others and
# the unanswered ones. Free text and whole numbers are met by any answer, or none.
SAVED = {
    "rating": ["achieved", "not_relevant", "almost", "started", "planned", None, ABSENT],
    "yes-no": ["yes", "no", None, ABSENT],
    "provider": ["own", "service", "none", None, ABSENT],
    "level": ["2", "3", "4", None, ABSENT],
    "federation": [["sf"], ["mini", "none"], ["sf", "mini"], ["none"], None, ABSENT],
    "services": [["a"], ["a", "b"], ["c"], None, ABSENT],
    "share": [100, 0, 24, 25, 49, 50, 74, 75, 99, None, ABSENT],
    "staff": [7, 0, 1200, None, ABSENT],
    "needs": ["Mer stöd", None, ABSENT],
}
# Answers readiness refuses, which a framework change, an import or a hand-edited version could
# still leave behind: numbers as text, a list where one value is expected and the reverse, an
# answer without a value and a value without its answer object.
ODD = {
    "rating": ["", "Achieved", ["achieved"], True, 1, NO_VALUE, BARE],
    "yes-no": ["", True, "YES", ["yes"], NO_VALUE, BARE],
    "provider": ["", ["own"], "other", 1, NO_VALUE, BARE],
    "level": [2, 3.0, "5", [], ["2"], NO_VALUE, BARE],
    "federation": [[], "sf", ["sf", "sf"], ["other"], [1], NO_VALUE, BARE],
    "services": [[], "a", ["z"], NO_VALUE, BARE],
    "share": [100.0, 24.5, -1, 150, "100", "50", True, NO_VALUE, BARE],
    "staff": ["12", -3, 2.5, "", True, NO_VALUE, BARE],
    "needs": ["", 0, ["Mer stöd"], NO_VALUE, BARE],
}
# Odd answers on which the two forms are known to differ, left out per database. The databases
# compare JSON values of different types in their own order: answered_condition counts a
# percentage given as true as answered (PostgreSQL sorts booleans above numbers, SQLite reads
# true as 1, in the tally too), and on SQLite one given as text, which sorts above every
# number; counted_as counts neither. Readiness refuses both, and no figure counts percentages
# by answered_condition.
DIFFERS = {"postgresql": {"share": [True]}, "sqlite": {"share": [True, "100", "50"]}}


def rule_framework():
    """One indicator per answer type, and the variants the rules treat apart (choices with and
    without achieved values, options that look like numbers); four of them DNP."""
    area = AreaFactory()

    def indicator(code, kind, **kwargs):
        return IndicatorFactory(area=area, code=code, answer_type=kind, required=False, **kwargs)

    def choices(*values):
        return [{"value": v, "label": v.upper()} for v in values]

    indicators = [
        indicator("rating", Types.RATING, tags=["DNP"]),
        indicator("yes-no", Types.YES_NO, tags=["DNP"]),
        indicator(
            "provider",
            Types.SINGLE_CHOICE,
            choices=choices("none", "own", "service"),
            achieved_values=["own", "service"],
            tags=["DNP"],
        ),
        indicator("level", Types.SINGLE_CHOICE, choices=choices("2", "3", "4")),
        indicator(
            "federation",
            Types.MULTI_CHOICE,
            choices=choices("sf", "mini", "none"),
            achieved_values=["sf", "mini"],
            tags=["DNP"],
        ),
        indicator("services", Types.MULTI_CHOICE, choices=choices("a", "b", "c")),
        indicator("share", Types.PERCENTAGE),
        indicator("staff", Types.INTEGER),
        indicator("needs", Types.TEXT),
    ]
    assert {i.answer_type for i in indicators} == set(Types.values), "an answer type is missing"
    assert [i.code for i in indicators] == list(SAVED) == list(ODD)
    return area.framework, indicators


def submit_rows(reporting_round, indicators, table) -> list[int]:
    """Submissions giving each indicator each of its answers in `table`, in changing company
    (row n gives every indicator its n-th answer, lists of unequal length wrapping round)."""
    differs = DIFFERS.get(connection.vendor, {})
    table = {
        code: [v for v in values if v not in differs.get(code, [])]
        for code, values in table.items()
    }
    pks = []
    for n in range(max(len(values) for values in table.values())):
        answers = {}
        for indicator in indicators:
            values = table[indicator.code]
            value = values[n % len(values)]
            if value is BARE:
                answers[indicator.code] = SAVED[indicator.code][0]
            elif value is NO_VALUE:
                answers[indicator.code] = {"comment": "Se bilaga"}
            elif value is not ABSENT:
                answers[indicator.code] = {"value": value, "comment": ""}
        assessment = AssessmentFactory(principal=PrincipalFactory(), round=reporting_round)
        submitted_version(assessment, answers)
        pks.append(assessment.pk)
    return pks


@pytest.fixture
def submissions():
    """(indicators, all submissions, those with only answers readiness saves)."""
    framework, indicators = rule_framework()
    reporting_round = ReportingRoundFactory(framework_version=framework)
    saved = submit_rows(reporting_round, indicators, SAVED)
    submit_rows(reporting_round, indicators, ODD)
    submitted_version(AssessmentFactory(principal=PrincipalFactory(), round=reporting_round), {})
    assessments = Assessment.objects.filter(round=reporting_round).select_related("current")
    return indicators, assessments, assessments.filter(pk__in=saved)


def value_of(assessment, indicator):
    """The answer's value as the Python rules read it from a version's answers."""
    answer = assessment.current.answers.get(indicator.code)
    return answer.get("value") if isinstance(answer, dict) else None


def refused(indicator, value) -> bool:
    answers = {indicator.code: {"value": value, "comment": ""}}
    return bool(
        validate_answers(
            framework=indicator.framework, answers=answers, complete=False, indicators=[indicator]
        )
    )


def matching(assessments, condition) -> set[int]:
    return set(assessments.filter(condition).values_list("pk", flat=True))


def test_the_answers_are_what_they_claim(submissions):
    """Readiness saves the saved answers and refuses the odd ones; each indicator is met by
    some saved answers and, unless any answer meets it, not by others."""
    indicators, _assessments, _saved = submissions
    for indicator in indicators:
        saved = [v for v in SAVED[indicator.code] if v is not ABSENT]
        assert not any(refused(indicator, v) for v in saved), indicator.code
        odd = [v for v in ODD[indicator.code] if v not in ("", [], NO_VALUE, BARE)]
        assert all(refused(indicator, v) for v in odd), indicator.code
        met = {is_achieved(indicator, v) for v in saved}
        always = indicator.answer_type in (Types.TEXT, Types.INTEGER)
        assert met == ({True} if always else {True, False}), indicator.code


def test_achieved_condition_agrees_with_is_achieved(submissions):
    """On every answer readiness saves, the dashboards' database condition picks the
    submissions the action plan's is_achieved does: per indicator, and for DNP readiness."""
    indicators, _assessments, saved = submissions
    for indicator in indicators:
        expected = {a.pk for a in saved if is_achieved(indicator, value_of(a, indicator))}
        assert matching(saved, achieved_condition(indicator)) == expected, indicator.code
    dnp = [i for i in indicators if i.is_dnp]
    expected = {a.pk for a in saved if all(is_achieved(i, value_of(a, i)) for i in dnp)}
    assert expected, "no submission meets every DNP indicator"
    assert matching(saved, dnp_condition(indicators)) == expected


def test_conditions_agree_with_counted_as(submissions):
    """Per submission, odd answers included, the database's option, answered and achieved
    conditions agree with counted_as, the Python form the tally maps answers with (and, for
    free text and whole numbers, with is_achieved)."""
    indicators, assessments, _saved = submissions
    for indicator in indicators:
        if indicator.answer_type not in TALLIED:
            expected = {a.pk for a in assessments if is_achieved(indicator, value_of(a, indicator))}
            assert matching(assessments, achieved_condition(indicator)) == expected, indicator.code
            continue
        counted = {a.pk: counted_as(indicator, value_of(a, indicator)) for a in assessments}
        for value, _label, condition in option_conditions(indicator):
            expected = {pk for pk, (options, _a, _h) in counted.items() if value in options}
            assert matching(assessments, condition) == expected, (indicator.code, value)
        expected = {pk for pk, (_o, answered, _h) in counted.items() if answered}
        assert matching(assessments, answered_condition(indicator)) == expected, indicator.code
        expected = {pk for pk, (_o, _a, achieved) in counted.items() if achieved}
        assert matching(assessments, achieved_condition(indicator)) == expected, indicator.code


def test_answered_condition_agrees_with_is_given_on_saved_answers(submissions):
    """Whole numbers and free text: the published figures count an answer as given by
    is_given, the live ones by answered_condition; on what readiness saves they agree."""
    indicators, _assessments, saved = submissions
    for indicator in indicators:
        if indicator.answer_type not in (Types.INTEGER, Types.TEXT):
            continue
        expected = {a.pk for a in saved if is_given(indicator, value_of(a, indicator))}
        assert expected, indicator.code
        assert matching(saved, answered_condition(indicator)) == expected, indicator.code


def python_counts(indicator, assessments) -> tuple[list[int], int, int]:
    """count_answers' figures worked out submission by submission in Python."""
    counted = [counted_as(indicator, value_of(a, indicator)) for a in assessments]
    options = [value for value, _label, _condition in option_conditions(indicator)]
    return (
        [sum(value in chosen for chosen, _a, _h in counted) for value in options],
        sum(answered for _o, answered, _h in counted),
        sum(achieved for _o, _a, achieved in counted),
    )


def test_the_tally_counts_as_python_does(submissions):
    """The database's tally of distinct answers, the overview's (answer_tally) and the trend's
    (AnswerJsonText), mapped by count_answers, counts as Python does on the same submissions."""
    indicators, assessments, _saved = submissions
    tallied = [i for i in indicators if i.answer_type in TALLIED]
    tally = answer_tally(assessments, [i.code for i in tallied])[()]
    for indicator in tallied:
        expected = python_counts(indicator, assessments)
        assert count_answers(indicator, tally[indicator.code]) == expected, indicator.code
        grouped = {
            row["answer"]: row["n"]
            for row in assessments.order_by()
            .values(answer=AnswerJsonText(indicator.code))
            .annotate(n=Count("pk"))
        }
        assert count_answers(indicator, grouped) == expected, indicator.code


def test_the_form_reads_this_rounds_assessment_and_the_last_earlier_submission_together(
    principal_a, principal_b, django_assert_num_queries
):
    """The last *submitted* assessment of an earlier round; never a later or same-day round,
    an unsubmitted one or another organiser's."""
    today = timezone.localdate()

    def round_opening(days_ago):
        return ReportingRoundFactory(opens_on=today - datetime.timedelta(days=days_ago))

    this_round = round_opening(10)
    older, newer_unsubmitted, same_day, later = (
        round_opening(400),
        round_opening(200),
        round_opening(10),
        round_opening(5),
    )
    submitted_version(AssessmentFactory(principal=principal_a, round=older), {})
    AssessmentFactory(principal=principal_a, round=newer_unsubmitted)
    for other in (same_day, later):
        submitted_version(AssessmentFactory(principal=principal_a, round=other), {})
    submitted_version(AssessmentFactory(principal=principal_b, round=round_opening(100)), {})

    with django_assert_num_queries(1):
        this, previous = assessment_and_previous(principal_a, this_round)
    assert this is None and previous.round == older

    mine = AssessmentFactory(principal=principal_a, round=this_round)
    this, previous = assessment_and_previous(principal_a, this_round)
    assert this == mine and previous.round == older


@pytest.mark.parametrize("answer_type", TALLIED)
def test_option_labels_and_values_follow_the_conditions_in_each_language(answer_type):
    """option_labels and option_values list what option_conditions counts, in its order; the
    fixed scales' labels are kept per language, so Swedish and English never mix."""
    choices = [{"value": "a", "label": "Alfa"}, {"value": "b", "label": "Beta"}]
    indicator = IndicatorFactory(answer_type=answer_type, choices=choices)
    shown = {}
    for language in ("sv", "en", "sv"):
        with translation.override(language):
            conditions = option_conditions(indicator)
            labels = option_labels(indicator)
            assert labels == [(value, label) for value, label, _c in conditions]
            if answer_type != Indicator.AnswerType.PERCENTAGE:
                assert indicator.option_values() == [value for value, _l in labels]
                assert indicator.options() == labels
            shown.setdefault(language, labels)
            assert shown[language] == labels
    if answer_type == Indicator.AnswerType.RATING:
        assert dict(shown["sv"])["achieved"] == "Uppnådd"
        assert dict(shown["en"])["achieved"] == "Achieved"
