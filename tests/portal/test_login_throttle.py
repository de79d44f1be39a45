"""Login throttling beside axes: many user names from one address (password spraying) and one
user name from many addresses (distributed guessing) are stopped, with a Swedish message."""

import time
from unittest import mock

import pytest
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.test import RequestFactory

from portal.login_throttle import client_address, reset

pytestmark = pytest.mark.django_db

LOGIN = "/konto/logga-in/"
SPRAYER = "203.0.113.5"
ELSEWHERE = "198.51.100.200"
ADDRESS_MESSAGE = (
    "För många inloggningar med olika användarnamn har misslyckats från din nätverksadress"
)
USERNAME_MESSAGE = "För många inloggningar till det här användarnamnet har misslyckats"


def attempt(client, username, password, address):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def spray(client, address, count, prefix="guess"):
    for i in range(count):
        assert attempt(client, f"{prefix}{i}", "Sommar2025!", address).status_code == 200


def logged_in(client) -> bool:
    return client.get("/personal/").status_code == 200


def test_many_user_names_from_one_address_are_blocked(client, staff, password):
    spray(client, SPRAYER, settings.LOGIN_FAILURES_PER_ADDRESS)
    # The right password does not help from that address, and the message says why.
    response = attempt(client, staff.username, password, SPRAYER)
    assert response.status_code == 429
    html = response.content.decode()
    assert "För många misslyckade inloggningsförsök" in html
    assert ADDRESS_MESSAGE in html and "högst 15 minuter" in html
    assert not logged_in(client)
    # The same person from another address logs in as usual.
    response = attempt(client, staff.username, password, ELSEWHERE)
    assert response.status_code == 302
    assert logged_in(client)


def test_the_address_limit_counts_across_user_names_only_from_that_address(client, staff):
    spray(client, SPRAYER, settings.LOGIN_FAILURES_PER_ADDRESS - 1)
    spray(client, ELSEWHERE, 5, prefix="other")
    response = attempt(client, "one-more", "wrong", SPRAYER)
    assert response.status_code == 200, "still under the limit: the form again"
    assert attempt(client, "and-another", "wrong", SPRAYER).status_code == 429


def test_an_own_valid_account_does_not_clear_the_address(client, editor_a, password):
    spray(client, SPRAYER, settings.LOGIN_FAILURES_PER_ADDRESS - 1)
    assert attempt(client, editor_a.username, password, SPRAYER).status_code == 302
    client.post("/konto/logga-ut/")
    assert attempt(client, "guess-again", "wrong", SPRAYER).status_code == 200
    assert attempt(client, "guess-more", "wrong", SPRAYER).status_code == 429


def test_one_user_name_from_many_addresses_is_blocked(client, staff, lead, password):
    for i in range(settings.LOGIN_FAILURES_PER_USERNAME):
        # One failure per address: axes' lock of a user name at one address never triggers.
        name = staff.username.upper() if i % 2 else staff.username
        response = attempt(client, name, "wrong-password", f"192.0.2.{i + 1}")
        assert response.status_code == 200
    response = attempt(client, staff.username, password, ELSEWHERE)
    assert response.status_code == 429
    html = response.content.decode()
    assert USERNAME_MESSAGE in html and "återställ ditt lösenord" in html
    assert not logged_in(client)
    # Another user, even from one of those addresses, is not affected.
    assert attempt(client, lead.username, password, "192.0.2.1").status_code == 302
    assert logged_in(client)


def test_the_admin_login_is_throttled_too(client, admin, password):
    spray(client, SPRAYER, settings.LOGIN_FAILURES_PER_ADDRESS)
    response = client.post(
        "/admin/login/",
        {"username": admin.username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=SPRAYER,
    )
    assert response.status_code == 429
    assert ADDRESS_MESSAGE in response.content.decode()


def test_the_block_ends_with_the_window_and_refusals_do_not_extend_it(
    client, staff, password, settings
):
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 1
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    spray(client, SPRAYER, 3)
    assert attempt(client, "guess", "wrong", SPRAYER).status_code == 429
    time.sleep(1.1)
    assert attempt(client, staff.username, password, SPRAYER).status_code == 302


def test_an_administrator_can_lift_a_block(client, staff, password):
    spray(client, SPRAYER, settings.LOGIN_FAILURES_PER_ADDRESS)
    reset(address=SPRAYER)
    assert attempt(client, staff.username, password, SPRAYER).status_code == 302


def test_axes_still_locks_one_user_name_at_one_address(client, staff, password):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, staff.username, "wrong-password", SPRAYER)
    response = attempt(client, staff.username, password, SPRAYER)
    assert response.status_code == 429
    assert ADDRESS_MESSAGE not in response.content.decode()
    assert attempt(client, staff.username, password, ELSEWHERE).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "10.9.9.9", "127.0.0.1"),  # no proxy: the header is the client's own invention
        (1, "10.9.9.9, 203.0.113.7", "203.0.113.7"),  # what nginx appended; the rest is spoofed
        (2, "203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "", "127.0.0.1"),
        (1, "not-an-address", "127.0.0.1"),
    ],
)
def test_the_client_address_behind_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="127.0.0.1")
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(request) == expected
    assert get_client_ip_address(request) == expected, "axes counts the same address"


def test_behind_a_proxy_clients_are_told_apart(client, staff, password, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for i in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        client.post(
            LOGIN,
            {"username": f"guess{i}", "password": "x"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, {SPRAYER}",
        )
    response = client.post(
        LOGIN,
        {"username": staff.username, "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=ELSEWHERE,
    )
    assert response.status_code == 302, "another client behind the same proxy is let in"


def test_refusals_check_no_password(client, staff, password):
    spray(client, SPRAYER, settings.LOGIN_FAILURES_PER_ADDRESS)
    with mock.patch("portal.backends.PortalModelBackend.authenticate") as check:
        attempt(client, staff.username, password, SPRAYER)
    check.assert_not_called()
