import io

import pytest

from readiness import demo
from readiness.models import Assessment, AssessmentVersion, ReportingRound
from tests.principals.factories import MembershipFactory, PrincipalFactory

pytestmark = pytest.mark.django_db


def test_demo_rounds_with_spread_of_answers_and_idempotent():
    principals = PrincipalFactory.create_batch(30, is_demo=True)
    MembershipFactory(principal=principals[0])
    PrincipalFactory(name="Riktig huvudman")  # not demo: never gets demo answers
    demo.load(io.StringIO())
    rounds = list(ReportingRound.objects.order_by("opens_on"))
    assert [r.status for r in rounds] == ["closed", "closed", "closed", "open"]
    assert all("(demo)" in r.name for r in rounds)
    assert not Assessment.objects.filter(principal__is_demo=False).exists()
    open_states = set(Assessment.objects.filter(round=rounds[-1]).values_list("state", flat=True))
    assert open_states == {"submitted", "draft"}
    assert Assessment.objects.filter(round=rounds[-1]).count() < 30  # some not started
    for assessment in Assessment.objects.select_related("current", "draft"):
        assert (assessment.current or assessment.draft) is not None

    def achieved_share(r):
        values = [
            a["value"]
            for v in AssessmentVersion.objects.filter(assessment__round=r, kind="submitted")
            for a in v.answers.values()
        ]
        return values.count("achieved") / max(1, len(values))

    assert achieved_share(rounds[0]) < achieved_share(rounds[1]) < achieved_share(rounds[-1])
    counts = (Assessment.objects.count(), AssessmentVersion.objects.count())
    demo.load(io.StringIO())
    assert (Assessment.objects.count(), AssessmentVersion.objects.count()) == counts


def test_demo_without_demo_organisers_creates_rounds_only():
    demo.load(io.StringIO())
    assert ReportingRound.objects.count() == 4
    assert not Assessment.objects.exists()


def test_the_demo_accounts_organisation_has_answered_every_closed_round():
    principals = PrincipalFactory.create_batch(12, is_demo=True)
    MembershipFactory(principal=principals[3], user__username="demo-kommun-redaktor")
    demo.load(io.StringIO())
    states = dict(
        Assessment.objects.filter(principal=principals[3]).values_list("round__name", "state")
    )
    rounds = list(ReportingRound.objects.order_by("opens_on"))
    assert [states.get(r.name) for r in rounds] == ["submitted"] * (len(rounds) - 1) + ["draft"]
