"""Every e-mail the portal sends goes through here: queued with the change, sent by a worker.

`queue` writes one delivery record (`OutgoingMail`) per message in the caller's transaction and
enqueues the task that delivers them, in the same transaction: the mail exists if and only if
the change does. `deliver_due` (run by that task on a worker) takes one due message at a time
under a row lock that other workers skip (`SELECT … FOR UPDATE SKIP LOCKED`), hands it to the
mail server and writes "sent" with the server's answer only after the server accepted it. A
worker killed mid-message holds no lock any more: the message is due again and the next drain
sends it. A temporary refusal (4xx, a dropped connection) is tried again later with growing
pauses; a permanent one (5xx), or too many tries, marks it failed for staff to see.

The key makes each message once: queueing the same key again does nothing. Its Message-ID is
derived from the key, so in the one case a message can reach the server twice (the worker dies
after the server's "250" and before its own commit) the copies are one message to the mailbox.
docs/adr/0012-background-work.md has the reasoning.
"""

import email.policy
import hashlib
import logging
import math
import smtplib
from collections import Counter
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import audit
from .models import OutgoingMail

logger = logging.getLogger(__name__)

Status = OutgoingMail.Status
DUE = (Status.QUEUED, Status.RETRYING)
# One drain task per this many queued messages, up to MAIL_DRAINS, so several workers share a
# large batch (each drain sends until nothing is due).
MESSAGES_PER_DRAIN = 200


@dataclass(frozen=True)
class Mail:
    """One message to queue: `key` names it for good (a second `queue` of it does nothing)."""

    key: str
    kind: str
    to: list[str]
    subject: str
    body: str
    topic: str = ""
    label: str = ""
    secret: bool = False


def compose(template: str, context: dict) -> tuple[str, str]:
    """Subject and text of `<template>_subject.txt` and `<template>.txt`, in Swedish."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    return subject, body


def queue(*mails: Mail, actor=None) -> int:
    """Record the messages and enqueue their delivery, in the caller's transaction.

    Returns how many were new (a key already queued is left as it is)."""
    mails = [mail for mail in mails if mail.to]
    if not mails:
        return 0
    label = audit.actor_label(actor) if actor is not None else ""
    now = timezone.now()
    with transaction.atomic():
        known = set(
            OutgoingMail.objects.filter(key__in=[mail.key for mail in mails]).values_list(
                "key", flat=True
            )
        )
        new = [
            OutgoingMail(
                key=mail.key,
                kind=mail.kind,
                topic=mail.topic,
                label=mail.label[:300],
                to=list(mail.to),
                subject=mail.subject[:300],
                body=mail.body,
                secret=mail.secret,
                created_at=now,
                created_by_label=label,
                next_attempt_at=now,
            )
            for mail in {mail.key: mail for mail in mails if mail.key not in known}.values()
        ]
        OutgoingMail.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
        if new:
            _enqueue_drains(math.ceil(len(new) / MESSAGES_PER_DRAIN))
    return len(new)


def _enqueue_drains(wanted: int, run_after=None) -> None:
    from .tasks import deliver_mail

    task = deliver_mail.using(run_after=run_after) if run_after else deliver_mail
    for _ in range(max(1, min(wanted, settings.MAIL_DRAINS))):
        task.enqueue()


def schedule_due() -> int:
    """Enqueue a drain when messages are due and none may be coming (after a worker died)."""
    due = OutgoingMail.objects.filter(status__in=DUE, next_attempt_at__lte=timezone.now())
    count = due.count()
    if count:
        _enqueue_drains(math.ceil(count / MESSAGES_PER_DRAIN))
    return count


# ---------------------------------------------------------------- delivery


class TemporaryFailure(Exception):
    """The server (or the way to it) said "not now": try again later."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): trying again would not help."""


def message_id(key: str) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "skoldigistod"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def retry_delay(attempts: int) -> float:
    """Seconds before try number `attempts + 1`: the base, then four times longer each time,
    at most six hours."""
    return min(settings.MAIL_RETRY_SECONDS * 4 ** (attempts - 1), 6 * 60 * 60)


@dataclass
class Delivered:
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def deliver_due(*, limit: int | None = None) -> Delivered:
    """Send due messages one at a time until none is due (or `limit` were tried). A message
    someone is waiting for (a sign-in code, a password or invitation link) goes first, so it
    does not wait behind a round's reminders."""
    delivered = Delivered()
    mailer = mailers.default
    try:
        while limit is None or delivered.total < limit:
            with transaction.atomic():
                mail = (
                    OutgoingMail.objects.select_for_update(skip_locked=True)
                    .filter(status__in=DUE, next_attempt_at__lte=timezone.now())
                    .order_by("-secret", "next_attempt_at", "pk")
                    .first()
                )
                if mail is None:
                    break
                delivered.counts[_attempt(mailer, mail)] += 1
    finally:
        mailer.close()
    return delivered


def _attempt(mailer, mail: OutgoingMail) -> str:
    message = EmailMessage(
        mail.subject, mail.body, None, mail.to, headers={"Message-ID": message_id(mail.key)}
    )
    mail.attempts += 1
    now = timezone.now()
    try:
        mail.answer = _hand_over(mailer, message)
    except TemporaryFailure as failure:
        mail.answer = str(failure)[:2000]
        if mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
            mail.status = Status.FAILED
        else:
            mail.status = Status.RETRYING
            mail.next_attempt_at = now + timezone.timedelta(seconds=retry_delay(mail.attempts))
            if _backend_defers():
                _enqueue_drains(1, run_after=mail.next_attempt_at)
    except PermanentFailure as failure:
        mail.answer = str(failure)[:2000]
        mail.status = Status.FAILED
    else:
        mail.status = Status.SENT
        mail.sent_at = now
    if mail.secret and mail.status in (Status.SENT, Status.FAILED):
        mail.body = ""
    mail.save(update_fields=["attempts", "answer", "status", "next_attempt_at", "sent_at", "body"])
    if mail.status == Status.FAILED:
        logger.warning("Mail %s failed after %s attempts: %s", mail.key, mail.attempts, mail.answer)
    return mail.status


def _backend_defers() -> bool:
    from django.tasks import default_task_backend

    return default_task_backend.supports_defer


def _hand_over(mailer, message: EmailMessage) -> str:
    """Give one message to the mail server; return its answer or raise a failure."""
    if not isinstance(mailer, SMTPBackend):
        try:
            mailer.send_messages([message])
        except Exception as error:  # a file or console backend that cannot write
            raise TemporaryFailure(str(error)) from error
        return f"accepted ({type(mailer).__module__.rpartition('.')[2]})"
    try:
        mailer.open()
        return _smtp_transaction(mailer, message)
    except smtplib.SMTPResponseException as error:
        _reset(mailer)
        _raise_for(error.smtp_code, error.smtp_error)
    except (OSError, smtplib.SMTPException) as error:  # refused, timed out, disconnected
        mailer.close()
        raise TemporaryFailure(f"{type(error).__name__}: {error}") from error
    raise AssertionError("unreachable")  # pragma: no cover


def _smtp_transaction(mailer: SMTPBackend, message: EmailMessage) -> str:
    connection = mailer.connection
    sender = mailer.prep_address(message.from_email)
    recipients = [mailer.prep_address(address) for address in message.recipients()]
    connection.ehlo_or_helo_if_needed()  # smtplib's sendmail does this; mail() alone does not
    code, text = connection.mail(sender)
    if code != 250:
        _reset(mailer)
        _raise_for(code, text)
    accepted, refused = [], []
    for address in recipients:
        code, text = connection.rcpt(address)
        if code in (250, 251):
            accepted.append(address)
        else:
            refused.append((address, code, text))
    if not accepted:
        _reset(mailer)
        temporary = [item for item in refused if 400 <= item[1] < 500]
        address, code, text = (temporary or refused)[0]
        _raise_for(code, text)
    code, text = connection.data(message.message(policy=email.policy.SMTP).as_bytes())
    if code != 250:
        _reset(mailer)
        _raise_for(code, text)
    answer = f"{code} {_text(text)}"
    for address, code, text in refused:
        answer += f"; {address}: {code} {_text(text)}"
    return answer


def _text(text) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)


def _raise_for(code: int, text) -> None:
    answer = f"{code} {_text(text)}"
    if 400 <= code < 500:
        raise TemporaryFailure(answer)
    raise PermanentFailure(answer)


def _reset(mailer: SMTPBackend) -> None:
    try:
        mailer.connection.rset()
    except (OSError, smtplib.SMTPException):
        mailer.close()


# ---------------------------------------------------------------- reading


@dataclass
class Summary:
    counts: dict[str, int]
    failed: list[OutgoingMail]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def waiting(self) -> int:
        return self.counts.get(Status.QUEUED, 0) + self.counts.get(Status.RETRYING, 0)


def summary(topic: str, *, failed_limit: int = 200) -> Summary:
    """How the messages about one thing ("round:12") fared, with the failed ones to show."""
    rows = OutgoingMail.objects.filter(topic=topic)
    counts = {row["status"]: row["n"] for row in rows.values("status").annotate(n=Count("pk"))}
    failed = (
        list(
            rows.filter(status=Status.FAILED)
            .only("label", "to", "answer", "attempts", "created_at")
            .order_by("label", "pk")[:failed_limit]
        )
        if counts.get(Status.FAILED)
        else []  # the usual case: no second query
    )
    return Summary(counts=counts, failed=failed)
