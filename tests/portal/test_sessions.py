"""Sessions end after SESSION_IDLE_SECONDS without a request; each request extends them."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as SESSION_CACHE_PREFIX
from django.core.cache import cache
from django.utils import timezone

from tests.test_settings_modes import run_manage

pytestmark = pytest.mark.django_db

LOGIN = "/konto/logga-in/"
PAGE = "/konto/losenord/"  # any page that needs login; this one belongs to no other app


def at(moment):
    """Let the session machinery believe it is `moment`."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def login(client, user, password):
    response = client.post(LOGIN, {"username": user.username, "password": password})
    assert response.status_code == 302


def test_idle_session_is_logged_out(client, staff, password):
    login(client, staff, password)
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with at(timezone.now() + idle - timedelta(minutes=1)):
        assert client.get(PAGE).status_code == 200
    if settings.SESSION_ENGINE.endswith("cached_db"):
        # A shared cache keeps the session for the idle limit by its own clock (Redis's
        # time-to-live), which the patched clock cannot move; let it lapse as it would.
        if hasattr(cache, "ttl"):  # django-redis
            assert cache.ttl(SESSION_CACHE_PREFIX + client.session.session_key) <= idle.seconds
        cache.delete(SESSION_CACHE_PREFIX + client.session.session_key)
    with at(timezone.now() + 2 * idle):
        response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_activity_extends_the_session(client, staff, password):
    login(client, staff, password)
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    start = timezone.now()
    moment = start
    # Three requests, each just inside the idle limit: together far beyond it.
    for _ in range(3):
        moment += idle - timedelta(minutes=5)
        with at(moment):
            assert client.get(PAGE).status_code == 200
    assert moment - start > 2 * idle


def test_idle_limit_comes_from_the_environment():
    code = "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"
    result = run_manage("local", "shell", "-c", code, extra_env={"SESSION_IDLE_SECONDS": "900"})
    assert result.stdout.strip().splitlines()[-1] == "900", result.stderr


def test_password_change_ends_other_sessions_but_keeps_this_one(client, staff, password):
    from django.test import Client

    other = Client()
    login(other, staff, password)
    login(client, staff, password)
    response = client.post(
        "/konto/losenord/",
        {
            "old_password": password,
            "new_password1": "ett-helt-nytt-losen-77",
            "new_password2": "ett-helt-nytt-losen-77",
        },
    )
    assert response.status_code == 302
    assert client.get(PAGE).status_code == 200
    assert other.get(PAGE)["Location"].startswith(LOGIN)


def test_requests_within_a_minute_do_not_rewrite_the_session(client, staff, password):
    from django.contrib.sessions.models import Session

    login(client, staff, password)
    key = client.session.session_key
    start = timezone.now()
    with at(start + timedelta(seconds=settings.SESSION_TOUCH_SECONDS + 1)):
        client.get(PAGE)
    touched = Session.objects.get(session_key=key).expire_date
    with at(start + timedelta(seconds=settings.SESSION_TOUCH_SECONDS + 20)):
        client.get(PAGE)
    assert Session.objects.get(session_key=key).expire_date == touched
    with at(start + timedelta(seconds=3 * settings.SESSION_TOUCH_SECONDS)):
        client.get(PAGE)
    assert Session.objects.get(session_key=key).expire_date > touched
