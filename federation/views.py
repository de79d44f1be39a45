"""Pages of federated login: choosing a login service, the SAML endpoints (djangosaml2, with
the portal's own account rules), the account page's linked logins, staff approving requests."""

import logging

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from djangosaml2 import views as saml_views
from djangosaml2.cache import IdentityCache, StateCache
from saml2 import BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.metadata import create_metadata_string
from saml2.response import IncorrectlySigned, StatusError, UnsolicitedResponse
from saml2.sigver import MissingKey, SignatureError
from saml2.validate import ResponseLifetimeExceed, ToEarly

from portal.account_views import LOGOUT_HANDOFF_SESSION_KEY
from portal.permissions import MANAGE_PRINCIPALS, permission_required
from principals.services import InvitationInvalid, invitation_for_token

from . import oidc, saml, selectors, services
from .models import AccessRequest, FederatedIdentity, IdpAccessRule

logger = logging.getLogger(__name__)

LAST_IDP_COOKIE = "federation_idp"
LINK_SESSION_KEY = "federation_link"  # in the SAML session: link to this account, not log in
LINK_SECONDS = 10 * 60
LOGIN_SESSION_KEY = "federation_login"


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@never_cache
def discovery(request):
    """Choose the organisation's login service: a searchable list from the metadata, with the
    last choice first. Works without JavaScript (the search is a GET form)."""
    query = request.GET.get("q", "").strip()
    services_all = selectors.login_services()
    shown = [s for s in services_all if s.matches(query)] if query else services_all
    last = request.COOKIES.get(LAST_IDP_COOKIE)
    remembered = next((s for s in services_all if s.entity_id == last), None)
    next_url = _safe_next(request, request.GET.get("next"))
    linking = request.GET.get("link") == "1" and request.user.is_authenticated
    return render(
        request,
        "federation/discovery.html",
        {
            "services": shown,
            "query": query,
            "remembered": remembered,
            "next": next_url,
            "linking": linking,
            "total": len(services_all),
        },
    )


def login_url(entity_id: str, next_url: str = "") -> str:
    query = {"idp": entity_id}
    if next_url:
        query["next"] = next_url
    return reverse("saml2_login") + "?" + urlencode(query)


class SamlLoginView(saml_views.LoginView):
    """Start a SAML login at the chosen IdP, and remember the choice for next time."""

    def should_prevent_auth(self, request) -> bool:
        return request.user.is_authenticated and not _link_intent(request)

    def unknown_idp(self, request, idp):
        return render(
            request,
            "federation/login_refused.html",
            {"message": _("The login service you chose is not in any federation we trust.")},
            status=403,
        )

    def get(self, request, *args, **kwargs):
        if not request.GET.get("idp"):
            return redirect(reverse("federation:discovery") + "?" + request.GET.urlencode())
        if request.GET["idp"] not in {s.entity_id for s in selectors.login_services()}:
            return self.unknown_idp(request, request.GET["idp"])
        response = super().get(request, *args, **kwargs)
        if request.GET.get("idp") and response.status_code == 302:
            response.set_cookie(
                LAST_IDP_COOKIE,
                request.GET["idp"],
                max_age=60 * 60 * 24 * 365,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response


class SamlLogoutServiceView(saml_views.LogoutView):
    """The IdP's logout request or answer; without either there is nothing here."""

    def dispatch(self, request, *args, **kwargs):
        data = request.GET if request.method == "GET" else request.POST
        if "SAMLResponse" not in data and "SAMLRequest" not in data:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def _link_intent(request) -> int | None:
    intent = request.saml_session.get(LINK_SESSION_KEY) or {}
    if intent.get("until", 0) > timezone.now().timestamp():
        return intent.get("user")
    return None


def refusal_message(exception) -> str:
    """A Swedish sentence (through the catalogue) for each way a SAML answer is refused."""
    if isinstance(exception.__cause__, services.LoginRefused):
        exception = exception.__cause__
    if isinstance(exception, services.LoginRefused):
        return str(exception)
    if isinstance(exception, ResponseLifetimeExceed | ToEarly):
        return _("The answer from the login service has expired or is not yet valid. Log in again.")
    if isinstance(exception, UnsolicitedResponse):
        return _(
            "The answer from the login service does not belong to a login started here, or "
            "it has already been used. Start the login again."
        )
    if isinstance(exception, MissingKey):
        return _("The answer comes from a login service that is not in any federation we trust.")
    if isinstance(exception, SignatureError | IncorrectlySigned):
        return _("The answer from the login service is not signed by a login service we trust.")
    if isinstance(exception, StatusError):
        return _("The login service did not log you in.")
    text = str(exception)
    if "audience" in text.casefold() or "Audience" in repr(exception):
        return _("The answer from the login service was meant for another service.")
    return _("The answer from the login service could not be accepted.")


class AcsView(saml_views.AssertionConsumerServiceView):
    """The IdP's answer: checked by pysaml2, then the portal's rules decide the account."""

    def handle_acs_failure(self, request, exception=None, status=403, **kwargs):
        logger.warning("Federated login refused: %r", exception)
        return render(
            request,
            "federation/login_refused.html",
            {"message": refusal_message(exception)},
            status=403,
        )

    def authenticate_user(
        self, request, session_info, attribute_mapping, create_unknown_user, assertion_info
    ):
        try:
            assertion = assertion_from_saml(session_info)
            link_user = None
            link_pk = _link_intent(request)
            if link_pk is not None:
                link_user = auth.get_user_model().objects.filter(pk=link_pk, is_active=True).first()
            outcome = services.login_resolve(assertion=assertion, link_user=link_user)
        except services.LoginRefused as error:
            raise PermissionDenied(str(error)) from error
        request.saml_session.pop(LINK_SESSION_KEY, None)
        user = outcome.user
        user.backend = "portal.backends.PortalModelBackend"
        auth.login(request, user)
        saml_views._set_subject_id(request.saml_session, session_info["name_id"])
        request.session[LOGIN_SESSION_KEY] = {
            "method": "saml",
            "issuer": assertion.issuer,
            "identity": outcome.identity.pk,
        }
        if _supports_slo(assertion.issuer):
            request.session[LOGOUT_HANDOFF_SESSION_KEY] = reverse("federation:logout")
        self._outcome = outcome
        if link_user is not None:
            messages.success(request, _("Your school login is now linked to your account."))
        elif outcome.account_created:
            messages.info(
                request,
                _(
                    "Welcome! Your account has been created. It has no access to any "
                    "organiser yet: ask for access below, or use the invitation you got."
                ),
            )
            if outcome.email_taken:
                messages.warning(
                    request,
                    _(
                        "Another account in the portal has your e-mail address. If it is "
                        "yours, log in with its password and link your school login on the "
                        "account page instead."
                    ),
                )
        return user

    def custom_redirect(self, user, relay_state, session_info):
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return None
        if outcome.account_created or (outcome.linked and not _came_from_next(relay_state)):
            return reverse("federation:account")
        return None


def _came_from_next(relay_state: str) -> bool:
    return bool(relay_state) and relay_state not in ("/", reverse("federation:account"))


def assertion_from_saml(session_info: dict) -> services.Assertion:
    ava = session_info.get("ava") or {}

    def first(*names) -> str:
        for name in names:
            values = ava.get(name) or []
            if values:
                return str(values[0]).strip()
        return ""

    eppn = first(saml.EPPN, "urn:oid:1.3.6.1.4.1.5923.1.1.1.6")
    if not eppn:
        raise services.LoginRefused(
            _(
                "Your login service did not send your user identity (eduPersonPrincipalName). "
                "Ask your organisation's IT support to release it to Skoldigistöd."
            )
        )
    codes = []
    for name in saml.SCHOOL_UNIT_CODE:
        codes += [str(v).strip() for v in ava.get(name) or []]
    return services.Assertion(
        method=FederatedIdentity.Method.SAML,
        issuer=session_info["issuer"],
        subject=eppn,
        given_name=first("givenName"),
        family_name=first("sn", "surname"),
        email=first("mail"),
        school_unit_codes=sorted(set(codes)),
    )


def _supports_slo(entity_id: str) -> bool:
    conf = saml.sp_config()
    try:
        return bool(conf.metadata.single_logout_service(entity_id, BINDING_HTTP_REDIRECT, "idpsso"))
    except Exception:  # an IdP gone from the metadata: the portal's own logout
        return False


@never_cache
@require_POST
def logout(request):
    """The portal's logout, for a SAML login whose IdP has single logout: out of the portal
    at once, then a link on to the IdP (a redirect from the form would be blocked by the
    CSP's form-action)."""
    subject_id = saml_views._get_subject_id(request.saml_session)
    continue_url = ""
    idp_name = ""
    if request.user.is_authenticated and subject_id is not None:
        conf = saml.sp_config()
        state = StateCache(request.saml_session)
        client = Saml2Client(
            conf, state_cache=state, identity_cache=IdentityCache(request.saml_session)
        )
        try:
            result = client.global_logout(subject_id)
        except Exception:  # the IdP left the metadata, or no session with it: local logout
            logger.info("No single logout", exc_info=True)
            result = {}
        state.sync()
        for entity_id, (binding, http_info) in (result or {}).items():
            if binding == BINDING_HTTP_REDIRECT:
                continue_url = dict(http_info["headers"]).get("Location", "")
                idp_name = next(
                    (s.name for s in selectors.login_services(conf) if s.entity_id == entity_id),
                    entity_id,
                )
    auth.logout(request)
    messages.success(request, _("You are now logged out."))
    if not continue_url:
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(
        request,
        "federation/logged_out.html",
        {"continue_url": continue_url, "idp_name": idp_name},
    )


def sp_metadata(request):
    """The portal's SP metadata, signed with its key, at a stable address (the entityID)."""
    conf = saml.sp_config(request)
    xml = create_metadata_string(None, config=conf, valid=24 * 7, sign=True)
    return HttpResponse(xml, content_type="application/samlmetadata+xml")


# ---------------------------------------------------------------- the account page


@never_cache
@login_required
def account(request):
    user = request.user
    names = {s.entity_id: s.name for s in selectors.login_services()}
    if oidc.enabled():
        names[settings.OIDC_OP_ISSUER] = settings.OIDC_OP_NAME
    identities = list(selectors.identities_of(user))
    for identity in identities:
        identity.issuer_name = names.get(identity.issuer, identity.issuer)
    return render(
        request,
        "federation/account.html",
        {
            "identities": identities,
            "rules": selectors.requestable_rules(user),
            "eid_login": oidc.enabled(),
        },
    )


@require_POST
@login_required
def link_start(request):
    """Link a school login to this account: the next SAML answer links instead of logging in."""
    request.saml_session[LINK_SESSION_KEY] = {
        "user": request.user.pk,
        "until": int(timezone.now().timestamp()) + LINK_SECONDS,
    }
    return redirect(
        reverse("federation:discovery")
        + "?"
        + urlencode({"link": "1", "next": reverse("federation:account")})
    )


@require_POST
@login_required
def unlink(request, pk):
    identity = get_object_or_404(FederatedIdentity, pk=pk, user=request.user)
    try:
        services.identity_unlink(identity=identity, actor=request.user)
    except services.LoginRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The login is no longer linked to your account."))
    return redirect("federation:account")


@require_POST
@login_required
def access_request_create(request, pk):
    rule = get_object_or_404(IdpAccessRule.objects.select_related("principal"), pk=pk)
    identity = FederatedIdentity.objects.filter(user=request.user, issuer=rule.issuer).first()
    if identity is None:
        messages.error(request, _("Your login service may not request access to this organiser."))
        return redirect("federation:account")
    try:
        services.access_request_create(identity=identity, rule=rule)
    except services.LoginRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("You have asked for access to %(name)s. SKR's programme team will decide.")
            % {"name": rule.principal.name},
        )
    return redirect("federation:account")


@never_cache
@login_required
def invitation_accept(request, token):
    """An invitation accepted while logged in (with a school login or e-ID)."""
    try:
        invitation = invitation_for_token(token)
    except InvitationInvalid:
        return render(request, "principals/invitation_invalid.html", status=404)
    if request.method == "POST":
        try:
            services.invitation_accept_signed_in(token=token, user=request.user)
        except services.LoginRefused:
            return render(request, "principals/invitation_invalid.html", status=404)
        messages.success(
            request,
            _("You now have access to %(name)s.") % {"name": invitation.principal.name},
        )
        return redirect("principals:principal-detail", pk=invitation.principal_id)
    return render(request, "federation/invitation_accept.html", {"invitation": invitation})


# ---------------------------------------------------------------- staff


@never_cache
@permission_required(MANAGE_PRINCIPALS)
def access_requests(request):
    return render(
        request,
        "federation/access_request_list.html",
        {"requests": selectors.pending_requests()},
    )


@require_POST
@permission_required(MANAGE_PRINCIPALS)
def access_request_decide(request, pk):
    access_request = get_object_or_404(AccessRequest, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        decided = services.access_request_decide(
            access_request=access_request, actor=request.user, approve=approve
        )
    except services.LoginRefused as error:
        messages.error(request, str(error))
    else:
        name = decided.identity.user.get_full_name() or decided.identity.user.get_username()
        if approve:
            messages.success(
                request,
                _("%(person)s now has access to %(principal)s.")
                % {"person": name, "principal": decided.rule.principal.name},
            )
        else:
            messages.success(
                request, _("The request from %(person)s was rejected.") % {"person": name}
            )
    return redirect("federation:access-requests")
