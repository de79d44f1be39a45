import datetime

import pytest
from django.utils import timezone

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
