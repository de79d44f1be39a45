"""The self-assessment and the round and framework forms, fed hostile input."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from portal.models import AuditEvent
from readiness.models import Indicator
from readiness.services import framework_copy

from .hostile import PROPERTY, check, counts, hostile_payload, rollback, snapshot, text, value

Types = Indicator.AnswerType


def answer(indicator: Indicator) -> st.SearchStrategy:
    """A valid answer for the indicator's type, a hostile one, or a wrong type."""
    options = [v for v, _label in indicator.options()] or ["x"]
    if indicator.answer_type == Types.MULTI_CHOICE:
        valid = st.lists(st.sampled_from(options), max_size=len(options))
    elif indicator.answer_type in (Types.PERCENTAGE, Types.INTEGER):
        valid = st.integers(min_value=-5, max_value=150).map(str)
    elif indicator.answer_type == Types.TEXT:
        valid = st.text(max_size=30)
    else:
        valid = st.sampled_from(options)
    return st.one_of(valid, valid, value, st.integers().map(str))


@st.composite
def assessment_post(draw, indicators, lock):
    data = {draw(st.sampled_from(["save", "next", "previous", "review", "submit"])): "1"}
    data["lock"] = draw(st.one_of(st.just(str(lock)), text))
    for indicator in indicators:
        if draw(st.booleans()):
            data[f"v-{indicator.code}"] = draw(answer(indicator))
        if draw(st.integers(0, 4)) == 0:
            data[f"c-{indicator.code}"] = draw(value)
    if draw(st.integers(0, 5)) == 0:  # an answer to a question that is not in the framework
        data[f"v-{draw(text)}"] = draw(value)
    return data


@given(data=st.data())
@PROPERTY
def test_self_assessment_save_and_submit(client, editor_a, principal_a, open_round, data):
    client.force_login(editor_a, backend="portal.backends.PortalModelBackend")
    indicators = list(open_round.framework_version.indicators.all())
    url = reverse(
        "readiness:assessment-edit",
        kwargs={"principal_pk": principal_a.pk, "round_pk": open_round.pk},
    )
    url += f"?steg={data.draw(st.integers(1, open_round.framework_version.areas.count()))}"
    payload = data.draw(assessment_post(indicators, 1))
    with rollback():
        before = counts()
        response = client.post(url, payload)
        if check(response, before):
            # Exactly one new version and its event, or, when the step's answers are as saved
            # (paging through the form), nothing written at all; nothing half-written.
            after = counts()
            versions = after["readiness.AssessmentVersion"] - before["readiness.AssessmentVersion"]
            events = AuditEvent.objects.count() - before["portal.AuditEvent"]
            assert (versions, events) in ((1, 1), (0, 0))
            if versions == 0:
                assert after == before


@given(
    lock=st.one_of(st.just("1"), text),
    extra=st.dictionaries(
        st.sampled_from(["v-idp", "v-fidus", "c-idp", "v-no-such-code", "save", "next"]),
        value,
        max_size=3,
    ),
)
@PROPERTY
def test_self_assessment_submit_from_the_review(
    client, editor_a, principal_a, open_round, lock, extra
):
    """Nothing is saved yet, so every submission is refused, whatever else is posted."""
    client.force_login(editor_a, backend="portal.backends.PortalModelBackend")
    url = reverse(
        "readiness:assessment-review",
        kwargs={"principal_pk": principal_a.pk, "round_pk": open_round.pk},
    )
    with rollback():
        before = counts()
        assert not check(client.post(url, {**extra, "lock": lock, "submit": "1"}), before)


@given(data=st.data())
@PROPERTY
def test_round_create(client, staff, framework, data):
    client.force_login(staff, backend="portal.backends.PortalModelBackend")
    base = {
        "name": "Våren 2027",
        "opens_on": "2027-02-01",
        "closes_on": "2027-03-31",
        "framework_version": str(framework.pk),
    }
    payload = data.draw(hostile_payload(base, base))
    with rollback():
        before = counts()
        check(client.post(reverse("readiness:round-create"), payload), before)


@given(closes_on=st.one_of(text, st.lists(text, max_size=2)))
@PROPERTY
def test_round_extend(client, staff, open_round, closes_on):
    client.force_login(staff, backend="portal.backends.PortalModelBackend")
    url = reverse("readiness:round-extend", args=[open_round.pk])
    with rollback():
        before = counts()
        watched = snapshot(open_round)
        response = client.post(url, {"closes_on": closes_on})
        assert response.status_code == 302
        levels = {m.level_tag for m in response.wsgi_request._messages._queued_messages}
        if levels == {"error"}:
            assert counts() == before
            assert snapshot(open_round) == watched
        else:
            assert levels == {"success"}
            assert AuditEvent.objects.count() == before["portal.AuditEvent"] + 1


@pytest.fixture
def draft_indicator(framework, staff):
    draft = framework_copy(framework=framework, name="Utkast", actor=staff)
    return draft.indicators.order_by("order").first()


@given(data=st.data())
@PROPERTY
def test_indicator_edit(client, staff, draft_indicator, data):
    client.force_login(staff, backend="portal.backends.PortalModelBackend")
    indicator = draft_indicator
    base = {
        "question": indicator.question,
        "help_text": indicator.help_text,
        "required": "on",
        "initiative": str(indicator.initiative or ""),
        "order": str(indicator.order),
    }
    payload = data.draw(hostile_payload(base, [*base, "dnp"]))
    url = reverse("readiness:indicator-edit", args=[indicator.pk])
    with rollback():
        before = counts()
        watched = snapshot(indicator)
        check(client.post(url, payload), before, watch=indicator, watched=watched)
