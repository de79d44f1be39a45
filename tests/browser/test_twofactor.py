import re
import time
from base64 import b32decode

import pytest
from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNT = "/konto/tvastegs/"


def app_code(secret_text: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed in from the page."""
    secret = secret_text.replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def log_in(page, live_server, user, password, next_path=ACCOUNT):
    page.goto(f"{live_server.url}/konto/logga-in/?next={next_path}")
    page.get_by_label("Användarnamn").fill(user.username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def confirm_email(page):
    """The code e-mailed to the account, which must come before a device can be set up."""
    page.get_by_role("button", name="Skicka en kod").click()
    expect(page.get_by_text("Vi har skickat en kod till s…@example.se").first).to_be_visible()
    code = re.search(r"^(\d{6})$", mail.outbox[-1].body, re.M).group(1)
    page.get_by_label("Kod från e-postmeddelandet").fill(code)
    page.get_by_role("button", name="Fortsätt").click()


def test_staff_sets_up_device_then_logs_in_with_code(page, live_server, staff, password, settings):
    settings.REQUIRE_2FA_FOR_STAFF = True
    log_in(page, live_server, staff, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekräfta din e-postadress")
    confirm_email(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Slå på tvåstegsverifiering")
    expect(page.get_by_role("img", name="QR-kod för autentiseringsappen")).to_be_visible()
    secret = page.locator("code").inner_text()

    page.get_by_label("Kod från appen").fill("000000" if app_code(secret) != "000000" else "1")
    page.get_by_role("button", name="Bekräfta och slå på").click()
    expect(page.get_by_role("alert")).to_contain_text("Det finns ett problem")
    time.sleep(1.1)  # the device waits a second after a wrong code
    page.get_by_label("Kod från appen").fill(app_code(secret))
    page.get_by_role("button", name="Bekräfta och slå på").click()
    expect(page).to_have_url(f"{live_server.url}{ACCOUNT}")
    expect(page.get_by_text("Tvåstegsverifiering är påslagen")).to_be_visible()

    page.get_by_role("button", name="Logga ut").click()
    log_in(page, live_server, staff, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ange koden från din app")
    page.get_by_label("Kod från appen").fill(app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Fortsätt").click()
    expect(page).to_have_url(f"{live_server.url}{ACCOUNT}")
    expect(page.get_by_text("På", exact=True)).to_be_visible()


def test_organiser_opts_in_and_turns_it_off(page, live_server, editor_a, password):
    log_in(page, live_server, editor_a, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tvåstegsverifiering")
    page.get_by_role("link", name="Slå på tvåstegsverifiering").click()
    secret = page.locator("code").inner_text()
    page.get_by_label("Kod från appen").fill(app_code(secret))
    page.get_by_role("button", name="Bekräfta och slå på").click()
    expect(page.get_by_text("Tvåstegsverifiering är påslagen")).to_be_visible()
    page.get_by_label("Kod från appen").fill(app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Stäng av").click()
    expect(page.get_by_text("Tvåstegsverifiering är avstängd.")).to_be_visible()
    expect(page.get_by_role("link", name="Slå på tvåstegsverifiering")).to_be_visible()


def test_staff_replaces_a_lost_device_with_a_code_by_email(
    page, live_server, staff, password, settings
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.REQUIRE_2FA_FOR_STAFF = True
    TOTPDevice.objects.create(user=staff, name="TOTP", confirmed=True)
    log_in(page, live_server, staff, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ange koden från din app")
    page.get_by_role("link", name="Har du tappat bort telefonen?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Förlorad enhet")
    confirm_email(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Slå på tvåstegsverifiering")
    secret = page.locator("code").inner_text()
    page.get_by_label("Kod från appen").fill(app_code(secret))
    page.get_by_role("button", name="Bekräfta och slå på").click()
    expect(page).to_have_url(f"{live_server.url}{ACCOUNT}")
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).count() == 1
