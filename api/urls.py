"""/api/: the versioned API (v1/), its documentation, and the pages where people manage keys."""

from functools import wraps

from django.urls import path

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
    _pattern.callback = logged(_pattern.callback)

urlpatterns = [
    path("nycklar/", views.key_list, name="key-list"),
    path("nycklar/ny/", views.key_create, name="key-create"),
    path("nycklar/<int:pk>/aterkalla/", views.key_revoke, name="key-revoke"),
    path("dokumentation/", views.docs, name="docs"),
    path("v1/", (_patterns, _app, _namespace)),
]
