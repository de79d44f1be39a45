"""`manage.py personal_data export` covers every model that holds a person's data.

The walk looks at every installed model for fields that hold a name, an e-mail address, a phone
number, an IP address or an account (a foreign key to the user), and fails for one that
portal.personal_data.COVERAGE does not say how the export covers (or why it is no one's).
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import models

from portal import personal_data
from portal.models import AccessibilityFeedback, Job, OutgoingMail
from principals.models import Invitation
from tests.principals.factories import MembershipFactory

pytestmark = pytest.mark.django_db
ADDRESS = "anna.andersson@kommun.example.se"


def test_every_field_that_looks_personal_is_covered_by_the_export():
    assert personal_data.uncovered() == []


def test_an_uncovered_field_is_caught(monkeypatch):
    trimmed = {label: dict(fields) for label, fields in personal_data.COVERAGE.items()}
    del trimmed["portal.AccessibilityFeedback"]["email"]
    del trimmed["principals.Invitation"]["invited_by"]
    monkeypatch.setattr(personal_data, "COVERAGE", trimmed)
    assert set(personal_data.uncovered()) == {
        "portal.AccessibilityFeedback.email",
        "principals.Invitation.invited_by",
    }


@pytest.mark.parametrize(
    "field",
    [
        models.CharField(name="telefon"),
        models.CharField(name="mobile_phone"),
        models.CharField(name="contact_name"),
        models.EmailField(name="reply_to"),
        models.GenericIPAddressField(name="client"),
        models.CharField(name="approved_by_label"),
    ],
)
def test_the_walk_recognises_personal_fields(field):
    assert personal_data.looks_personal(field)


def test_every_part_named_in_the_coverage_is_in_the_export(principal_a):
    MembershipFactory(principal=principal_a, user__email=ADDRESS)
    data = json.loads(run_export())
    parts = set(data) | set(data["accounts"][0])
    named = {
        part
        for fields in personal_data.COVERAGE.values()
        for part in fields.values()
        if not part.startswith(personal_data.NOT_PERSONAL)
    }
    assert named <= parts


def run_export() -> str:
    out = StringIO()
    call_command("personal_data", "export", "--email", ADDRESS, stdout=out)
    return out.getvalue()


def test_the_export_holds_records_linked_to_naming_or_addressed_to_the_person(principal_a, staff):
    user = MembershipFactory(
        principal=principal_a,
        user__email=ADDRESS,
        user__first_name="Anna",
        user__last_name="Andersson",
    ).user
    feedback = AccessibilityFeedback.objects.create(
        email=ADDRESS, name="Anna", message="Fokus syns inte på knappen."
    )
    invitation = Invitation(principal=principal_a, email="ny@example.se", invited_by=user)
    invitation.new_token()
    invitation.save()
    job = Job.objects.create(kind="answers_pdf", title="Svar som PDF", owner=user, result=b"%PDF")
    OutgoingMail.objects.create(
        key="r:1",
        kind="reminder",
        to=["x@example.se"],
        subject="S",
        created_by_label="Anna Andersson",
    )
    data = json.loads(run_export())
    [account] = data["accounts"]
    linked = {(r["record_type"], r["id"]) for r in account[personal_data.LINKED]}
    assert ("principals.Invitation", str(invitation.pk)) in linked
    assert ("portal.Job", str(job.pk)) in linked
    assert "token_hash" not in json.dumps(account[personal_data.LINKED])
    assert "result" not in next(r for r in account[personal_data.LINKED] if r["id"] == str(job.pk))
    [named] = account[personal_data.NAMING]
    assert named["record_type"] == "portal.OutgoingMail"
    [sent] = data["accessibility_feedback"]
    assert sent["message"] == feedback.message
