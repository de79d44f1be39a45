"""Cursor paging (DIGG: `limit` and `pageToken`). A token is signed, so it cannot be forged into
another query, and carries where the next page starts and what the list is made from."""

from django.core import signing
from django.utils.translation import gettext as _

from .problems import Problem

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SALT = "api.paging"


def make_token(*, after, scope: str) -> str:
    return signing.dumps({"a": after, "s": scope}, salt=SALT, compress=True)


def read_token(token: str | None, *, scope: str):
    """Where the page starts (None for the first page); a token from another list, or one
    that was altered, is refused."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise Problem("invalid-page-token", _("Start from the first page again.")) from None
    if not isinstance(data, dict) or data.get("s") != scope:
        raise Problem(
            "invalid-page-token",
            _("The page token belongs to another list or to data that has changed since."),
        )
    return data.get("a")


def next_url(request, token: str | None) -> str | None:
    if token is None:
        return None
    query = request.GET.copy()
    query["pageToken"] = token
    return request.build_absolute_uri(request.path + "?" + query.urlencode())
