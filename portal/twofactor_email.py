"""One-time codes e-mailed to the account's address: the second channel before a device.

A password alone must not be enough to set up (or replace) the device that two-step
verification relies on, or whoever learns a password could enrol their own phone. So the
person first proves they read the account's e-mail. A code is short-lived, single-use, kept
only as a keyed hash, refused after a few wrong tries, and sent at most so often.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from . import outbox
from .audit import Action, record
from .models import EmailCode

Purpose = EmailCode.Purpose
Status = EmailCode.Status
HASH_SALT = "portal.twofactor_email.code"
# Rows older than this are only history; they are removed when a new code is sent.
KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Sending:
    sent: bool
    wait_until: datetime | None = None
    no_address: bool = False


@dataclass(frozen=True)
class CodeCheck:
    """`reason` is one of "wrong", "expired", "blocked", "none" when the code is refused."""

    ok: bool
    reason: str = ""
    attempts_left: int = 0


def _hash(user, purpose: str, code: str) -> str:
    return salted_hmac(HASH_SALT, f"{user.pk}:{purpose}:{code}", algorithm="sha256").hexdigest()


def _send_wait(user, now: datetime) -> datetime | None:
    """When the next code may be sent, if not now: a pause after each, and a cap per hour."""
    recent = list(
        EmailCode.objects.filter(user=user, created_at__gte=now - timedelta(hours=1))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )
    if recent and now < recent[0] + timedelta(seconds=settings.TWO_FACTOR_EMAIL_RESEND_SECONDS):
        return recent[0] + timedelta(seconds=settings.TWO_FACTOR_EMAIL_RESEND_SECONDS)
    if len(recent) >= settings.TWO_FACTOR_EMAIL_CODES_PER_HOUR:
        return recent[settings.TWO_FACTOR_EMAIL_CODES_PER_HOUR - 1] + timedelta(hours=1)
    return None


def active_code(*, user, purpose: str) -> EmailCode | None:
    """The code the user was last sent for this purpose and has not used or had replaced."""
    return (
        EmailCode.objects.filter(user=user, purpose=purpose, status=Status.ACTIVE)
        .order_by("-created_at", "-pk")
        .first()
    )


def code_send(*, user, purpose: str) -> Sending:
    """E-mail a new code to the account's address; it replaces any earlier one."""
    if not user.email:
        return Sending(sent=False, no_address=True)
    now = timezone.now()
    with transaction.atomic(durable=True):
        # The user's row is the lock, so two requests cannot both pass the rate limit.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        wait_until = _send_wait(user, now)
        if wait_until is not None:
            return Sending(sent=False, wait_until=wait_until)
        EmailCode.objects.filter(user=user, created_at__lt=now - KEEP).delete()
        EmailCode.objects.filter(user=user, status=Status.ACTIVE).update(status=Status.REPLACED)
        code = f"{secrets.randbelow(10**6):06d}"
        email_code = EmailCode.objects.create(
            user=user,
            purpose=purpose,
            code_hash=_hash(user, purpose, code),
            expires_at=now + timedelta(seconds=settings.TWO_FACTOR_EMAIL_CODE_SECONDS),
        )
        record(actor=user, subject=user, action=Action.SIGN_IN_CODE_SENT, note=purpose)
        _queue_mail(user=user, purpose=purpose, code=code, key=f"email-code:{email_code.pk}")
    return Sending(sent=True)


def code_confirm(*, user, purpose: str, code: str) -> CodeCheck:
    """Check a code against the active one; a right code is used up, wrong ones are counted."""
    limit = settings.TWO_FACTOR_EMAIL_CODE_ATTEMPTS
    with transaction.atomic(durable=True):
        current = active_code(user=user, purpose=purpose)
        if current is None:
            return CodeCheck(ok=False, reason="none")
        current = EmailCode.objects.select_for_update().get(pk=current.pk)
        if current.status != Status.ACTIVE:
            return CodeCheck(ok=False, reason="none")
        if current.attempts >= limit:
            return CodeCheck(ok=False, reason="blocked")
        if timezone.now() >= current.expires_at:
            return CodeCheck(ok=False, reason="expired")
        if constant_time_compare(current.code_hash, _hash(user, purpose, code)):
            current.status = Status.USED
            current.save(update_fields=["status"])
            record(actor=user, subject=user, action=Action.SIGN_IN_CODE_CONFIRMED, note=purpose)
            return CodeCheck(ok=True)
        EmailCode.objects.filter(pk=current.pk).update(attempts=F("attempts") + 1)
        left = limit - current.attempts - 1
        if left <= 0:
            record(actor=user, subject=user, action=Action.SIGN_IN_CODE_BLOCKED, note=purpose)
            return CodeCheck(ok=False, reason="blocked")
        return CodeCheck(ok=False, reason="wrong", attempts_left=left)


def masked_address(address: str) -> str:
    """The address with most of its local part hidden, for pages a password alone can open."""
    local, _at, domain = address.partition("@")
    if not domain:
        return "…"
    return f"{local[:1]}…@{domain}"


def _queue_mail(*, user, purpose: str, code: str, key: str) -> None:
    context = {
        "user": user,
        "code": code,
        "recover": purpose == Purpose.RECOVER,
        "minutes": settings.TWO_FACTOR_EMAIL_CODE_SECONDS // 60,
        "reset_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("password_reset"),
    }
    subject, body = outbox.compose("registration/twofactor_email", context)
    outbox.queue(
        outbox.Mail(
            key=key,
            kind="sign-in-code",
            to=[user.email],
            subject=subject,
            body=body,
            topic=f"user:{user.pk}",
            label=user.get_username(),
            secret=True,
        ),
        actor=user,
    )
