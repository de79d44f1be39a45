"""Who is calling: an API key in `Authorization: Bearer sdk_…`, checked on every request.

The key acts with its user's rights as the pages check them (principals/access.py), limited to
its own principal when it is an organiser's key and to reading when its scope is `read`.
Events its writes cause name the key (portal/audit.py `API_KEY_ACTOR`).
"""

import copy
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from .models import KEY_START, ApiKey, hash_key
from .problems import Problem

RATE_WINDOW = 60


def find_key(token: str) -> ApiKey | None:
    """The usable key this token is, or None: found by its prefix, compared in constant time."""
    if not token.startswith(KEY_START) or len(token) > 100:
        return None
    prefix = token[len(KEY_START) :].split("_", 1)[0]
    key = ApiKey.objects.usable().select_related("user", "principal").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.key_hash, hash_key(token)):
        return None
    return key


def check_rate(key: ApiKey, *, now: float | None = None) -> None:
    """At most API_RATE_LIMIT requests per key in each minute (counted in the shared cache,
    so across every worker); over it, 429 with the seconds until the minute ends."""
    now = time.time() if now is None else now
    window = int(now // RATE_WINDOW)
    name = f"api-rate:{key.pk}:{window}"
    cache.add(name, 0, timeout=RATE_WINDOW * 2)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=RATE_WINDOW * 2)
        count = 1
    if count > settings.API_RATE_LIMIT:
        wait = max(1, int((window + 1) * RATE_WINDOW - now + 0.999))
        raise Problem(
            "too-many-requests",
            _("At most %(n)s requests a minute per key. Try again in %(s)s seconds.")
            % {"n": settings.API_RATE_LIMIT, "s": wait},
            headers={"Retry-After": str(wait)},
        )


def actor_for(key: ApiKey):
    """The key's user, as services see them, marked so events name the key."""
    actor = copy.copy(key.user)
    actor.api_key_code = key.audit_code
    return actor


class KeyAuth(HttpBearer):
    openapi_description = "API-nyckel från portalen: Authorization: Bearer sdk_…"

    def authenticate(self, request, token):
        key = find_key(token or "")
        if key is None:
            return None
        request.api_key = key
        check_rate(key)
        request.api_actor = actor_for(key)
        key.last_used_at = timezone.now()
        return key


def require_write(request) -> None:
    if not request.api_key.can_write:
        raise Problem("forbidden", _("This key may only read. Create a key that may write."))
