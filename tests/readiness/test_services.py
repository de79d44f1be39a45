import datetime
import io
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from portal.concurrency import EditConflict
from portal.models import AuditEvent
from readiness import selectors, services
from readiness.admin import IndicatorAdmin
from readiness.models import Assessment, AssessmentVersion, FrameworkVersion, Indicator, Reminder
from tests.principals.factories import MembershipFactory, PrincipalFactory

from .conftest import complete_answers

pytestmark = pytest.mark.django_db

TOPICS = [
    "inloggningstjänst (IdP)",
    "identitetsfederationer",
    "FIDUS",
    "e-legitimation för tjänstebruk använder",
    "tillitsnivå",
    "flerfaktorsautentisering",
    "andel av personalen",
    "loggar eleverna in",
    "användaruppgifter till Skolverket",
    "SS 12000",
    "EGIL",
    "exitplan",
    "klassad utifrån",
    "enheter",
    "användarcentrerad tjänsteutveckling",
    "SKR:s stöd",
]


def test_load_framework_command_is_idempotent_and_covers_the_topics():
    out = io.StringIO()
    call_command("load_framework", stdout=out)
    call_command("load_framework", stdout=out)
    framework = FrameworkVersion.objects.get()
    assert framework.is_published
    indicators = list(framework.indicators.all())
    assert 20 <= len(indicators) <= 30
    questions = " ".join(i.question for i in indicators)
    for topic in TOPICS:
        assert topic in questions, topic
    dnp = {i.code for i in indicators if i.is_dnp}
    assert {"idp", "federation", "fidus", "staff-eid-level", "staff-mfa", "devices-count"} <= dnp
    federation = next(i for i in indicators if i.code == "federation")
    assert [c["label"] for c in federation.choices] == [
        "Skolfederation",
        "Skolfederation mini",
        "SWAMID",
        "Ingen",
    ]
    levels = next(i for i in indicators if i.code == "staff-eid-level")
    assert {"2", "3", "4"} <= {c["value"] for c in levels.choices}
    assert {i.initiative for i in indicators} == {11, 12, 13}
    assert all(i.help_text for i in indicators if i.answer_type != "text")


def test_published_version_is_immutable_and_copy_is_editable(framework, staff, rf):
    indicator = framework.indicators.get(code="idp")
    with pytest.raises(ValidationError, match="En publicerad ramverksversion kan inte ändras"):
        services.indicator_update(indicator=indicator, actor=staff, question="Ändrad?")
    indicator.refresh_from_db()
    assert indicator.question.startswith("Har huvudmannen")
    request = rf.get("/")
    request.user = staff
    admin = IndicatorAdmin(Indicator, None)
    assert not admin.has_change_permission(request, indicator)

    copy = services.framework_copy(framework=framework, name="Version 2", actor=staff)
    assert copy.status == FrameworkVersion.Status.DRAFT
    assert sorted(copy.indicators.values_list("code", flat=True)) == sorted(
        framework.indicators.values_list("code", flat=True)
    )
    copied = copy.indicators.get(code="idp")
    services.indicator_update(indicator=copied, actor=staff, question="Ny fråga?")
    assert framework.indicators.get(code="idp").question.startswith("Har huvudmannen")
    services.framework_publish(framework=copy, actor=staff)
    with pytest.raises(ValidationError, match="En publicerad ramverksversion kan inte ändras"):
        services.indicator_update(indicator=copied, actor=staff, question="Igen?")
    with pytest.raises(ValidationError, match="Det finns redan en ramverksversion med det namnet"):
        services.framework_copy(framework=framework, name="Version 2", actor=staff)


def test_bounds_of_whole_number_answers_are_edited_in_a_new_version(framework, staff):
    from portal.models import AuditEvent

    copy = services.framework_copy(framework=framework, name="Version med gränser", actor=staff)
    staff_count = copy.indicators.get(code="staff-count")
    assert (staff_count.min_value, staff_count.max_value) == (0, 1_000_000)
    with pytest.raises(ValidationError, match="inte vara lägre än det lägsta"):
        services.indicator_update(indicator=staff_count, actor=staff, min_value=10, max_value=5)
    with pytest.raises(ValidationError, match="kan vara högst"):
        services.indicator_update(indicator=staff_count, actor=staff, max_value=10**13)
    with pytest.raises(ValidationError, match="0 eller mer"):
        services.indicator_update(indicator=staff_count, actor=staff, min_value=-1)
    staff_count.refresh_from_db()
    assert (staff_count.min_value, staff_count.max_value) == (0, 1_000_000)
    services.indicator_update(indicator=staff_count, actor=staff, max_value=20_000)
    staff_count.refresh_from_db()
    assert staff_count.max_value == 20_000
    event = AuditEvent.objects.for_object(staff_count).get()
    assert event.changes == {"max_value": [1_000_000, 20_000]}
    errors = services.validate_answers(
        framework=copy, answers={"staff-count": {"value": 20_001}}, complete=False
    )
    assert errors == {"staff-count": "Ange ett heltal från 0 till 20\xa0000."}


def test_round_requires_published_framework(staff, framework):
    draft = services.framework_copy(framework=framework, name="Utkast", actor=staff)
    today = timezone.localdate()
    with pytest.raises(
        ValidationError, match="Bara en publicerad ramverksversion kan användas i en omgång"
    ):
        services.round_create(
            name="X", opens_on=today, closes_on=today, framework_version=draft, actor=staff
        )


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("staff-eid-share", 101, "Ange ett heltal från 0 till 100."),
        ("staff-eid-share", -1, "Ange ett heltal från 0 till 100."),
        ("staff-eid-share", "50", "Ange ett heltal från 0 till 100."),
        ("staff-count", -3, "Ange ett heltal från 0 till 1\xa0000\xa0000."),
        ("staff-count", True, "Ange ett heltal från 0 till 1\xa0000\xa0000."),
        ("idp", "maybe", "Välj ett av alternativen."),
        ("federation", ["skolfederation", "eduroam"], "Välj ett eller flera av alternativen."),
        ("fidus", "yes", "Välj ett av alternativen."),
        ("idp-saml", "kanske", "Välj ett av alternativen."),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(
    principal_a, editor_a, open_round, framework, code, value, message
):
    answers = complete_answers(framework)
    answers[code] = {"value": value, "comment": ""}
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit(
            principal=principal_a,
            reporting_round=open_round,
            answers=answers,
            seen_version=1,
            actor=editor_a,
        )
    # message_dict, not match=: str() of a dict error is its repr, which escapes the \xa0.
    assert exc.value.message_dict == {code: [message]}
    assert not AssessmentVersion.objects.exists()
    assert not AuditEvent.objects.filter(action="submitted").exists()


def test_answers_to_another_framework_version_are_refused(
    principal_a, editor_a, open_round, framework, staff
):
    other = services.framework_copy(framework=framework, name="Annan", actor=staff)
    new_indicator = Indicator.objects.create(
        framework=other,
        area=other.areas.first(),
        code="new-question",
        question="Ny?",
        answer_type="yes_no",
        initiative=11,
    )
    answers = complete_answers(framework)
    answers[new_indicator.code] = {"value": "yes", "comment": ""}
    with pytest.raises(
        ValidationError, match="Svar på frågor som inte ingår i den här omgångens ramverk"
    ) as exc:
        services.assessment_save_draft(
            principal=principal_a,
            reporting_round=open_round,
            answers=answers,
            seen_version=1,
            actor=editor_a,
        )
    assert "new-question" in " ".join(exc.value.messages)
    assert not AssessmentVersion.objects.exists()


def test_reader_and_staff_cannot_submit(principal_a, reader_a, staff, open_round, framework):
    for user in (reader_a, staff):
        # Bare on purpose: _checks' editor-membership test is the one PermissionDenied, no message.
        with pytest.raises(PermissionDenied):
            services.assessment_submit(
                principal=principal_a,
                reporting_round=open_round,
                answers=complete_answers(framework),
                seen_version=1,
                actor=user,
            )
    assert not AssessmentVersion.objects.exists()


def test_closed_round_refuses_draft(principal_a, editor_a, closed_round, framework):
    with pytest.raises(ValidationError, match="Omgången är stängd: svaren kan inte längre ändras"):
        services.assessment_save_draft(
            principal=principal_a,
            reporting_round=closed_round,
            answers={},
            seen_version=1,
            actor=editor_a,
        )
    assert not AssessmentVersion.objects.exists()


def test_versions_are_immutable_history_and_events(principal_a, editor_a, open_round, framework):
    kwargs = {"principal": principal_a, "reporting_round": open_round, "actor": editor_a}
    draft = services.assessment_save_draft(
        answers={"idp": {"value": "none", "comment": ""}}, seen_version=1, **kwargs
    )
    v2 = services.assessment_submit(
        answers=complete_answers(framework), seen_version=draft.version, **kwargs
    )
    assessment = Assessment.objects.get()
    services.assessment_save_draft(
        answers=complete_answers(framework, fidus="achieved"),
        seen_version=assessment.version,
        **kwargs,
    )
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED
    assert assessment.current == v2 and assessment.draft.number == 3
    assert list(AssessmentVersion.objects.order_by("number").values_list("number", "kind")) == [
        (1, "draft"),
        (2, "submitted"),
        (3, "draft"),
    ]
    assert AssessmentVersion.objects.get(number=1).answers == {
        "idp": {"value": "none", "comment": ""}
    }
    actions = list(
        AuditEvent.objects.order_by("id")
        .values_list("action", flat=True)
        .filter(object_id=str(assessment.pk), content_type__model="assessment")
    )
    assert actions == ["draft_saved", "submitted", "reopened", "draft_saved"]
    assert all(
        e.actor == editor_a for e in AuditEvent.objects.filter(content_type__model="assessment")
    )


def test_stale_submit_raises_conflict(principal_a, editor_a, open_round, framework):
    kwargs = {"principal": principal_a, "reporting_round": open_round, "actor": editor_a}
    services.assessment_save_draft(answers={}, seen_version=1, **kwargs)
    with pytest.raises(EditConflict) as conflict:
        services.assessment_submit(answers=complete_answers(framework), seen_version=1, **kwargs)
    assert conflict.value.current == Assessment.objects.get()
    assert conflict.value.current.version == 2  # the draft saved after version 1 was seen
    assert not AssessmentVersion.objects.filter(kind="submitted").exists()


def test_return_needs_submission_and_comment(principal_a, editor_a, staff, open_round, framework):
    kwargs = {"principal": principal_a, "reporting_round": open_round, "actor": editor_a}
    assessment = services.assessment_save_draft(answers={}, seen_version=1, **kwargs)
    with pytest.raises(
        ValidationError, match="Bara en inskickad självskattning kan skickas tillbaka"
    ):
        services.assessment_return(assessment=assessment, comment="Rätta", actor=staff)
    services.assessment_submit(
        answers=complete_answers(framework), seen_version=assessment.version, **kwargs
    )
    with pytest.raises(ValidationError, match="Skriv vad som behöver kompletteras"):
        services.assessment_return(assessment=assessment, comment="  ", actor=staff)
    services.assessment_return(assessment=assessment, comment="Rätta andelen", actor=staff)
    event = AuditEvent.objects.get(action="returned")
    assert event.actor == staff and event.note == "Rätta andelen"


def test_diff_is_readable():
    framework = FrameworkVersion.objects.create(name="F")
    area = framework.areas.create(title="A")
    rating = Indicator.objects.create(
        framework=framework, area=area, code="r", question="R?", answer_type="rating", initiative=11
    )
    multi = Indicator.objects.create(
        framework=framework,
        area=area,
        code="m",
        question="M?",
        answer_type="multi_choice",
        initiative=11,
        choices=[{"value": "a", "label": "Alfa"}, {"value": "b", "label": "Beta"}],
    )
    pct = Indicator.objects.create(
        framework=framework,
        area=area,
        code="p",
        question="P?",
        answer_type="percentage",
        initiative=11,
    )
    before = {
        "r": {"value": "planned", "comment": ""},
        "m": {"value": ["a"], "comment": ""},
        "p": {"value": 10, "comment": "x"},
    }
    after = {
        "r": {"value": "achieved", "comment": ""},
        "m": {"value": ["a", "b"], "comment": ""},
        "p": {"value": 10, "comment": "y"},
    }
    rows = selectors.diff_answers([rating, multi, pct], before, after)
    assert [(r["old"], r["new"]) for r in rows] == [
        ("Planerad", "Uppnådd"),
        ("Alfa", "Alfa, Beta"),
        ("10\xa0%", "10\xa0%"),
    ]
    assert rows[2]["comment_changed"] and not rows[2]["value_changed"]
    assert selectors.diff_answers([rating], before, before) == []


def test_send_reminders_command_is_idempotent_for_cron(
    open_round, principal_a, editor_a, django_capture_on_commit_callbacks
):
    no_address = PrincipalFactory(email="")
    MembershipFactory(principal=no_address, user__email="")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=io.StringIO())
        call_command("send_reminders", stdout=io.StringIO())
    assert [m.to for m in mail.outbox] == [[editor_a.email]]
    assert "Påminnelse" in mail.outbox[0].subject
    assert Reminder.objects.count() == 1
    later = timezone.now() + datetime.timedelta(hours=25)
    result = services.reminders_send(reporting_round=open_round, actor="cron", now=later)
    assert len(result.sent) == 1 and result.skipped_no_address == 1


def test_reminders_only_while_open(closed_round, staff):
    with pytest.raises(
        ValidationError, match="Påminnelser kan bara skickas medan omgången är öppen"
    ):
        services.reminders_send(reporting_round=closed_round, actor=staff)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_make_exactly_one_version(postgres_only):
    from .conftest import ReportingRoundFactory

    framework = services.framework_load_default(actor="test")[0]
    reporting_round = ReportingRoundFactory(framework_version=framework)
    principal = PrincipalFactory()
    editors = [MembershipFactory(principal=principal).user for _ in range(2)]
    answers = complete_answers(framework)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit(user):
        try:
            barrier.wait()
            services.assessment_submit(
                principal=principal,
                reporting_round=reporting_round,
                answers=answers,
                seen_version=1,
                actor=user,
            )
            outcomes.append("ok")
        except EditConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(u,)) for u in editors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert AssessmentVersion.objects.filter(kind="submitted").count() == 1
    assert Assessment.objects.get().version == 2


def test_submissions_are_numbered_from_1_however_many_drafts_came_first(
    principal_a, editor_a, open_round, framework
):
    kwargs = {"principal": principal_a, "reporting_round": open_round, "actor": editor_a}
    assessment = services.assessment_save_draft(answers={}, seen_version=1, **kwargs)
    assessment = services.assessment_save_draft(
        answers={"idp": {"value": "own", "comment": ""}}, seen_version=assessment.version, **kwargs
    )
    first = services.assessment_submit(
        answers=complete_answers(framework), seen_version=assessment.version, **kwargs
    )
    assert first.number == 3 and selectors.submission_number(first) == 1
    assessment.refresh_from_db()
    second = services.assessment_submit(
        answers=complete_answers(framework, fidus="achieved"),
        seen_version=assessment.version,
        **kwargs,
    )
    assert selectors.submission_number(second) == 2
    assert selectors.submitted_version(assessment, 1) == first
    assert selectors.submitted_version(assessment, 2) == second
    assert selectors.submitted_version(assessment, 3) is None
    assert selectors.submitted_version(assessment, 0) is None
    assert selectors.submission_number(AssessmentVersion.objects.get(number=1)) is None
    versions = list(selectors.versions_of(assessment))
    assert selectors.submission_numbers(versions) == {3: 1, 4: 2}
    events = AuditEvent.objects.filter(action="submitted").order_by("id")
    assert [e.changes["version"] for e in events] == [[None, 1], [None, 2]]


def test_the_same_answers_cannot_be_submitted_twice(principal_a, editor_a, open_round, framework):
    kwargs = {"principal": principal_a, "reporting_round": open_round, "actor": editor_a}
    services.assessment_submit(answers=complete_answers(framework), seen_version=1, **kwargs)
    assessment = Assessment.objects.get()
    with pytest.raises(ValidationError, match="Inget har ändrats sedan version 1"):
        services.assessment_submit(
            answers=complete_answers(framework), seen_version=assessment.version, **kwargs
        )
    assert AssessmentVersion.objects.count() == 1


def test_draft_changes_compares_with_what_the_form_opens(
    principal_a, editor_a, open_round, framework
):
    answers = {"idp": {"value": "own", "comment": ""}}
    assert services.draft_changes(None, answers)
    assert not services.draft_changes(None, {"idp": {"value": None, "comment": " "}})
    kwargs = {"principal": principal_a, "reporting_round": open_round, "actor": editor_a}
    assessment = services.assessment_save_draft(answers=answers, seen_version=1, **kwargs)
    assert not services.draft_changes(assessment, {**answers, "fidus": {"value": None}})
    assert services.draft_changes(assessment, {"idp": {"value": "own", "comment": "Ny"}})
