"""`manage.py personal_data export|erase --email`: a person's data on request."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.audit import Action, record
from portal.models import AuditEvent
from tests.principals.factories import MembershipFactory, PrincipalFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("personal_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def person(principal_a):
    membership = MembershipFactory(
        principal=principal_a,
        user__username="anna.andersson",
        user__first_name="Anna",
        user__last_name="Andersson",
        user__email="Anna.Andersson@kommun.example.se",
    )
    user = membership.user
    record(actor=user, subject=principal_a, action=Action.CHANGED, changes={"phone": ["1", "2"]})
    record(
        actor="system",
        subject=membership,
        action=Action.MEMBER_ADDED,
        changes={"email": [None, "anna.andersson@kommun.example.se"]},
        note="Inbjuden av Anna Andersson",
    )
    TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    return user


def test_export_gives_account_memberships_and_events(person, principal_a):
    data = json.loads(run("export", "--email", "anna.andersson@KOMMUN.example.se"))
    [account] = data["accounts"]
    assert account["account"]["username"] == "anna.andersson"
    assert account["account"]["last_name"] == "Andersson"
    assert account["memberships"] == [
        {
            "organiser": principal_a.name,
            "organisation_number": principal_a.organisation_number,
            "role": "editor",
            "since": account["memberships"][0]["since"],
        }
    ]
    [event] = account["history_events_made"]
    assert event["record"] == principal_a.name and event["changes"] == {"phone": ["1", "2"]}
    assert account["two_factor_devices"][0]["confirmed"] is True
    assert "key" not in account["two_factor_devices"][0]


def test_export_includes_organisation_contact_addresses(db):
    principal = PrincipalFactory(email="rektor@friskola.example.se")
    data = json.loads(run("export", "--email", "rektor@friskola.example.se"))
    assert data["accounts"] == []
    [found] = data["other_records_with_the_address"]
    assert (
        found.items()
        >= {
            "record_type": "principals.Principal",
            "id": str(principal.pk),
            "record": principal.name,
            "field": "email",
            "phone": principal.phone,
        }.items()
    )


def test_unknown_address_is_refused_and_changes_nothing(person):
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="No user account or other record"):
        run("erase", "--email", "ingen@example.se")
    with pytest.raises(CommandError, match="not an e-mail address"):
        run("export", "--email", "inte-en-adress")
    assert AuditEvent.objects.count() == before
    person.refresh_from_db()
    assert person.is_active and person.email


def test_erase_pseudonymises_account_and_history(client, person, password, principal_a):
    from portal import twofactor_email

    twofactor_email.code_send(user=person, purpose="enrol")
    output = run("erase", "--email", "anna.andersson@kommun.example.se")
    assert "erased" in output
    person.refresh_from_db()
    pseudonym = f"raderad-{person.pk}"
    assert person.username == pseudonym
    assert (person.first_name, person.last_name, person.email) == ("", "", "")
    assert not person.is_active and not person.has_usable_password()
    assert not person.memberships.exists()
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not person.email_codes.exists()

    # Every history row is kept, but no longer names the person.
    events = list(AuditEvent.objects.all())
    assert len(events) == 5  # the 2 before, code sent, membership removed, account deactivated
    text = json.dumps(
        [[e.actor_label, e.object_repr, e.changes, e.note] for e in events], ensure_ascii=False
    )
    for identifier in ["anna.andersson", "Anna Andersson", "kommun.example.se"]:
        assert identifier.lower() not in text.lower()
    own = AuditEvent.objects.get(actor=person, action=Action.CHANGED)
    assert own.actor_label == pseudonym and own.changes == {"phone": ["1", "2"]}
    assert AuditEvent.objects.filter(action=Action.DEACTIVATED, object_id=str(person.pk)).exists()

    # The account can no longer log in.
    response = client.post("/konto/logga-in/", {"username": pseudonym, "password": password})
    assert response.status_code == 200


def test_erase_blanks_organisation_contact_address(db):
    principal = PrincipalFactory(email="rektor@friskola.example.se")
    run("erase", "--email", "rektor@friskola.example.se")
    principal.refresh_from_db()
    assert principal.email == ""
    assert AuditEvent.objects.filter(object_id=str(principal.pk), action=Action.CHANGED).exists()


def test_erase_leaves_other_people_alone(person, editor_b):
    record(actor=editor_b, subject=editor_b, action=Action.CHANGED, note="Annat")
    run("erase", "--email", person.email)
    editor_b.refresh_from_db()
    assert editor_b.is_active and editor_b.email
    event = AuditEvent.objects.get(actor=editor_b)
    assert event.actor_label == editor_b.get_full_name() and event.note == "Annat"


def test_invitations_to_the_address_are_exported_and_erased(principal_a):
    from datetime import timedelta

    from django.utils import timezone

    from principals.models import Invitation

    invitation = Invitation.objects.create(
        email="ny.person@kommun.example.se",
        principal=principal_a,
        token_hash="a" * 64,
        expires_at=timezone.now() + timedelta(days=7),
    )
    record(actor="system", subject=invitation, action=Action.INVITED)
    data = json.loads(run("export", "--email", "ny.person@kommun.example.se"))
    assert [r["record_type"] for r in data["other_records_with_the_address"]] == [
        "principals.Invitation"
    ]
    run("erase", "--email", "ny.person@kommun.example.se")
    invitation.refresh_from_db()
    assert invitation.email.endswith("@raderad.invalid")
    reprs = " ".join(AuditEvent.objects.values_list("object_repr", flat=True))
    assert "ny.person" not in reprs


def test_mail_to_the_address_is_exported_and_kept_without_the_person(person):
    from portal import outbox
    from portal.models import OutgoingMail

    outbox.queue(
        outbox.Mail(
            key="pd-1",
            kind="test",
            to=[person.email, "kollega@kommun.example.se"],
            subject="Påminnelse till Anna Andersson",
            body="Hej Anna Andersson!",
            label="Anna Andersson",
        ),
        outbox.Mail(key="pd-2", kind="test", to=["annan@example.se"], subject="S", body="B"),
    )
    data = json.loads(run("export", "--email", person.email.upper()))
    [mail] = data["e_mail_to_the_address"]
    assert mail["subject"] == "Påminnelse till Anna Andersson" and mail["status"] == "Skickad"
    output = run("erase", "--email", person.email)
    assert "E-mail records scrubbed: 1" in output
    person.refresh_from_db()
    kept = OutgoingMail.objects.get(key="pd-1")
    # The account's pseudonym, as in the history.
    assert kept.to == [person.username, "kollega@kommun.example.se"]
    assert "Anna" not in kept.subject + kept.label and kept.body == ""
    assert kept.status == OutgoingMail.Status.SENT
    assert OutgoingMail.objects.get(key="pd-2").to == ["annan@example.se"]
