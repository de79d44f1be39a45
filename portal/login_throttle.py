"""Login limits against password spraying and distributed guessing, beside django-axes.

Axes locks one user name at one address after a few failures. Here failures are also counted
per client address across all user names (one address trying many accounts) and per user name
across all addresses (many addresses trying one account), in the cache, each in a window that
starts at its first failure. While a count is at its limit, every login from that address, or
to that user name, is refused before any password is checked, even a right one; those refusals
are not counted, so the block ends when the window does. A success resets nothing: one valid
account of the attacker's own must not clear an address's count.
"""

import hashlib
import ipaddress
from math import ceil

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.shortcuts import render

ADDRESS = "address"
USERNAME = "username"
# Set on the request by the backend when it refuses; the middleware answers with the reason.
REFUSED = "portal_login_refused"


def client_address(request) -> str | None:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the outermost of them
    added to X-Forwarded-For (entries before it are the client's to invent). Axes uses it too,
    so both count the same address."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [p for p in forwarded if p]
    if len(forwarded) < count:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote


def _counters(request, username: str | None) -> list[tuple[str, str, int]]:
    """(kind, cache key, limit) for the address and the user name of a login attempt."""
    counters = []
    address = client_address(request)
    if address:
        counters.append((ADDRESS, _key(ADDRESS, address), settings.LOGIN_FAILURES_PER_ADDRESS))
    name = (username or "").strip().casefold()
    if name:
        counters.append((USERNAME, _key(USERNAME, name), settings.LOGIN_FAILURES_PER_USERNAME))
    return counters


def _key(kind: str, value: str) -> str:
    # Hashed: cache keys stay short and safe, and do not spell out user names.
    return f"portal:login-failures:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def refusal(request, username: str | None) -> str | None:
    """ADDRESS or USERNAME when that count is at its limit, else None."""
    counters = _counters(request, username)
    counts = cache.get_many([key for _kind, key, _limit in counters])
    for kind, key, limit in counters:
        if counts.get(key, 0) >= limit:
            return kind
    return None


def failure_count(request, username: str | None) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for _kind, key, _limit in _counters(request, username):
        if cache.add(key, 1, window):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired since add() saw it
            cache.add(key, 1, window)


def reset(*, address: str = "", username: str = "") -> None:
    """Lift a block early (an administrator, from `manage.py shell`)."""
    if address:
        cache.delete(_key(ADDRESS, address))
    if username:
        cache.delete(_key(USERNAME, username.strip().casefold()))


class LoginThrottleBackend:
    """First in AUTHENTICATION_BACKENDS: refuses while a limit is reached, before any other
    backend checks a password. It authenticates no one and, like axes' backend, has no
    get_user, so Django never picks it to hold a session."""

    def authenticate(self, request, username=None, **credentials):
        if request is None:
            return None
        kind = refusal(request, username)
        if kind is not None:
            setattr(request, REFUSED, kind)
            raise PermissionDenied
        return None


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    if request is None or getattr(request, REFUSED, None):
        return
    failure_count(request, credentials.get("username"))


class LoginThrottleMiddleware:
    """A login the backend refused gets the lockout page, saying why (429, as axes does)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        kind = getattr(request, REFUSED, None)
        if kind is None:
            return response
        context = {
            "reason": kind,
            "minutes": ceil(settings.LOGIN_FAILURE_WINDOW_SECONDS / 60),
        }
        return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
