"""E-mail is written with the change and sent by a task, against a real SMTP server (aiosmtpd
in a thread): "sent" only after the server accepted, temporary refusals tried again later,
permanent ones failed with the server's words, each key once, secrets not kept."""

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal import outbox
from portal.models import OutgoingMail
from tests.readiness.factories import ReportingRoundFactory

Status = OutgoingMail.Status


class Recording:
    """An SMTP server's handler that keeps what it accepted and refuses on request."""

    def __init__(self):
        self.received: list[tuple[list[str], str]] = []
        self.refuse_data: str | None = None  # e.g. "451 4.3.0 Try again later"
        self.refuse_rcpt: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        text = envelope.content.decode("utf-8", errors="replace")
        message_id = next(
            (
                line.split(":", 1)[1].strip()
                for line in text.splitlines()
                if line.lower().startswith("message-id:")
            ),
            "",
        )
        self.received.append((list(envelope.rcpt_tos), message_id))
        return "250 2.0.0 Ok: queued as TEST"


@pytest.fixture
def smtp(settings):
    handler = Recording()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    yield handler
    controller.stop()


def _mail(key="m1", to=("a@example.se",), **kwargs) -> outbox.Mail:
    return outbox.Mail(key=key, kind="test", to=list(to), subject="Ämne", body="Hej!", **kwargs)


@pytest.mark.django_db
def test_sent_only_after_the_server_accepted_with_its_answer(smtp):
    assert outbox.queue(_mail()) == 1
    row = OutgoingMail.objects.get()
    assert row.status == Status.SENT and row.attempts == 1
    assert row.answer == "250 2.0.0 Ok: queued as TEST"
    assert row.sent_at is not None
    assert smtp.received == [(["a@example.se"], outbox.message_id("m1"))]


@pytest.mark.django_db
def test_the_same_key_is_one_message(smtp):
    outbox.queue(_mail(), _mail())
    outbox.queue(_mail())
    assert OutgoingMail.objects.count() == 1
    assert len(smtp.received) == 1


@pytest.mark.django_db
def test_a_temporary_refusal_is_tried_again_later_and_then_sent(smtp, settings):
    settings.MAIL_RETRY_SECONDS = 60
    smtp.refuse_data = "451 4.3.0 Try again later"
    outbox.queue(_mail())
    row = OutgoingMail.objects.get()
    assert row.status == Status.RETRYING and row.attempts == 1
    assert row.answer == "451 4.3.0 Try again later"
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert outbox.deliver_due().total == 0  # not due yet
    smtp.refuse_data = None
    OutgoingMail.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver_due().counts == {Status.SENT: 1}
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2
    assert len(smtp.received) == 1


def test_the_pauses_grow_and_are_capped(settings):
    settings.MAIL_RETRY_SECONDS = 60
    assert [outbox.retry_delay(n) for n in (1, 2, 3, 4)] == [60, 240, 960, 3840]
    assert outbox.retry_delay(9) == 6 * 60 * 60


@pytest.mark.django_db
def test_a_permanent_refusal_fails_at_once(smtp):
    smtp.refuse_rcpt["fel@example.se"] = "550 5.1.1 No such user"
    outbox.queue(_mail(to=["fel@example.se"]))
    row = OutgoingMail.objects.get()
    assert row.status == Status.FAILED and row.attempts == 1
    assert row.answer == "550 5.1.1 No such user"
    assert smtp.received == []


@pytest.mark.django_db
def test_one_refused_recipient_of_several_is_noted_and_the_rest_get_it(smtp):
    smtp.refuse_rcpt["fel@example.se"] = "550 5.1.1 No such user"
    outbox.queue(_mail(to=["a@example.se", "fel@example.se"]))
    row = OutgoingMail.objects.get()
    assert row.status == Status.SENT
    assert "fel@example.se: 550 5.1.1 No such user" in row.answer
    assert smtp.received[0][0] == ["a@example.se"]


@pytest.mark.django_db
def test_no_mail_server_is_a_temporary_failure_and_gives_up_after_the_last_try(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    settings.MAIL_MAX_ATTEMPTS = 2
    outbox.queue(_mail())
    row = OutgoingMail.objects.get()
    assert row.status == Status.RETRYING and "ConnectionRefusedError" in row.answer
    OutgoingMail.objects.update(next_attempt_at=timezone.now())
    outbox.deliver_due()
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 2


@pytest.mark.django_db
def test_a_secret_is_not_kept_once_sent(smtp):
    outbox.queue(_mail(secret=True))
    row = OutgoingMail.objects.get()
    assert row.status == Status.SENT and row.body == ""


@pytest.mark.django_db
def test_nothing_is_queued_when_the_change_is_rolled_back(settings):
    from django.db import transaction

    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "mail", "jobs"],
        }
    }
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.queue(_mail())
        raise RuntimeError
    assert not OutgoingMail.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_staff_see_failed_messages_on_the_round_page_with_the_organiser(client, login, staff):
    reporting_round = ReportingRoundFactory()
    OutgoingMail.objects.create(
        key="r1",
        kind="readiness-reminder",
        topic=f"round:{reporting_round.pk}",
        label="Fel Kommun",
        to=["fel@example.se"],
        subject="Påminnelse",
        status=Status.FAILED,
        attempts=1,
        answer="550 5.1.1 No such user",
    )
    OutgoingMail.objects.create(
        key="r2",
        kind="readiness-reminder",
        topic=f"round:{reporting_round.pk}",
        label="Rätt Kommun",
        to=["ratt@example.se"],
        subject="Påminnelse",
        status=Status.SENT,
    )
    login(staff)
    html = client.get(reverse("readiness:round-detail", args=[reporting_round.pk])).content
    html = html.decode()
    assert "Meddelanden som inte kunde levereras" in html
    assert "Fel Kommun" in html and "fel@example.se" in html and "550 5.1.1 No such user" in html
    assert (
        "Rätt Kommun"
        not in html.split("Meddelanden som inte kunde levereras")[1].split("</table>")[0]
    )


@pytest.mark.django_db
def test_the_summary_reads_the_failed_messages_only_when_there_are_some(
    django_assert_num_queries,
):
    topic = "round:4711"
    OutgoingMail.objects.create(
        key="s1",
        kind="readiness-reminder",
        topic=topic,
        to=["a@example.se"],
        subject="S",
        status=Status.SENT,
    )
    with django_assert_num_queries(1):
        assert outbox.summary(topic).failed == []
    failed = OutgoingMail.objects.create(
        key="f1",
        kind="readiness-reminder",
        topic=topic,
        to=["b@example.se"],
        subject="S",
        status=Status.FAILED,
    )
    with django_assert_num_queries(2):
        found = outbox.summary(topic)
    assert found.failed == [failed] and found.counts == {Status.SENT: 1, Status.FAILED: 1}


@pytest.mark.django_db
def test_a_code_someone_waits_for_goes_before_a_batch_of_reminders(smtp, settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "mail", "jobs"],
        }
    }
    outbox.queue(*(_mail(key=f"reminder:{n}", to=[f"r{n}@example.se"]) for n in range(3)))
    outbox.queue(_mail(key="email-code:1", to=["kod@example.se"], secret=True))
    outbox.deliver_due()
    assert smtp.received[0][0] == ["kod@example.se"]
    assert len(smtp.received) == 4
