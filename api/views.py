"""Pages for API keys: an organiser's editors manage their organiser's keys, programme staff
every key and their own staff keys. A new key is shown once, on the page the creation answers
with, and never again; the interactive documentation of the API; the 404 problem for any
other address under /api/."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.permissions import MANAGE_PRINCIPALS
from principals import access

from . import problems, services
from .forms import KeyForm
from .models import ApiKey


def _scope(request):
    """(staff?, the principals whose keys this person manages); neither: 403."""
    staff = request.user.has_perm(MANAGE_PRINCIPALS)
    principals = list(access.editor_principals(request.user).order_by("name"))
    if not staff and not principals:
        raise PermissionDenied
    return staff, principals


def _keys(request, staff, principals):
    keys = ApiKey.objects.select_related("principal", "user")
    if not staff:
        keys = keys.filter(Q(principal__in=principals) | Q(user=request.user))
    return keys.order_by("revoked_at", "-created_at")


@login_required
def key_list(request):
    staff, principals = _scope(request)
    return render(
        request,
        "api/key_list.html",
        {
            "keys": _keys(request, staff, principals),
            "staff": staff,
            "docs_url": reverse("api:docs"),
            "openapi_url": reverse("api:v1:openapi-json"),
        },
    )


@never_cache
@login_required
def key_create(request):
    staff, principals = _scope(request)
    form = KeyForm(request.POST or None, principals=principals, staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = services.key_create(
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_on=form.cleaned_data["expires_on"],
                principal=form.principal(),
                actor=request.user,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            return render(request, "api/key_created.html", {"key": key, "secret": secret})
    return render(request, "api/key_form.html", {"form": form})


@login_required
@require_POST
def key_revoke(request, pk):
    staff, principals = _scope(request)
    key = get_object_or_404(_keys(request, staff, principals), pk=pk)
    try:
        services.key_revoke(key=key, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The key %(name)s was revoked.") % {"name": key.name})
    return redirect("api:key-list")


def docs(request):
    """Swagger UI from the portal's own static files (no CDN) in a portal page, under the
    portal's CSP: its settings are JSON in the page, read by ninja's own init script."""
    openapi_url = reverse("api:v1:openapi-json")
    swagger = {
        "url": openapi_url,
        "layout": "BaseLayout",
        "deepLinking": True,
        "validatorUrl": None,
    }
    return render(
        request,
        "api/docs.html",
        {
            "openapi_url": openapi_url,
            "swagger_settings": swagger,
            "keys_url": reverse("api:key-list"),
        },
    )


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other address under /api/: a 404 problem, whatever the method (api/urls.py)."""
    return problems.not_found()
