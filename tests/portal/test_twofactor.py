"""Two-step verification: required of staff when the setting is on, optional for organisers."""

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/konto/logga-in/"
ACCOUNT = "/konto/tvastegs/"
SETUP = "/konto/tvastegs/aktivera/"
VERIFY = "/konto/tvastegs/verifiera/"
DISABLE = "/konto/tvastegs/stang-av/"


def code_for(device, offset_steps=0):
    """The code the user's app would show now (or `offset_steps` steps later)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def post_login(client, user, password, next_url=""):
    data = {"username": user.username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def confirmed_device_for(user):
    return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)


@pytest.fixture
def required(settings):
    settings.REQUIRE_2FA_FOR_STAFF = True


@pytest.mark.parametrize("fixture", ["staff", "lead", "government", "admin"])
def test_staff_must_set_up_device_when_required(client, request, password, required, fixture):
    user = request.getfixturevalue(fixture)
    post_login(client, user, password)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    assert client.get("/personal/")["Location"] == SETUP + "?next=%2Fpersonal%2F"


def confirm_email(client, capture):
    """The e-mailed code that must come before a device (tests/portal/test_twofactor_email.py)."""
    with capture(execute=True):
        client.post("/konto/tvastegs/e-post/", {"send": "1"})
    code = re.search(r"^(\d{6})$", mail.outbox[-1].body, re.M).group(1)
    assert client.post("/konto/tvastegs/e-post/", {"code": code}).status_code == 302


def test_setup_shows_qr_and_secret_and_confirms_with_a_code(
    client, staff, password, required, django_capture_on_commit_callbacks
):
    post_login(client, staff, password)
    confirm_email(client, django_capture_on_commit_callbacks)
    response = client.get(SETUP + "?next=/personal/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'src="data:image/svg+xml' in html
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    secret = html.split("<code>")[1].split("</code>")[0].replace(" ", "")
    from base64 import b32decode

    assert b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    # The page with the secret is never compressed (BREACH; ADR 0006; test_compression.py
    # shows that other pages are).
    packed = client.get(SETUP, headers={"accept-encoding": "gzip"})
    assert packed.status_code == 200 and "Content-Encoding" not in packed
    response = client.post(SETUP, {"code": code_for(device), "next": "/personal/"})
    assert response.status_code == 302 and response["Location"] == "/personal/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/personal/").status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATED, object_id=str(device.pk))
    assert event.actor == staff


def test_login_with_device_asks_for_code(client, staff, password, required):
    device = confirmed_device_for(staff)
    response = post_login(client, staff, password, next_url="/personal/")
    assert response["Location"] == "/personal/"
    response = client.get("/personal/")
    assert response["Location"] == VERIFY + "?next=%2Fpersonal%2F"
    page = client.get(response["Location"])
    assert "Ange koden från din app" in page.content.decode()
    response = client.post(VERIFY, {"code": code_for(device), "next": "/personal/"})
    assert response.status_code == 302 and response["Location"] == "/personal/"
    assert client.get("/personal/").status_code == 200


def test_wrong_code_is_refused_and_then_throttled(client, staff, password, required):
    device = confirmed_device_for(staff)
    post_login(client, staff, password)
    response = client.post(VERIFY, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert response.status_code == 200
    assert "Koden är fel eller har gått ut" in response.content.decode()
    # Right away, even the right code is refused: the device waits after a wrong one.
    response = client.post(VERIFY, {"code": code_for(device)})
    assert "För många felaktiga koder" in response.content.decode()
    assert client.get("/personal/").status_code == 302
    # Once the wait has passed, the right code works.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=10)
    )
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302
    assert client.get("/personal/").status_code == 200


def test_malformed_code_gets_a_clear_message(client, staff, password, required):
    confirmed_device_for(staff)
    post_login(client, staff, password)
    response = client.post(VERIFY, {"code": "12ab"})
    assert "Ange de sex siffrorna" in response.content.decode()
    assert TOTPDevice.objects.get(user=staff).throttling_failure_count == 0


def test_a_used_code_cannot_be_used_again(client, staff, password):
    device = confirmed_device_for(staff)
    post_login(client, staff, password)
    code = code_for(device)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post("/konto/logga-ut/")
    post_login(client, staff, password)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert client.get("/personal/").status_code == 302


def test_organisers_are_not_required(client, editor_a, principal_a, password, required):
    post_login(client, editor_a, password)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == f"/huvudman/{principal_a.pk}/"
    assert not TOTPDevice.objects.exists()


def test_staff_not_required_when_setting_off(client, staff, password):
    post_login(client, staff, password)
    assert client.get("/personal/").status_code == 200


def test_organiser_opts_in_and_then_always_needs_a_code(client, editor_a, principal_a, password):
    post_login(client, editor_a, password)
    page = client.get(ACCOUNT).content.decode()
    assert "Tvåstegsverifiering" in page and "Av" in page
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=editor_a)
    response = client.post(SETUP, {"code": code_for(device)})
    assert response.status_code == 302
    assert "På" in client.get(ACCOUNT).content.decode()
    client.post("/konto/logga-ut/")

    post_login(client, editor_a, password)
    assert client.get(f"/huvudman/{principal_a.pk}/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device, offset_steps=1)})
    assert client.get(f"/huvudman/{principal_a.pk}/").status_code == 200


def test_turning_off_needs_a_valid_code_and_is_recorded(client, editor_a, password):
    device = confirmed_device_for(editor_a)
    post_login(client, editor_a, password)
    client.post(VERIFY, {"code": code_for(device)})
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # a fresh code for the next step
    wrong = "123456" if code_for(device) != "123456" else "654321"
    response = client.post(DISABLE, {"code": wrong})
    assert response.status_code == 200
    assert "Koden är fel" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = client.post(DISABLE, {"code": code_for(device, offset_steps=1)})
    assert response["Location"] == ACCOUNT
    assert not TOTPDevice.objects.filter(user=editor_a).exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DELETED, object_id=str(device.pk), actor=editor_a
    ).exists()
    client.post("/konto/logga-ut/")
    post_login(client, editor_a, password)
    assert client.get("/").status_code == 302
    assert not client.get("/", follow=True).redirect_chain[-1][0].startswith(VERIFY)


def test_staff_who_turns_off_must_set_up_again(client, staff, password, required):
    device = confirmed_device_for(staff)
    post_login(client, staff, password)
    client.post(VERIFY, {"code": code_for(device)})
    response = client.post(DISABLE, {"code": code_for(device, offset_steps=1)})
    assert response["Location"] == SETUP
    assert client.get("/personal/")["Location"].startswith(SETUP)
    # The old device's code was proof enough: the new one is set up without an e-mail.
    assert client.get(SETUP).status_code == 200


def test_unverified_user_may_log_out_and_reach_exempt_pages(client, staff, password, required):
    confirmed_device_for(staff)
    post_login(client, staff, password)
    assert client.get("/healthz").status_code == 200
    assert client.get("/tillganglighet/").status_code == 200
    assert client.post("/sprak/", {"language": "en", "next": VERIFY}).status_code == 302
    assert client.get(VERIFY).status_code == 200
    assert client.post("/konto/logga-ut/").status_code == 302
    assert client.get("/personal/")["Location"].startswith(LOGIN)


def test_admin_is_protected(client, admin, password, required):
    device = confirmed_device_for(admin)
    post_login(client, admin, password)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_admin_with_opt_in_device_is_protected_even_when_setting_off(client, admin, password):
    confirmed_device_for(admin)
    post_login(client, admin, password)
    assert client.get("/admin/auth/user/")["Location"].startswith(VERIFY)


def test_admin_removes_lost_device_and_it_is_recorded(client, admin, staff, password):
    lost = confirmed_device_for(staff)
    client.force_login(admin)
    page = client.get(f"/admin/otp_totp/totpdevice/{lost.pk}/change/").content.decode()
    assert lost.key not in page  # the admin never shows the secret
    response = client.post(f"/admin/otp_totp/totpdevice/{lost.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=lost.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETED, object_id=str(lost.pk))
    assert event.actor == admin


def test_next_must_be_local(client, staff, password, required):
    device = confirmed_device_for(staff)
    post_login(client, staff, password)
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_organiser_without_device_costs_no_query_per_request(
    client, editor_a, principal_a, password
):
    post_login(client, editor_a, password)
    client.get(f"/huvudman/{principal_a.pk}/")
    with mock.patch("portal.twofactor.confirmed_device") as lookup:
        client.get(f"/huvudman/{principal_a.pk}/")
    lookup.assert_not_called()


def test_account_page_itself_waits_for_the_code(client, staff, password, required):
    confirmed_device_for(staff)
    post_login(client, staff, password)
    assert client.get(ACCOUNT)["Location"].startswith(VERIFY)
    assert client.post(DISABLE, {"code": "123456"})["Location"].startswith(VERIFY)


@pytest.mark.parametrize("change", ["deleted", "unconfirmed"])
def test_a_verified_session_ends_when_its_device_is_removed_though_the_device_is_kept(
    client, staff, password, required, settings, django_assert_num_queries, change
):
    """The device the session was verified with is kept in the shared cache (portal/
    otp_devices.py); removing or unconfirming it still asks for a code on the next page."""
    if not settings.SHARED_CACHE:
        pytest.skip("the device is kept only in a shared cache (CACHE_URL=redis://...)")
    device = confirmed_device_for(staff)
    post_login(client, staff, password)
    client.post(VERIFY, {"code": code_for(device), "next": "/personal/"})
    assert client.get("/personal/").status_code == 200
    with mock.patch("django_otp.models.Device.from_persistent_id") as read:
        assert client.get("/personal/").status_code == 200  # from the cache
    read.assert_not_called()
    if change == "deleted":
        device.delete()
    else:
        device.confirmed = False
        device.save()
    response = client.get("/personal/")
    assert response.status_code == 302 and response["Location"].startswith((VERIFY, SETUP)), (
        response.get("Location")
    )
