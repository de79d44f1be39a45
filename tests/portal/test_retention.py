"""Retention: every kind of personal data goes a day after its period, not a day before.

The clock is moved with time-machine: records are made at T0, the purge runs at T0 + period
- 1 day (nothing of that kind goes) and at T0 + period + 1 day (all of it goes)."""

import datetime
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import retention
from portal.audit import Action, record
from portal.models import (
    AccessibilityFeedback,
    AuditEvent,
    EmailCode,
    OutgoingMail,
    RetentionRun,
)
from principals.models import ImportBatch, Invitation
from tests.portal.factories import UserFactory
from tests.principals.factories import MembershipFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
T0 = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
OWN_APPS = {"auth", "axes", "sessions", "otp_totp", "portal", "principals"}


def invitation(principal, email: str, **kwargs) -> Invitation:
    inv = Invitation(principal=principal, email=email, **kwargs)
    inv.new_token()
    inv.expires_at = kwargs.get("expires_at", T0 + 7 * DAY)
    inv.save()
    return inv


def axes_row(model):
    extra = {"AccessAttempt": {"get_data": "", "post_data": "", "failures_since_start": 1}}
    return model.objects.create(
        username="kalle",
        ip_address="10.1.2.3",
        user_agent="Firefox",
        http_accept="*/*",
        path_info="/konto/logga-in/",
        **extra.get(model.__name__, {}),
    )


@pytest.fixture
def made(staff, principal_a):
    """One record of every kind at T0, keyed by the rule that should remove it."""
    with time_machine.travel(T0, tick=False):
        member = MembershipFactory(
            principal=principal_a,
            user__username="anna.andersson",
            user__first_name="Anna",
            user__last_name="Andersson",
            user__email="anna.andersson@kommun.example.se",
            user__last_login=T0,
        ).user
        record(actor=member, subject=principal_a, action=Action.CHANGED, note="Anna Andersson")
        record(
            actor=staff,
            subject=principal_a,
            action=Action.INVITED,
            note="ny.person@kommun.example.se (läsare)",
        )
        gone = UserFactory(is_active=False, last_login=T0 + 5000 * DAY)
        # The staff member (who signs in daily) is not inactive.
        User.objects.filter(pk=staff.pk).update(last_login=T0 + 5000 * DAY)
        return {
            "login-log-accessattempt": axes_row(AccessAttempt),
            "login-log-accessfailurelog": axes_row(AccessFailureLog),
            "login-log-accesslog": axes_row(AccessLog),
            "sessions": Session.objects.create(
                session_key="k" * 32, session_data="", expire_date=T0
            ),
            "inactive-accounts": member,
            "two-factor-devices-of-deactivated-accounts": TOTPDevice.objects.create(
                user=gone, name="TOTP"
            ),
            "email-codes": EmailCode.objects.create(
                user=staff, purpose="enrol", code_hash="x", expires_at=T0 + DAY
            ),
            "mail-delivery-records": OutgoingMail.objects.create(
                key="sent:1", kind="test", to=["a@example.se"], subject="S", status="sent"
            ),
            "accessibility-feedback": AccessibilityFeedback.objects.create(
                email="b@example.se", message="Knappen går inte att nå med tangentbordet."
            ),
            "invitations-revoked": invitation(
                principal_a, "ny.person@kommun.example.se", revoked_at=T0
            ),
            "invitations-accepted": invitation(principal_a, "c@example.se", accepted_at=T0),
            "invitations-expired": invitation(principal_a, "d@example.se", expires_at=T0),
            "import-files": ImportBatch.objects.create(
                uploaded_by=staff, filename="register.csv", content=b"namn;e-post"
            ),
        }


def present(key: str, obj) -> bool:
    if key == "inactive-accounts":
        return User.objects.filter(pk=obj.pk, email=obj.email).exists()
    return type(obj)._default_manager.filter(pk=obj.pk).exists()


def purge_at(moment) -> RetentionRun:
    with time_machine.travel(moment, tick=False):
        return retention.retention_purge()


def test_every_own_rule_has_a_record_here(made):
    own = {r.key for r in retention.rules() if r.model.partition(".")[0] in OWN_APPS}
    assert own == set(made)


@pytest.mark.parametrize(
    "key",
    [
        "login-log-accessattempt",
        "login-log-accessfailurelog",
        "login-log-accesslog",
        "sessions",
        "inactive-accounts",
        "two-factor-devices-of-deactivated-accounts",
        "email-codes",
        "mail-delivery-records",
        "accessibility-feedback",
        "invitations-revoked",
        "invitations-accepted",
        "invitations-expired",
        "import-files",
    ],
)
def test_nothing_goes_a_day_early_and_all_goes_a_day_late(made, key):
    [rule] = [r for r in retention.rules() if r.key == key]
    obj = made[key]
    early = purge_at(T0 + rule.days * DAY - DAY)
    assert present(key, obj)
    assert early.counts[key] == 0
    late = purge_at(T0 + rule.days * DAY + DAY)
    assert not present(key, obj)
    assert late.counts[key] == 1


def test_purge_keeps_the_history_meaningful_and_is_idempotent(made, staff, principal_a):
    queued = OutgoingMail.objects.create(
        key="q:1", kind="test", to=["e@example.se"], subject="Q", created_by_label="Anna Andersson"
    )
    latest = max(r.days for r in retention.rules())
    run = purge_at(T0 + latest * DAY + DAY)
    assert all(not present(k, o) for k, o in made.items())
    queued.refresh_from_db()
    assert queued.created_by_label == "en borttagen användare"
    member = made["inactive-accounts"]
    member.refresh_from_db()
    assert (member.username, member.email, member.first_name) == (f"raderad-{member.pk}", "", "")
    assert not member.is_active
    notes = set(AuditEvent.objects.filter(object_id=principal_a.pk).values_list("note", flat=True))
    assert "en borttagen användare" in notes
    assert "[borttagen e-postadress] (läsare)" in notes
    assert not any("Anna" in n or "ny.person" in n for n in notes)
    # The run is recorded with the counts only.
    event = AuditEvent.objects.for_object(run).get()
    assert event.action == Action.PURGED
    assert event.changes["inactive-accounts"] == [None, 1]
    assert "anna" not in str(event.changes).lower()
    again = purge_at(T0 + latest * DAY + 2 * DAY)
    assert sum(again.counts.values()) == 0


def test_frozen_report_and_its_figures_are_unchanged(made, staff, lead):
    from reporting.final_report import services
    from reporting.models import SubmittedReport
    from tests.reporting.factories import approve, report_agreement

    with time_machine.travel(T0, tick=False):
        report = services.report_create(agreement=report_agreement(), actor=staff)
        approve(report, staff, lead)
        frozen = services.report_submit(report=report, actor=lead, seen_version=report.version)
    columns = ("html", "pdf", "xlsx", "snapshot_json", "pdf_sha256", "snapshot_sha256")

    def stored():
        row = SubmittedReport.objects.values(*columns).get(pk=frozen.pk)
        return {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()}

    before = stored()
    purge_at(T0 + 5000 * DAY)
    assert stored() == before


def test_command_lists_the_rules_and_runs(made):
    out = StringIO()
    call_command("retention_purge", "--list", stdout=out)
    assert "inactive-accounts: auth.User, pseudonymise after 730 days" in out.getvalue()
    out = StringIO()
    with time_machine.travel(T0 + 100 * DAY, tick=False):
        call_command("retention_purge", stdout=out)
    assert "sessions: 1" in out.getvalue()
    assert RetentionRun.objects.count() == 1


def test_task_runs_the_purge(made):
    from portal.tasks import retention_purge

    with time_machine.travel(T0 + 100 * DAY, tick=False):
        result = retention_purge.enqueue()
    assert result.return_value["sessions"] == 1
