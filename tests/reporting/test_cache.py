"""The data version behind the dashboards' cache: which changes move it, and which do not."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from portal.audit import record
from portal.models import AuditEvent
from readiness import services
from readiness.services import framework_load_default
from reporting.cache import data_version
from tests.readiness.conftest import complete_answers
from tests.readiness.factories import ReportingRoundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_open(db):
    framework = framework_load_default(actor="test")[0]
    return ReportingRoundFactory(name="Hösten", framework_version=framework)


def _draft(principal, editor, reporting_round, seen_version):
    return services.assessment_save_draft(
        principal=principal,
        reporting_round=reporting_round,
        answers={},
        seen_version=seen_version,
        actor=editor,
    )


def test_drafts_and_reminders_leave_the_version_a_submission_moves_it(
    principal_a, editor_a, staff, round_open
):
    assessment = _draft(principal_a, editor_a, round_open, seen_version=1)
    before = data_version()

    assessment = _draft(principal_a, editor_a, round_open, seen_version=assessment.version)
    services.reminders_send(reporting_round=round_open, actor=staff)
    assert data_version() == before

    services.assessment_submit(
        principal=principal_a,
        reporting_round=round_open,
        answers=complete_answers(round_open.framework_version),
        seen_version=assessment.version,
        actor=editor_a,
    )
    assert data_version() != before


def test_events_about_unrelated_subjects_leave_the_version(principal_a, editor_a, staff):
    before = data_version()
    record(actor=staff, subject=editor_a, action=AuditEvent.Action.CHANGED, note="e-post")
    assert data_version() == before

    record(actor=staff, subject=principal_a, action=AuditEvent.Action.CHANGED, note="typ")
    assert data_version() != before


def test_an_admin_edit_moves_the_version(principal_a, admin):
    before = data_version()
    LogEntry.objects.log_actions(
        user_id=admin.pk,
        queryset=[principal_a],
        action_flag=CHANGE,
        change_message="Ändrad i admin",
    )
    assert data_version() != before


def test_the_agreement_scope_ignores_the_register_and_the_programme_scope_does_not(
    principal_a, staff
):
    from reporting.cache import data_version as version

    agreement, programme = version("agreement"), version("programme")
    record(actor=staff, subject=principal_a, action=AuditEvent.Action.CHANGED, note="typ")
    assert version("agreement") == agreement  # money and milestones never read the register
    assert version("programme") != programme  # the reach counts organisers


def test_the_structure_version_moves_with_rounds_and_geography_only(
    principal_a, editor_a, staff, round_open, admin
):
    from principals.models import County, Municipality
    from reporting.cache import structure_version

    before = structure_version()
    # What changes while a round is busy leaves it: submissions, organisers, other events.
    services.assessment_submit(
        principal=principal_a,
        reporting_round=round_open,
        answers=complete_answers(round_open.framework_version),
        seen_version=1,
        actor=editor_a,
    )
    record(actor=staff, subject=principal_a, action=AuditEvent.Action.CHANGED, note="typ")
    assert structure_version() == before

    # A change to a round, a new municipality, an admin edit of one: each moves it.
    services.round_close(reporting_round=round_open, actor=staff)
    after_close = structure_version()
    assert after_close != before
    municipality = Municipality.objects.create(
        code="9999", name="Nyköping norra", county=County.objects.get(code="01")
    )
    after_new = structure_version()
    assert after_new != after_close
    LogEntry.objects.log_actions(
        user_id=admin.pk,
        queryset=Municipality.objects.filter(pk=municipality.pk),
        action_flag=CHANGE,
        change_message="Nytt namn",
    )
    assert structure_version() != after_new
