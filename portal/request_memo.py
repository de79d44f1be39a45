"""Values read once per reading request: the figures' data versions, the tally's round versions.

A dashboard asks for the same version several times (its body's cache key, then each figure's);
each is one query. Within a GET or HEAD request, which changes no figure, the first reading
still holds for the whole request: a change committed meanwhile by another request makes the
next request read afresh, as it would have anyway. Requests that may write read every time, so
a figure computed after their own change is never kept under the version from before it.
Outside a request (commands, tasks, tests calling functions) nothing is remembered.
"""

import contextlib
import contextvars
from collections.abc import Callable, Hashable, Iterator
from typing import Any

_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("request_memo", default=None)


def remembered(key: Hashable, compute: Callable[[], Any]) -> Any:
    """`compute()`, once per reading request for this key."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Remember values until the block ends: a reading request, or a task that reads only."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


class RequestMemoMiddleware:
    """Remember values for the length of a GET or HEAD request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        with reading():
            return self.get_response(request)
