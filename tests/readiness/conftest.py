import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness.models import Assessment
from readiness.selectors import group_by_area, indicators_for
from readiness.services import framework_load_default

from .factories import ReportingRoundFactory


@pytest.fixture
def framework(db):
    return framework_load_default(actor="test")[0]


@pytest.fixture
def open_round(framework):
    return ReportingRoundFactory(name="Hösten 2026", framework_version=framework)


@pytest.fixture
def closed_round(framework):
    today = timezone.localdate()
    return ReportingRoundFactory(
        name="Våren 2026",
        framework_version=framework,
        opens_on=today - datetime.timedelta(days=200),
        closes_on=today - datetime.timedelta(days=150),
    )


def complete_answers(framework, **overrides):
    """A valid answer to every required question (rating questions: 'Påbörjad')."""
    answers = {}
    for indicator in framework.indicators.all():
        if not indicator.required:
            continue
        kind = indicator.answer_type
        if kind == "rating":
            value = "started"
        elif kind == "yes_no":
            value = "no"
        elif kind == "single_choice":
            value = indicator.choices[0]["value"]
        elif kind == "multi_choice":
            value = [indicator.choices[0]["value"]]
        elif kind == "percentage":
            value = 40
        elif kind == "integer":
            value = 12
        else:
            value = "Text"
        answers[indicator.code] = {"value": value, "comment": ""}
    for code, value in overrides.items():
        answers[code.replace("_", "-")] = {"value": value, "comment": ""}
    return answers


def post_data(framework, answers, lock, action="save"):
    """The form's POST for a set of answers."""
    data = {"lock": str(lock), action: "1"}
    for code, answer in answers.items():
        value = answer["value"]
        if isinstance(value, list):
            data[f"v-{code}"] = value
        elif value is not None:
            data[f"v-{code}"] = str(value)
        if answer.get("comment"):
            data[f"c-{code}"] = answer["comment"]
    return data


def edit_url(principal, reporting_round, step=None):
    url = reverse(
        "readiness:assessment-edit",
        kwargs={"principal_pk": principal.pk, "round_pk": reporting_round.pk},
    )
    return url if step is None else f"{url}?steg={step}"


def review_url(principal, reporting_round):
    return reverse(
        "readiness:assessment-review",
        kwargs={"principal_pk": principal.pk, "round_pk": reporting_round.pk},
    )


def steps_of(framework):
    """[(step number, codes of its questions)] in the order the form shows the areas."""
    return [
        (n, [i.code for i in items])
        for n, (_area, items) in enumerate(group_by_area(indicators_for(framework)), start=1)
    ]


def step_of(framework, code):
    return next(n for n, codes in steps_of(framework) if code in codes)


def lock_of(principal, reporting_round):
    assessment = Assessment.objects.filter(principal=principal, round=reporting_round).first()
    return assessment.version if assessment else 1


def fill_in(client, principal, reporting_round, answers, *, submit=False):
    """Post each step's share of `answers` as a browser would, then submit from the review page
    when asked; returns the last response."""
    framework = reporting_round.framework_version
    for number, codes in steps_of(framework):
        part = {code: answers[code] for code in codes if code in answers}
        response = client.post(
            edit_url(principal, reporting_round, number),
            post_data(framework, part, lock_of(principal, reporting_round), action="next"),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
    if submit:
        response = client.post(
            review_url(principal, reporting_round),
            {"lock": lock_of(principal, reporting_round), "submit": "1"},
        )
    return response
