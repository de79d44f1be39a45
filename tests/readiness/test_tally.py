"""The running tally gives the same figures as counting the submissions afresh.

Random sequences of what moves a figure during an open round (submissions, resubmissions,
returns, register changes one by one and in bulk), each seeded so a failure
can be replayed, and after every few steps the staff figures read from the tally are compared
with the figures counted from the submissions (reporting.aggregates' live functions).
"""

import random
from io import StringIO

import pytest
from django.core.management import call_command

from portal import request_memo
from portal.models import AuditEvent
from portal.signals import principals_changed
from principals.models import SIZE_BANDS, County, Principal
from readiness import tally
from readiness.demo import _answer
from readiness.models import AnswerCount, Assessment, CountedSubmission, TalliedRound
from readiness.services import assessment_return, assessment_submit
from reporting import aggregates
from reporting import cache as reporting_cache
from tests.portal.factories import staff_user
from tests.principals.factories import MembershipFactory, PrincipalFactory

from .factories import ReportingRoundFactory

TYPES = [Principal.OrganiserType.KOMMUN, Principal.OrganiserType.ENSKILD]
PUPILS = [None, 40, 300, 2000, 9000]
# One of each kind of answer: choice, rating, whole number, percentage, several choices, text.
TREND_CODES = ["idp", "fidus", "staff-count", "staff-eid-share", "skr-guidance", "support-needs"]
NEW_VERSION = Assessment._meta.get_field("version").default  # what a new form shows


def _answers(framework, rng):
    answers = {}
    for indicator in framework.indicators.all():
        if rng.random() < 0.15 and not indicator.required:
            continue
        # Mostly answers that meet the indicator, so some submissions meet every DNP one.
        value = _answer(indicator, 1.0, 0.01 if rng.random() < 0.8 else 1.5, rng)
        if value not in ("", None, []):
            answers[indicator.code] = {"value": value, "comment": ""}
    return answers


def _filters(counties, rng):
    yield aggregates.ReadinessFilters()
    yield aggregates.ReadinessFilters(organiser_type=rng.choice(TYPES))
    yield aggregates.ReadinessFilters(county=rng.choice(counties).code)
    yield aggregates.ReadinessFilters(size_band=rng.choice(SIZE_BANDS)[0])
    yield aggregates.ReadinessFilters(organiser_type=TYPES[1], county=counties[0].code)


COUNT_QUERIES = [
    {},
    {"by": ("organiser_type", "county_id"), "codes": [tally.SUBMISSION]},
    {"codes": [tally.SUBMISSION, "idp"], "organiser_type": TYPES[1]},
]


def _assert_kept_counts_fresh(rounds):
    """The counts kept from before the last changes are the counts read afresh now."""
    ids = [r.pk for r in rounds]
    kept = [tally.counts(round_ids=ids, **query) for query in COUNT_QUERIES]
    reporting_cache.clear()
    assert kept == [tally.counts(round_ids=ids, **query) for query in COUNT_QUERIES]


def _assert_agree(rounds, counties, rng):
    if TalliedRound.objects.exists():
        _assert_kept_counts_fresh(rounds)
    reporting_cache.clear()
    for filters in _filters(counties, rng):
        for reporting_round in rounds:
            tallied = aggregates.readiness_overview.uncached(
                reporting_round=reporting_round, filters=filters
            )
            live = aggregates.readiness_overview_live(
                reporting_round=reporting_round, filters=filters
            )
            assert tallied == live, filters
        for code in (rng.choice(TREND_CODES), ""):
            tallied = aggregates.readiness_trend.uncached(
                rounds=rounds, indicator_code=code, filters=filters
            )
            live = aggregates.readiness_trend_live(
                rounds=rounds, indicator_code=code, filters=filters
            )
            assert tallied == live, (filters, code)


def _submit(assessment_of, principal, reporting_round, editor, framework, rng):
    assessment = assessment_of(principal, reporting_round)
    assessment_submit(
        principal=principal,
        reporting_round=reporting_round,
        answers=_answers(framework, rng),
        seen_version=assessment.version if assessment else NEW_VERSION,
        actor=editor,
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_tally_and_live_figures_agree_after_random_changes(framework, seed):
    rng = random.Random(seed)
    counties = list(County.objects.order_by("code")[:3])
    rounds = [
        ReportingRoundFactory(name=f"Omgång {n}", framework_version=framework) for n in (1, 2)
    ]
    staff = staff_user()
    organisers = []
    for n in range(10):
        principal = PrincipalFactory(
            organiser_type=TYPES[n % 2], county=counties[n % 3], pupils=PUPILS[n % 5]
        )
        organisers.append((principal, MembershipFactory(principal=principal).user))

    def assessment_of(principal, reporting_round):
        return Assessment.objects.filter(principal=principal, round=reporting_round).first()

    # A first submission before anything is tallied (rounds from before the tally): the first
    # read counts from the submissions and has a worker tally the rounds.
    _submit(assessment_of, organisers[0][0], rounds[0], organisers[0][1], framework, rng)
    assert not TalliedRound.objects.exists()
    _assert_agree(rounds, counties, rng)
    assert TalliedRound.objects.count() == 2

    for step in range(40):
        principal, editor = rng.choice(organisers)
        principal.refresh_from_db()
        reporting_round = rng.choice(rounds)
        assessment = assessment_of(principal, reporting_round)
        move = rng.random()
        if move < 0.45:
            _submit(assessment_of, principal, reporting_round, editor, framework, rng)
        elif move < 0.55 and assessment and assessment.state == Assessment.State.SUBMITTED:
            assessment_return(assessment=assessment, comment="Rätta", actor=staff)
        elif move < 0.65:
            principal.organiser_type = rng.choice(TYPES)
            principal.save()
        elif move < 0.72:
            principal.county = rng.choice([*counties, None])
            principal.save()
        elif move < 0.8:
            principal.pupils = rng.choice(PUPILS)
            principal.save()
        elif move < 0.88:
            principal.status = rng.choice(list(Principal.Status.values))
            principal.save()
        else:
            # An import changes organisers in bulk, past save(), and says which.
            changed = [p.pk for p, _u in rng.sample(organisers, 3)]
            Principal.objects.filter(pk__in=changed).update(
                county=rng.choice(counties), status=Principal.Status.ACTIVE
            )
            principals_changed.send(sender=Principal, principal_ids=changed)
        if step % 5 == 4:
            _assert_agree(rounds, counties, rng)
    _assert_agree(rounds, counties, rng)
    assert Assessment.objects.filter(state=Assessment.State.SUBMITTED).exists()
    # Counting afresh finds nothing to correct.
    assert not any(tally.rebuild(r) for r in rounds)


def test_a_submission_re_reads_the_counts_of_its_own_round_only(framework, monkeypatch):
    rounds = [
        ReportingRoundFactory(name=f"Omgång {n}", framework_version=framework) for n in (1, 2)
    ]
    principal = PrincipalFactory()
    editor = MembershipFactory(principal=principal).user
    ids = [r.pk for r in rounds]
    tally.ensure_tallied(ids)
    reporting_cache.clear()
    before = tally.counts(round_ids=ids)
    read = []
    real = tally._read_counts
    monkeypatch.setattr(tally, "_read_counts", lambda ids, *a: read.append(ids) or real(ids, *a))
    assert tally.counts(round_ids=ids) == before
    assert read == []  # both rounds' counts were kept
    rng = random.Random(7)
    _submit(lambda p, r: None, principal, rounds[1], editor, framework, rng)
    after = tally.counts(round_ids=ids)
    assert read == [[rounds[1].pk]]
    assert after[(rounds[1].pk,)][tally.SUBMISSION][tally.SUBMITTED][0] == 1
    assert (rounds[0].pk,) not in after
    reporting_cache.clear()
    assert tally.counts(round_ids=ids) == after


def test_a_rebuild_reports_counters_that_drifted(framework):
    reporting_round = ReportingRoundFactory(framework_version=framework)
    principal = PrincipalFactory()
    editor = MembershipFactory(principal=principal).user
    tally.ensure_tallied([reporting_round.pk])
    assessment_submit(
        principal=principal,
        reporting_round=reporting_round,
        answers=_answers(framework, random.Random(5)),
        seen_version=NEW_VERSION,
        actor=editor,
    )
    assert CountedSubmission.objects.count() == 1
    assert not tally.rebuild(reporting_round)
    AnswerCount.objects.filter(round=reporting_round, code="", answer=tally.SUBMITTED).update(n=7)
    assert tally.rebuild(reporting_round)
    submitted = AnswerCount.objects.get(round=reporting_round, code="", answer=tally.SUBMITTED)
    assert submitted.n == 1


def test_the_dashboard_reads_the_tally_not_the_submissions(
    framework, django_assert_max_num_queries
):
    """A cold overview costs the same few queries however many organisers have submitted."""
    reporting_round = ReportingRoundFactory(framework_version=framework)
    rng = random.Random(9)
    for _ in range(12):
        principal = PrincipalFactory(pupils=rng.choice(PUPILS))
        editor = MembershipFactory(principal=principal).user
        assessment_submit(
            principal=principal,
            reporting_round=reporting_round,
            answers=_answers(framework, rng),
            seen_version=NEW_VERSION,
            actor=editor,
        )
    aggregates.readiness_overview.uncached(reporting_round=reporting_round)  # tallies the round
    # In a reading request: indicators, organisers by type × county, the tally's versions, the
    # counters twice, counties.
    reporting_cache.clear()
    with request_memo.reading(), django_assert_max_num_queries(6):
        overview = aggregates.readiness_overview.uncached(reporting_round=reporting_round)
    assert overview.submitted.value == 12


def test_the_rebuild_command_corrects_drift_and_records_it(framework):
    reporting_round = ReportingRoundFactory(framework_version=framework)
    tally.ensure_tallied([reporting_round.pk])
    AnswerCount.objects.create(
        round=reporting_round,
        organiser_type="KOMMUN",
        county_id=0,
        size_band="unknown",
        code="",
        answer=tally.SUBMITTED,
        n=3,
    )
    out = StringIO()
    call_command("tally_rebuild", stdout=out)
    assert "1 behövde rättas" in out.getvalue()
    assert not AnswerCount.objects.filter(n__gt=0).exists()
    event = AuditEvent.objects.get(actor_label="tally_rebuild")
    assert (event.object_id, event.content_type.model) == (
        str(reporting_round.pk),
        "reportinground",
    )
    out = StringIO()
    call_command("tally_rebuild", stdout=out)
    assert "0 behövde rättas" in out.getvalue()
