"""Two-step verification with a TOTP app (django-otp): who needs it, setting up, checking codes.

A user needs a code after the password when their role requires it (REQUIRE_2FA_FOR_STAFF) or
when they have turned it on themselves; django-otp keeps the verified device in the session.
Whoever's role requires it sets a device up only after proving, with a code e-mailed to the
account (portal.twofactor_email), that they are not just someone who knows the password; a
lost device is replaced the same way.
"""

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import Action, record
from .permissions import CHANGE_PROGRAMME, VIEW_AGGREGATES

DEVICE_NAME = "TOTP"
NO_DEVICE_SESSION_KEY = "portal_2fa_no_device"
PROOF_SESSION_KEY = "portal_2fa_enrolment_proof"
EID_SESSION_KEY = "portal_2fa_eid"  # this session began with an e-ID at assurance level 3+


def role_requires_2fa(user) -> bool:
    """Administrators, programme staff and lead, and government viewers, when the setting is on."""
    if not settings.REQUIRE_2FA_FOR_STAFF or not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or user.is_staff
        or user.has_perm(CHANGE_PROGRAMME)
        or user.has_perm(VIEW_AGGREGATES)
    )


def confirmed_device(user) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def needs_code(request) -> bool:
    """True when the user must give a code (or set up a device) before using the portal.

    That no device exists is remembered in the session, so organisers pay no query per request.
    """
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_verified() and getattr(user.otp_device, "confirmed", False):
        return False
    if request.session.get(EID_SESSION_KEY) == user.pk:
        return False
    if role_requires_2fa(user):
        return True
    if request.session.get(NO_DEVICE_SESSION_KEY) == user.pk:
        return False
    if confirmed_device(user) is not None:
        return True
    request.session[NO_DEVICE_SESSION_KEY] = user.pk
    return False


def eid_verified_grant(*, request) -> None:
    """The person logged in with an e-ID at assurance level 3 or higher (two factors, checked
    by the e-ID's issuer): for this session that is the second step (federation/oidc.py)."""
    request.session[EID_SESSION_KEY] = request.user.pk


def enrolment_proven(request) -> bool:
    """Whether this session may set up a device: always unless the user's role requires two
    steps; then only shortly after an e-mailed code (or the old device's code) was given."""
    if not role_requires_2fa(request.user):
        return True
    proof = request.session.get(PROOF_SESSION_KEY) or {}
    return proof.get("user") == request.user.pk and proof.get("until", 0) > _now_seconds()


def enrolment_proof_grant(*, request) -> None:
    """Let this session set up a device for a while; a secret shown before is not reused."""
    TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
    request.session[PROOF_SESSION_KEY] = {
        "user": request.user.pk,
        "until": _now_seconds() + settings.TWO_FACTOR_EMAIL_CODE_SECONDS,
    }


def _now_seconds() -> int:
    return int(timezone.now().timestamp())


def pending_device(*, user) -> TOTPDevice:
    """The unconfirmed device being set up; one per user, created on first visit to setup."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code in a data: URI (allowed by the CSP's img-src)."""
    return segno.make(device.config_url, error="m").svg_data_uri(
        scale=5, border=4, dark="#000", light="#fff"
    )


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    locked_until: datetime | None = None

    @property
    def throttled(self) -> bool:
        return self.locked_until is not None


def _check(device: TOTPDevice, code: str) -> CodeCheck:
    """Verify under a row lock so throttling and replay protection hold across requests."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return CodeCheck(ok=False, locked_until=(info or {}).get("locked_until"))
    return CodeCheck(ok=device.verify_token(code))


def device_confirm(*, request, device: TOTPDevice, code: str) -> CodeCheck:
    """Confirm a device being set up with a code from it; the session counts as verified."""
    with transaction.atomic():
        result = _check(device, code)
        if result.ok:
            TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(
                pk=device.pk
            ).delete()
            device.refresh_from_db()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record(
                actor=request.user,
                subject=device,
                action=Action.CREATED,
                note=gettext("Two-step verification turned on"),
            )
            record(actor=request.user, subject=request.user, action=Action.TWO_FACTOR_ENROLLED)
    if result.ok:
        request.session.pop(NO_DEVICE_SESSION_KEY, None)
        request.session.pop(PROOF_SESSION_KEY, None)
        otp_login(request, device)
    return result


def device_recover(*, request) -> None:
    """A lost device is removed once an e-mailed code has been confirmed; a new one may follow."""
    with transaction.atomic():
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            device_delete(
                actor=request.user,
                device=device,
                note=gettext("Lost device removed after a code sent by e-mail"),
            )
        record(actor=request.user, subject=request.user, action=Action.TWO_FACTOR_RECOVERED)
    enrolment_proof_grant(request=request)


def session_verify(*, request, code: str) -> CodeCheck:
    """Check a code against the user's confirmed device and mark the session verified."""
    device = confirmed_device(request.user)
    if device is None:
        return CodeCheck(ok=False)
    with transaction.atomic():
        result = _check(device, code)
    if result.ok:
        device.refresh_from_db()
        otp_login(request, device)
    return result


def device_remove(*, request, code: str) -> CodeCheck:
    """Turn two-step verification off: a valid code from the device is required."""
    device = confirmed_device(request.user)
    if device is None:
        return CodeCheck(ok=False)
    with transaction.atomic():
        result = _check(device, code)
        if result.ok:
            device_delete(
                actor=request.user,
                device=device,
                note=gettext("Two-step verification turned off by the user"),
            )
    if result.ok:
        # The code from the old device is proof enough to set up the next one straight away.
        enrolment_proof_grant(request=request)
    return result


def device_delete(*, actor, device: TOTPDevice, note: str) -> None:
    """Remove a device and say so in the history (also used when an administrator resets it)."""
    with transaction.atomic():
        record(actor=actor, subject=device, action=Action.DELETED, note=note)
        device.delete()
