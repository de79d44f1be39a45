"""Regressions found by the property tests (tests/property)."""

import pytest

from readiness.models import AssessmentVersion, Indicator

from .conftest import complete_answers, edit_url, post_data, step_of


@pytest.mark.parametrize("kind", ["percentage", "integer"])
def test_a_number_too_long_to_read_is_refused_on_its_question(
    login, editor_a, principal_a, open_round, kind
):
    framework = open_round.framework_version
    indicator = framework.indicators.filter(answer_type=kind).first()
    data = post_data(framework, {}, 1)
    data[f"v-{indicator.code}"] = "1" * 5000
    step = step_of(framework, indicator.code)
    response = login(editor_a).post(edit_url(principal_a, open_round, step), data)
    assert response.status_code == 200
    assert "Det finns ett problem" in response.content.decode()
    assert not AssessmentVersion.objects.exists()


@pytest.mark.parametrize("where", ["value", "comment"])
@pytest.mark.parametrize("action", ["save", "next", "previous", "review"])
def test_a_nul_character_is_refused_with_a_message(
    login, editor_a, principal_a, open_round, where, action
):
    framework = open_round.framework_version
    answers = complete_answers(framework)
    text = framework.indicators.filter(answer_type=Indicator.AnswerType.TEXT).first()
    entry = answers.setdefault(text.code, {"value": "Svar", "comment": ""})
    entry[where] = "fö\x00re"
    step = step_of(framework, text.code)
    response = login(editor_a).post(
        edit_url(principal_a, open_round, step), post_data(framework, answers, 1, action)
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Det finns ett problem" in body
    assert "Null-tecken är inte tillåtna." in body
    assert not AssessmentVersion.objects.exists()
