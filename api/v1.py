"""API v1: django-ninja with the portal's rules. Every error is a problem (api/problems.py),
bodies are strict JSON, and the published schema documents the problems each operation can
answer, so schemathesis can hold every response to it."""

import json
import logging
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.parser import Parser

from portal.concurrency import EditConflict

from . import organiser, public, staff
from .problems import Problem, field_errors, not_found, problem

logger = logging.getLogger(__name__)

VERSION = "1.0.0"
DESCRIPTION = """Skoldigistöds API, version 1 (docs/api.md).

Öppna data kräver ingen nyckel. Allt annat kräver en API-nyckel som en huvudmans
redaktör eller programpersonal skapar i portalen: `Authorization: Bearer sdk_…`.
Fel besvaras som `application/problem+json` (RFC 9457) med svensk `title` och `detail`."""


def _refuse_constant(name):
    raise ValueError(f"not JSON: {name}")


class StrictJson(Parser):
    """JSON as RFC 8259 has it: no NaN or Infinity, no lone surrogates (PostgreSQL could not
    store them), an object at the top."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body or b"{}", parse_constant=_refuse_constant)
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except (ValueError, UnicodeError):
            raise Problem("invalid-request", _("The body is not valid JSON (UTF-8).")) from None
        return data


class PortalApi(NinjaAPI):
    def get_root_path(self, path_params):
        return reverse(f"api:{self.urls_namespace}:api-root", kwargs=path_params)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_concurrency(document_problems(schema))

    def get_openapi_operation_id(self, operation) -> str:
        return operation.view_func.__name__


# The problems an operation may answer besides its own: every one, 401 only when it needs a key.
COMMON = {
    "400": "invalid-request",
    "404": "not-found",
    "405": "method-not-allowed",
    "500": "server-error",
}
KEYED = {"401": "unauthorized", "403": "forbidden", "429": "too-many-requests"}
WRITES = {"412": "precondition-failed", "422": "invalid-content", "428": "precondition-required"}


def document_problems(schema: dict) -> dict:
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}},
                },
            },
        },
    }
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = {str(k): v for k, v in operation.get("responses", {}).items()}
            kinds = dict(COMMON)
            if operation.get("security"):
                kinds.update(KEYED)
            if method in ("put", "post", "patch", "delete"):
                kinds.update(WRITES)
            for status, code in kinds.items():
                # An operation's own words for a problem (openapi_extra) are kept.
                responses[status] = {"description": code, **responses.get(status, {})}
                responses[status]["content"] = content
            operation["responses"] = responses
    return schema


def document_concurrency(schema: dict) -> dict:
    """If-Match as the API treats it: required (a write without it answers 428, which is why
    the operation's own parameter is optional and checked in the code), a string."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "header" or parameter["name"] != "If-Match":
                    continue
                parameter["required"] = True
                shape = dict(parameter["schema"])
                for one in shape.pop("anyOf", []):
                    if one.get("type") == "string":
                        shape.update(one)
                shape.pop("default", None)
                parameter["schema"] = shape
    return schema


api = PortalApi(
    title="Skoldigistöd API",
    version=VERSION,
    description=DESCRIPTION,
    urls_namespace="v1",
    parser=StrictJson(),
    docs_url=None,
    openapi_url="/openapi.json",
)
api.add_router("/open-data/", public.router)
api.add_router("/", organiser.router)
api.add_router("/", staff.router)


@api.exception_handler(Problem)
def _problem(request, exc):
    return exc.response()


@api.exception_handler(SchemaError)
def _schema_error(request, exc):
    errors = [
        {
            "pointer": "/".join(str(part) for part in e.get("loc", ())),
            "detail": str(e.get("msg", "")),
        }
        for e in exc.errors
    ]
    return problem(
        "invalid-request", _("The request does not follow the API's schema."), errors=errors
    )


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return problem(
        "unauthorized",
        _("Send a valid, unexpired API key: Authorization: Bearer sdk_…"),
        headers={"WWW-Authenticate": 'Bearer realm="skoldigistod"'},
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return not_found()


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return problem("forbidden", _("The key's user may not do this, as on the portal's pages."))


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    by_field = hasattr(exc, "error_dict")
    errors = exc.message_dict if by_field else {"__all__": exc.messages}
    if by_field or len(exc.messages) != 1:
        detail = _("The content was refused, with the same checks as the form.")
    else:
        # One refusal of the whole request (a closed round, nothing changed since the last
        # submission): the detail is its own words, as the page shows them.
        detail = exc.messages[0]
    return problem("invalid-content", detail, errors=field_errors(errors))


@api.exception_handler(EditConflict)
def _conflict(request, exc):
    return problem(
        "precondition-failed",
        _("Someone saved after the version you sent. Read it again and send its version."),
        headers={"ETag": f'"{exc.current.version}"'},
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    if exc.status_code == 405:
        return method_not_allowed(())
    return problem("invalid-request", _("The request could not be read."))


def method_not_allowed(allowed) -> HttpResponse:
    return problem(
        "method-not-allowed",
        _("This method is not allowed at this address."),
        headers={"Allow": ", ".join(sorted(allowed))} if allowed else None,
    )


def as_problems(view, *, methods=None):
    """The answers ninja gives outside an operation, as problems: a method the address does
    not have (ninja's plain-text 405, with Allow; `methods` for its own views, such as
    openapi.json, which answer any method) and the version's root (ninja's HTML 404)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if methods and request.method not in methods:
            return method_not_allowed(methods)
        head = request.method == "HEAD"
        if head:  # HEAD is GET without the body (RFC 9110 9.3.2); ninja matches only GET
            request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return not_found()
        finally:
            request.method = "HEAD" if head else request.method
        if isinstance(response, HttpResponseNotAllowed):
            allowed = [m.strip() for m in response["Allow"].split(",") if m.strip()]
            if "GET" in allowed and "HEAD" not in allowed:
                allowed.append("HEAD")
            return method_not_allowed(allowed)
        if head and not response.streaming:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    return wrapper


@api.exception_handler(Exception)
def _server_error(request, exc):
    logger.exception("API error", exc_info=exc)
    return problem("server-error", _("The error has been logged. Try again later."))
