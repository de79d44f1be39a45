"""No data by password alone: whoever's role requires two steps proves the account's e-mail
with a one-time code before a device is set up, and again to replace a lost one."""

import re
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import AuditEvent, EmailCode
from portal.twofactor import PROOF_SESSION_KEY

pytestmark = pytest.mark.django_db

LOGIN = "/konto/logga-in/"
LOGOUT = "/konto/logga-ut/"
SETUP = "/konto/tvastegs/aktivera/"
VERIFY = "/konto/tvastegs/verifiera/"
EMAIL = "/konto/tvastegs/e-post/"
RECOVER = "/konto/tvastegs/forlorad/"
STEPS = {SETUP, EMAIL}
Action = AuditEvent.Action

# Reachable before the second step: the steps, logging out, and pages that show no data.
EXEMPT = {
    "twofactor-email",
    "twofactor-setup",
    "twofactor-verify",
    "twofactor-recover",
    "logout",
    "set-language",
    "portal:healthz",
    "portal:accessibility",
}
SAMPLES = {IntConverter: 1, UUIDConverter: uuid.UUID(int=1)}
ADMIN_PAGES = [
    "admin:index",
    "admin:auth_user_changelist",
    "admin:auth_group_changelist",
    "admin:otp_totp_totpdevice_changelist",
    "admin:portal_auditevent_changelist",
    "admin:axes_accessattempt_changelist",
    "admin:principals_principal_changelist",
]


@pytest.fixture(autouse=True)
def required(settings):
    settings.REQUIRE_2FA_FOR_STAFF = True


def every_url() -> list[tuple[str, str]]:
    """(name, path) of every named URL pattern, with sample values for its parameters."""
    found = []

    def walk(patterns, namespace, converters):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                inner = {**converters, **getattr(pattern.pattern, "converters", {})}
                walk(pattern.url_patterns, ns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                params = {**converters, **getattr(pattern.pattern, "converters", {})}
                kwargs = {key: SAMPLES.get(type(c), "x") for key, c in params.items()}
                try:
                    found.append((name, reverse(name, kwargs=kwargs or None)))
                except NoReverseMatch:
                    continue  # regular-expression admin patterns; ADMIN_PAGES stands in

    walk(get_resolver().url_patterns, None, {})
    return found


def log_in(client, user, password):
    response = client.post(LOGIN, {"username": user.username, "password": password})
    assert response.status_code == 302, "the password itself is accepted"


def send_code(client, django_capture_on_commit_callbacks, url=EMAIL) -> str:
    """Ask for a code and read it from the e-mail."""
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"send": "1", "next": "/personal/"})
    assert response.status_code == 302
    assert len(mail.outbox) == before + 1, "one e-mail is sent"
    return re.search(r"^(\d{6})$", mail.outbox[-1].body, re.M).group(1)


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def app_code(device, steps=0) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():06d}"


def user_events(user) -> list[str]:
    return list(AuditEvent.objects.for_object(user).order_by("id").values_list("action", flat=True))


# ---------------------------------------------------------------- a password alone


def test_password_alone_reaches_nothing_but_the_enrolment_steps(client, staff, password):
    log_in(client, staff, password)
    urls = every_url() + [(name, reverse(name)) for name in ADMIN_PAGES]
    assert len(urls) > 150, "the walk found the project's URLs"
    leaks = []
    for name, url in urls:
        if name in EXEMPT or name.startswith("admin:logout"):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            location = response.get("Location", "").split("?")[0]
            if response.status_code != 302 or location not in STEPS:
                leaks.append(f"{method.upper()} {url} ({name}): {response.status_code} {location}")
    assert not leaks, "\n".join(leaks)

    # And the step it is sent to asks for the e-mailed code: no QR code, no secret, no device.
    response = client.get("/personal/", follow=True)
    assert response.redirect_chain[-1][0] == EMAIL + "?next=%2Fpersonal%2F"
    html = response.content.decode()
    assert "Bekräfta din e-postadress" in html
    assert "data:image/svg" not in html and "<code>" not in html
    assert not TOTPDevice.objects.filter(user=staff).exists()


@pytest.mark.parametrize("fixture", ["lead", "government", "admin"])
def test_every_role_that_requires_two_steps_is_held_at_the_email_step(
    client, request, password, fixture
):
    user = request.getfixturevalue(fixture)
    log_in(client, user, password)
    for url in ["/", "/personal/", "/insyn/", "/admin/", "/rapporter/beredskap/", "/konto/"]:
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(EMAIL), url
    assert client.get(SETUP)["Location"] == EMAIL


def test_a_device_cannot_be_confirmed_without_the_email_code(client, staff, password):
    log_in(client, staff, password)
    # Even with a pending device made by the old setup page, a code from it is refused.
    device = TOTPDevice.objects.create(user=staff, name="TOTP", confirmed=False)
    response = client.post(SETUP, {"code": app_code(device), "next": "/personal/"})
    assert response.status_code == 302 and response["Location"].startswith(EMAIL)
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/personal/").status_code == 302


# ---------------------------------------------------------------- the e-mailed code


def test_the_email_code_lets_the_user_set_up_the_app(
    client, staff, password, django_capture_on_commit_callbacks
):
    log_in(client, staff, password)
    page = client.get(EMAIL + "?next=/personal/").content.decode()
    assert "s…@example.se" in page and staff.email not in page
    assert not mail.outbox, "visiting the page sends nothing"

    code = send_code(client, django_capture_on_commit_callbacks)
    message = mail.outbox[-1]
    assert message.to == [staff.email]
    assert message.subject == "Din kod till Skoldigistöd"
    assert "giltig i 15 minuter" in message.body
    assert "Någon känner till ditt lösenord" in message.body
    assert "Vi har skickat en kod till s…@example.se" in client.get(EMAIL).content.decode()
    row = EmailCode.objects.get(user=staff)
    assert code not in row.code_hash, "the code is stored only as a keyed hash"

    response = client.post(EMAIL, {"code": code, "next": "/personal/"})
    assert response["Location"] == SETUP + "?next=%2Fpersonal%2F"
    page = client.get(response["Location"]).content.decode()
    assert "data:image/svg" in page
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    response = client.post(SETUP, {"code": app_code(device), "next": "/personal/"})
    assert response["Location"] == "/personal/"
    assert client.get("/personal/").status_code == 200
    assert user_events(staff) == [
        Action.SIGN_IN_CODE_SENT,
        Action.SIGN_IN_CODE_CONFIRMED,
        Action.TWO_FACTOR_ENROLLED,
    ]
    assert PROOF_SESSION_KEY not in client.session, "the permission to enrol is used up"


def test_wrong_codes_are_refused_and_then_the_code_is_blocked(
    client, staff, password, django_capture_on_commit_callbacks
):
    log_in(client, staff, password)
    code = send_code(client, django_capture_on_commit_callbacks)
    response = client.post(EMAIL, {"code": wrong(code)})
    assert response.status_code == 200
    assert "Koden är fel. Du kan försöka 4 gånger till." in response.content.decode()
    for _ in range(settings.TWO_FACTOR_EMAIL_CODE_ATTEMPTS - 1):
        response = client.post(EMAIL, {"code": wrong(code)})
    assert "För många felaktiga koder. Begär en ny kod." in response.content.decode()
    # Now even the right code is refused.
    response = client.post(EMAIL, {"code": code})
    assert response.status_code == 200
    assert "För många felaktiga koder" in response.content.decode()
    assert client.get(SETUP)["Location"].startswith(EMAIL)
    assert Action.SIGN_IN_CODE_BLOCKED in user_events(staff)


def test_an_expired_code_is_refused(client, staff, password, django_capture_on_commit_callbacks):
    log_in(client, staff, password)
    code = send_code(client, django_capture_on_commit_callbacks)
    EmailCode.objects.filter(user=staff).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(EMAIL, {"code": code})
    assert "Koden har gått ut. Begär en ny kod." in response.content.decode()
    assert client.get(SETUP)["Location"].startswith(EMAIL)


def test_a_used_code_cannot_be_used_again(
    client, staff, password, django_capture_on_commit_callbacks
):
    log_in(client, staff, password)
    code = send_code(client, django_capture_on_commit_callbacks)
    assert client.post(EMAIL, {"code": code})["Location"].startswith(SETUP)
    client.post(LOGOUT)

    log_in(client, staff, password)
    assert client.get(SETUP)["Location"].startswith(EMAIL), "logging out ends the permission"
    response = client.post(EMAIL, {"code": code})
    assert response.status_code == 200
    assert "Det finns ingen giltig kod" in response.content.decode()
    assert client.get(SETUP)["Location"].startswith(EMAIL)


def test_a_new_code_replaces_the_old_one(
    client, staff, password, django_capture_on_commit_callbacks
):
    log_in(client, staff, password)
    first = send_code(client, django_capture_on_commit_callbacks)
    EmailCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    second = send_code(client, django_capture_on_commit_callbacks)
    if first != second:
        # Checked against the new code, the old one is simply wrong.
        assert "Koden är fel" in client.post(EMAIL, {"code": first}).content.decode()
    assert EmailCode.objects.filter(status=EmailCode.Status.REPLACED).count() == 1
    assert client.post(EMAIL, {"code": second})["Location"].startswith(SETUP)


def test_asking_again_is_rate_limited(client, staff, password, django_capture_on_commit_callbacks):
    log_in(client, staff, password)
    send_code(client, django_capture_on_commit_callbacks)
    response = client.post(EMAIL, {"send": "1"}, follow=True)
    assert len(mail.outbox) == 1
    assert "En kod skickades nyss. Du kan begära en ny kl." in response.content.decode()
    # After the pause more may be sent, up to the hourly number.
    for _ in range(settings.TWO_FACTOR_EMAIL_CODES_PER_HOUR - 1):
        EmailCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
        send_code(client, django_capture_on_commit_callbacks)
    EmailCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    client.post(EMAIL, {"send": "1"})
    assert len(mail.outbox) == settings.TWO_FACTOR_EMAIL_CODES_PER_HOUR


def test_the_permission_to_set_up_a_device_expires(
    client, staff, password, django_capture_on_commit_callbacks
):
    log_in(client, staff, password)
    code = send_code(client, django_capture_on_commit_callbacks)
    client.post(EMAIL, {"code": code})
    assert client.get(SETUP).status_code == 200
    session = client.session
    session[PROOF_SESSION_KEY]["until"] = int(time.time()) - 1
    session.save()
    assert client.get(SETUP)["Location"].startswith(EMAIL)


def test_an_account_without_an_address_gets_no_code(client, staff, password):
    staff.email = ""
    staff.save()
    log_in(client, staff, password)
    page = client.get(EMAIL).content.decode()
    assert "Ditt konto har ingen e-postadress" in page
    client.post(EMAIL, {"send": "1"})
    assert not mail.outbox and not EmailCode.objects.exists()
    assert client.get(SETUP)["Location"].startswith(EMAIL)


def test_organisers_who_opt_in_need_no_email_code(client, editor_a, password):
    log_in(client, editor_a, password)
    assert client.get(SETUP).status_code == 200
    assert client.get(EMAIL)["Location"] == SETUP


# ---------------------------------------------------------------- a lost device


def test_a_lost_device_is_replaced_only_with_the_email_code(
    client, staff, password, django_capture_on_commit_callbacks
):
    lost = TOTPDevice.objects.create(user=staff, name="TOTP", confirmed=True)
    log_in(client, staff, password)
    page = client.get(VERIFY + "?next=/personal/").content.decode()
    assert f'href="{RECOVER}?next=/personal/"' in page
    # The password alone neither removes the device nor opens a setup page.
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    assert client.get(EMAIL)["Location"].startswith(VERIFY)
    assert client.get("/personal/")["Location"].startswith(VERIFY)
    page = client.get(RECOVER).content.decode()
    assert "Förlorad enhet" in page

    code = send_code(client, django_capture_on_commit_callbacks, url=RECOVER)
    assert "ersätta en förlorad enhet" in mail.outbox[-1].body
    response = client.post(RECOVER, {"code": wrong(code)})
    assert "Koden är fel" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=lost.pk).exists()
    # An enrolment code cannot stand in for a recovery code (nor the other way round).
    assert client.get(EMAIL)["Location"].startswith(VERIFY)

    response = client.post(RECOVER, {"code": code, "next": "/personal/"})
    assert response["Location"] == SETUP + "?next=%2Fpersonal%2F"
    assert not TOTPDevice.objects.filter(pk=lost.pk).exists()
    assert client.get("/personal/")["Location"].startswith(SETUP)
    client.get(SETUP)
    new = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert client.post(SETUP, {"code": app_code(new)})["Location"] == "/"
    assert client.get("/personal/").status_code == 200
    assert user_events(staff) == [
        Action.SIGN_IN_CODE_SENT,
        Action.SIGN_IN_CODE_CONFIRMED,
        Action.TWO_FACTOR_RECOVERED,
        Action.TWO_FACTOR_ENROLLED,
    ]
    assert AuditEvent.objects.filter(
        action=Action.DELETED, object_id=str(lost.pk), actor=staff
    ).exists()


def test_recovery_codes_are_refused_when_wrong_expired_or_used(
    client, staff, password, django_capture_on_commit_callbacks
):
    TOTPDevice.objects.create(user=staff, name="TOTP", confirmed=True)
    log_in(client, staff, password)
    code = send_code(client, django_capture_on_commit_callbacks, url=RECOVER)
    EmailCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "Koden har gått ut" in client.post(RECOVER, {"code": code}).content.decode()
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).exists()

    EmailCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    code = send_code(client, django_capture_on_commit_callbacks, url=RECOVER)
    client.post(RECOVER, {"code": code})
    assert not TOTPDevice.objects.filter(user=staff, confirmed=True).exists()
    # Used: it does not work again, even once another device has been set up.
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    client.post(SETUP, {"code": app_code(device)})
    client.post(LOGOUT)
    log_in(client, staff, password)
    response = client.post(RECOVER, {"code": code})
    assert "ingen giltig kod" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()


def test_verified_users_are_sent_on_from_the_email_steps(client, staff, password):
    device = TOTPDevice.objects.create(user=staff, name="TOTP", confirmed=True)
    log_in(client, staff, password)
    client.post(VERIFY, {"code": app_code(device)})
    assert client.get(EMAIL)["Location"] == "/konto/tvastegs/"
    assert client.get(RECOVER)["Location"] == "/konto/tvastegs/"
