"""/api/: the versioned API (v1/), its documentation, and the pages where people manage keys.

Every other address under /api/ is the API's: a 404 problem (application/problem+json), not
the portal's HTML page, so a client that mistypes a path still gets a problem to read. The
pages for people (keys, documentation) keep the portal's HTML 404 and its slash redirects."""

from functools import wraps

from django.urls import path, re_path

from . import services, v1, views

app_name = "api"


def logged(view):
    """Every request made with a key is recorded with its answer (api/services.py)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        key = getattr(request, "api_key", None)
        if key is not None:
            services.key_use_record(
                key=key, method=request.method, path=request.path, status=response.status_code
            )
        return response

    return wrapper


_patterns, _app, _namespace = v1.api.urls
for _pattern in _patterns:
    _methods = ("GET", "HEAD") if _pattern.name == "openapi-json" else None
    _pattern.callback = logged(v1.as_problems(_pattern.callback, methods=_methods))

# Not the people's pages (nycklar/, dokumentation/ and what is under them): those are left to
# the portal, so /api/nycklar redirects to /api/nycklar/ and /api/nycklar/x is its HTML 404.
NOT_FOR_PEOPLE = r"^(?!(?:nycklar|dokumentation)(?:/|$))"

urlpatterns = [
    path("nycklar/", views.key_list, name="key-list"),
    path("nycklar/ny/", views.key_create, name="key-create"),
    path("nycklar/<int:pk>/aterkalla/", views.key_revoke, name="key-revoke"),
    path("dokumentation/", views.docs, name="docs"),
    path("v1/", (_patterns, _app, _namespace)),
    re_path(NOT_FOR_PEOPLE, views.not_found, name="not-found"),
]
