"""Errors as RFC 9457 problem details (application/problem+json), DIGG's REST API profile.

Each kind has a stable `type` (a URN that never changes with the host or the language), a
Swedish `title` and a `detail` about this request; `errors` lists what was wrong with which
field or indicator, in the words of the portal's forms.
"""

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PROBLEM_TYPE = "application/problem+json"
URN = "urn:skoldigistod:api:problem:"

# code: (status, title)
KINDS = {
    "invalid-request": (400, gettext_lazy("The request could not be read")),
    "invalid-page-token": (400, gettext_lazy("The page token is not valid")),
    "unauthorized": (401, gettext_lazy("A valid API key is needed")),
    "forbidden": (403, gettext_lazy("The API key may not do this")),
    "not-found": (404, gettext_lazy("Not found")),
    "method-not-allowed": (405, gettext_lazy("The method is not allowed here")),
    "precondition-failed": (412, gettext_lazy("Changed since you read it")),
    "invalid-content": (422, gettext_lazy("The content was refused")),
    "precondition-required": (428, gettext_lazy("If-Match is needed")),
    "too-many-requests": (429, gettext_lazy("Too many requests")),
    "server-error": (500, gettext_lazy("Something went wrong")),
}


def type_uri(code: str) -> str:
    return URN + code


def problem(
    code: str, detail: str, *, errors: list[dict] | None = None, headers: dict | None = None
) -> HttpResponse:
    status, title = KINDS[code]
    body = {"type": type_uri(code), "title": str(title), "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type=f"{PROBLEM_TYPE}; charset=utf-8",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_errors(errors: dict[str, str] | dict[str, list[str]]) -> list[dict]:
    """A service's ValidationError by field (or indicator code) as the problem's `errors`."""
    listed = []
    for name, messages in errors.items():
        for message in [messages] if isinstance(messages, str) else messages:
            listed.append({"pointer": "" if name == "__all__" else name, "detail": str(message)})
    return listed


def not_found() -> HttpResponse:
    return problem("not-found", _("There is nothing at this address, or the key may not see it."))


class Problem(Exception):
    """Raised by an endpoint; answered as the problem it names."""

    def __init__(self, code: str, detail: str, *, errors=None, headers=None):
        super().__init__(detail)
        self.code, self.detail, self.errors, self.headers = code, detail, errors, headers

    def response(self) -> HttpResponse:
        return problem(self.code, self.detail, errors=self.errors, headers=self.headers)
