"""Pages of the e-ID login (OpenID Connect): start, the broker's answer, linking from the
account page. The protocol is in federation/oidc.py; the account rules in services.py."""

import logging

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from portal import twofactor

from . import oidc, services
from .views import LOGIN_SESSION_KEY

logger = logging.getLogger(__name__)

LINK_SESSION_KEY = "federation_eid_link"  # in the portal session: link to this account
LINK_SECONDS = 10 * 60
STATES_SESSION_KEY = "oidc_states"  # where mozilla-django-oidc keeps state, nonce and verifier


def _require_enabled():
    if not oidc.enabled():
        raise Http404


def _link_user(request):
    intent = request.session.get(LINK_SESSION_KEY) or {}
    if intent.get("until", 0) <= timezone.now().timestamp() or not request.user.is_authenticated:
        return None
    return request.user if intent.get("user") == request.user.pk else None


class EidLoginView(OIDCAuthenticationRequestView):
    """To the broker, asking for the required assurance level (`acr_values`)."""

    def get(self, request):
        _require_enabled()
        if request.user.is_authenticated and _link_user(request) is None:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return super().get(request)

    def get_extra_params(self, request):
        return {"acr_values": settings.OIDC_REQUIRED_LOA}


eid_login = never_cache(EidLoginView.as_view())


def _refused(request, message: str, status: int = 403):
    return render(
        request,
        "federation/login_refused.html",
        {"message": message, "retry_url": reverse("eid:login")},
        status=status,
    )


@never_cache
@require_GET
def callback(request):
    """The broker's answer: `state` must be one this session started (used once), then the
    code is traded for tokens and the ID token checked (oidc.EidClient)."""
    _require_enabled()
    states = request.session.get(STATES_SESSION_KEY) or {}
    state = request.GET.get("state", "")
    started = states.pop(state, None) if state else None
    if started is not None:
        request.session[STATES_SESSION_KEY] = states  # used once, whatever happens next
    if request.GET.get("error"):
        logger.info("e-ID login ended at the broker: %s", request.GET.get("error"))
        return _refused(request, _("The e-ID login was cancelled or did not succeed."))
    code = request.GET.get("code", "")
    if started is None or not code:
        return _refused(
            request,
            _(
                "The answer from the e-ID service does not belong to a login started here, or "
                "it has already been used. Start the login again."
            ),
        )
    link_user = _link_user(request)
    try:
        claims = oidc.EidClient().claims(
            request,
            code=code,
            nonce=started.get("nonce", ""),
            code_verifier=started.get("code_verifier"),
        )
        outcome = services.login_resolve(
            assertion=oidc.assertion_from_claims(claims), link_user=link_user
        )
    except services.LoginRefused as error:
        logger.warning("e-ID login refused: %s", error)
        return _refused(request, str(error))
    next_url = request.session.get("oidc_login_next") or ""
    request.session.pop(LINK_SESSION_KEY, None)
    user = outcome.user
    acr = claims.get("acr", "")
    if link_user is None:  # linking keeps the session as it was logged in
        user.backend = "portal.backends.PortalModelBackend"
        auth.login(request, user)
        request.session[LOGIN_SESSION_KEY] = {
            "method": "oidc",
            "issuer": claims["iss"],
            "identity": outcome.identity.pk,
            "acr": acr,
        }
        if oidc.level(acr) >= oidc.TWO_STEP_LEVEL:
            twofactor.eid_verified_grant(request=request)
    else:
        messages.success(request, _("Your e-ID is now linked to your account."))
        return redirect("federation:account")
    if outcome.account_created:
        messages.info(
            request,
            _(
                "Welcome! Your account has been created. It has no access to any organiser "
                "yet: use the invitation you got, or ask SKR's programme team."
            ),
        )
        return redirect("federation:account")
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


@require_POST
@login_required
def link_start(request):
    """Link an e-ID to this account: the next answer from the broker links instead of logging in."""
    _require_enabled()
    request.session[LINK_SESSION_KEY] = {
        "user": request.user.pk,
        "until": int(timezone.now().timestamp()) + LINK_SECONDS,
    }
    # A page with a link, not a redirect: the CSP's form-action would stop a form's redirect
    # to the broker.
    return render(
        request,
        "federation/eid_link.html",
        {
            "continue_url": reverse("eid:login") + "?next=" + reverse("federation:account"),
            "eid_name": settings.OIDC_OP_NAME,
        },
    )
