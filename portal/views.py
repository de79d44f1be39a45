import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import accessibility as accessibility_facts
from .accessibility_forms import FeedbackForm
from .permissions import CHANGE_PROGRAMME, VIEW_AGGREGATES, permission_required
from .roles import Role, role_of
from .sections import start_sections

HEALTH_KEY = "portal:healthz"

LANDING = {
    Role.ADMIN: "portal:staff-home",
    Role.STAFF: "portal:staff-home",
    Role.GOVERNMENT: "portal:government-home",
    Role.ORGANISER: "principals:home",
}


@login_required
def start(request):
    """Send each role to its own start page."""
    target = LANDING.get(role_of(request.user))
    if target:
        return redirect(target)
    return render(request, "portal/no_role.html")


@permission_required(CHANGE_PROGRAMME)
def staff_home(request):
    return render(
        request, "portal/staff_home.html", {"sections": start_sections(request, Role.STAFF)}
    )


@permission_required(VIEW_AGGREGATES)
def government_home(request):
    return render(
        request,
        "portal/government_home.html",
        {"sections": start_sections(request, Role.GOVERNMENT)},
    )


def accessibility(request):
    """The accessibility statement and its feedback form (portal/accessibility.py)."""
    form = FeedbackForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not accessibility_facts.feedback_allowed(request):
            form.add_error(
                None,
                _("You have sent several messages within the hour. Wait a while and try again."),
            )
            status = 429
        elif form.is_valid():
            feedback = accessibility_facts.feedback_send(request=request, **form.cleaned_data)
            messages.success(
                request,
                _(
                    "Thank you. We have received your message with reference %(ref)s and sent "
                    "a receipt to %(email)s."
                )
                % {"ref": feedback.reference, "email": feedback.email},
            )
            # The receipt is the status at the top of the content (the form was sent to #feedback).
            return redirect(reverse("portal:accessibility") + "#main")
        else:
            status = 400
    return render(
        request,
        "portal/accessibility.html",
        {
            "statement": accessibility_facts.statement(),
            "problems": accessibility_facts.PROBLEMS,
            "manual_checks": accessibility_facts.MANUAL_CHECKS,
            "exemptions": accessibility_facts.EXEMPTIONS,
            "out_of_scope": accessibility_facts.OUT_OF_SCOPE,
            "complaint_url": accessibility_facts.COMPLAINT_URL,
            "form": form,
        },
        status=status,
    )


@never_cache
@require_GET
def healthz(request):
    """For load balancers: 200 after a round trip to the database and, where the portal runs
    with a shared cache (Redis: sessions, signed-in users, login limits, figures), to the
    cache; 503 naming the part that does not answer."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    if settings.SHARED_CACHE and not _shared_cache_answers():
        return HttpResponse("cache unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def _shared_cache_answers() -> bool:
    from django_redis.exceptions import ConnectionInterrupted
    from redis.exceptions import RedisError

    token = secrets.token_hex(8)
    try:
        cache.set(HEALTH_KEY, token, timeout=10)
        return cache.get(HEALTH_KEY) == token
    except (ConnectionInterrupted, RedisError):
        return False
