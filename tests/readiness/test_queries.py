"""Query counts stay flat as organisers, rounds, indicators and versions grow."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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
