"""The fault test: reminders to 2 000 organisers, the worker killed mid-way and restarted.

Afterwards every organiser got exactly one message and the delivery records agree with what
the SMTP server received; the same when the server refuses every tenth message for now. A
worker killed after the server's 250 and before its own commit may have handed one message
over twice, with the same Message-ID (portal/outbox.py): at most one extra copy per kill.
"""

import time
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from portal import outbox
from portal.models import OutgoingMail
from principals.models import Membership, Principal
from readiness import services
from readiness.models import Reminder
from tests.portal.factories import staff_user
from tests.principals.factories import valid_orgnr
from tests.readiness.factories import ReportingRoundFactory

from .conftest import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORGANISERS = 2000
Status = OutgoingMail.Status


def organisers_with_editors(count: int) -> dict[int, str]:
    """`count` active organisers, each with one active editor; {principal id: address}."""
    principals = Principal.objects.bulk_create(
        Principal(
            organisation_number=valid_orgnr(700_000 + n),
            name=f"Huvudman {n:04d}",
            organiser_type=Principal.OrganiserType.ENSKILD,
            pupils=100,
        )
        for n in range(count)
    )
    password = make_password(None)
    users = get_user_model().objects.bulk_create(
        get_user_model()(
            username=f"redaktor-{n:04d}",
            email=f"redaktor-{n:04d}@huvudman-{n:04d}.example.se",
            password=password,
        )
        for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(user=user, principal=principal, role=Membership.Role.EDITOR)
        for user, principal in zip(users, principals, strict=True)
    )
    return {principal.pk: user.email for principal, user in zip(principals, users, strict=True)}


@pytest.mark.parametrize("refuse_every", [0, 10], ids=["accepting", "refusing-every-tenth"])
def test_reminders_to_2000_organisers_survive_a_killed_worker(
    system, smtp_server, tasks_in_database, refuse_every
):
    server = smtp_server.handler
    server.refuse_every = refuse_every
    server.signal_at = ORGANISERS // 3
    # The worker starts (Django, resume_work) while the test writes the organisers.
    worker = system.worker(EMAIL_URL=smtp_server.url, MAIL_RETRY_SECONDS="0.2")
    addresses = organisers_with_editors(ORGANISERS)
    reporting_round = ReportingRoundFactory()
    started = time.monotonic()
    result = services.reminders_send(reporting_round=reporting_round, actor=staff_user())
    clicked = time.monotonic() - started
    assert len(result.sent) == ORGANISERS

    records = OutgoingMail.objects.filter(topic=f"round:{reporting_round.pk}")

    def healthy() -> None:
        worker.check_alive()
        failed = records.filter(status=Status.FAILED).first()
        assert failed is None, f"{failed.key} failed: {failed.answer}"

    # The worker is killed when the server has accepted a third, at once: it has not yet
    # written "sent" for the message the server just took (or not even read the 250).
    deadline = time.monotonic() + 60
    while not server.accepted_signal.wait(0.2):
        healthy()
        assert time.monotonic() < deadline, f"only {server.count} received after 60 s"
    worker.kill()
    killed_at = time.monotonic() - started
    at_kill = server.count
    worker.restart()

    def nothing_waiting() -> bool:
        healthy()
        return not records.filter(status__in=outbox.DUE).exists()

    wait_until(nothing_waiting, timeout=120, interval=0.2, what="every message handed over")
    delivered = time.monotonic() - started

    received = server.snapshot()
    distinct = {item.message_id for item in received}
    print(
        f"\n{ORGANISERS} reminders ({'every tenth refused' if refuse_every else 'accepted'}):"
        f" click {clicked:.2f} s; worker killed at {killed_at:.1f} s with {at_kill} accepted,"
        f" restarted; all handed over at {delivered:.1f} s. The server received"
        f" {len(received)} messages, {len(distinct)} distinct Message-IDs"
        f" ({len(received) - len(distinct)} extra copies, {worker.kills} kill);"
        f" {len(server.refused)} refused for now"
    )

    # One reminder and one delivery record per organiser, every record sent.
    reminders = {reminder.pk: reminder.principal_id for reminder in Reminder.objects.all()}
    assert sorted(reminders.values()) == sorted(addresses)
    by_status = dict.fromkeys(Status.values, 0)
    for status in records.values_list("status", flat=True):
        by_status[status] += 1
    assert by_status == {
        Status.QUEUED: 0,
        Status.RETRYING: 0,
        Status.SENT: ORGANISERS,
        Status.FAILED: 0,
    }
    sent = {mail.key: mail for mail in records}
    assert set(sent) == {f"reminder:{pk}" for pk in reminders}

    # Every organiser's address received exactly one distinct message: its reminder's.
    ids_by_address = defaultdict(set)
    for item in received:
        for address in item.recipients:
            ids_by_address[address].add(item.message_id)
    expected = {
        addresses[principal_id]: {outbox.message_id(f"reminder:{pk}")}
        for pk, principal_id in reminders.items()
    }
    assert dict(ids_by_address) == expected

    # The records agree with the server: as many distinct messages as "sent" records, and at
    # most one extra copy per kill (handed over, then killed before "sent" was committed).
    assert len(distinct) == by_status[Status.SENT]
    assert len(received) - len(distinct) <= worker.kills == 1

    if refuse_every:
        assert len(server.refused) >= ORGANISERS // refuse_every
        by_id = {outbox.message_id(key): mail for key, mail in sent.items()}
        for item in server.refused:
            mail = by_id[item.message_id]
            assert mail.attempts >= 2, mail.key
            assert mail.answer.startswith("250"), mail.answer
        assert server.data_commands == len(received) + len(server.refused)
    else:
        assert server.refused == []
