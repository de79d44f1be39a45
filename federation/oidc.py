"""e-legitimation through one OpenID Connect provider (an e-ID broker), with mozilla-django-oidc.

The library makes the authorization request (code flow, `state`, `nonce`, PKCE with S256, kept
in the portal session) and fetches tokens and the provider's keys; `EidClient` tightens its
checks of the ID token (signature by a key in the provider's JWKS, issuer, audience, expiry,
nonce) and adds the assurance level (`acr`). Every refusal is a `LoginRefused` with a sentence
for the person. The account is then decided by `services.login_resolve`, as for SAML: an
identity is the broker's issuer and the token's `sub`.

The personal identity number the broker may send is not needed (the `sub` identifies the
person, and accounts are never matched by it), so it is neither stored nor logged.
"""

import jwt
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import absolutify
from requests import RequestException

from .models import FederatedIdentity
from .services import Assertion, LoginRefused

LOA = "http://id.elegnamnden.se/loa/1.0/"
# DIGG's assurance levels (tillitsnivåer) and the eIDAS levels the same framework names,
# ranked: a token's level must rank at least as high as OIDC_REQUIRED_LOA.
LEVELS = {
    LOA + "loa1": 1,
    LOA + "loa2": 2,
    LOA + "eidas-low": 2,
    LOA + "loa3": 3,
    LOA + "eidas-sub": 3,
    LOA + "eidas-nf-sub": 3,
    LOA + "loa4": 4,
    LOA + "eidas-high": 4,
    LOA + "eidas-nf-high": 4,
}
TWO_STEP_LEVEL = 3  # DIGG's level 3 is a two-factor e-ID: it counts as two-step verification


def enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_ISSUER)


def level(acr: str) -> int:
    return LEVELS.get(acr, 0)


class EidClient(OIDCAuthenticationBackend):
    """The relying party's side of the code flow. Not an authentication backend in
    AUTHENTICATION_BACKENDS: the callback view calls `claims` and then the portal's own rules."""

    def claims(self, request, *, code: str, nonce: str, code_verifier: str | None) -> dict:
        """Trade the code for tokens and return the ID token's checked claims, with the names
        from the userinfo endpoint when the token has none."""
        self.request = request
        payload = {
            "client_id": self.OIDC_RP_CLIENT_ID,
            "client_secret": self.OIDC_RP_CLIENT_SECRET,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": absolutify(request, reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL)),
        }
        if code_verifier is not None:
            payload["code_verifier"] = code_verifier
        try:
            tokens = self.get_token(payload)
        except RequestException:
            raise LoginRefused(
                _(
                    "The e-ID service did not accept the login (it may have expired or been "
                    "used already). Start the login again."
                )
            ) from None
        id_token = tokens.get("id_token")
        if not id_token:
            raise LoginRefused(_("The e-ID service did not send an ID token."))
        claims = self.verify_token(id_token, nonce=nonce)
        self.check_level(claims)
        if not (claims.get("given_name") or claims.get("family_name")) and tokens.get(
            "access_token"
        ):
            try:
                info = self.get_userinfo(tokens["access_token"], id_token, claims)
            except (RequestException, SuspiciousOperation, LoginRefused):
                info = {}
            if info.get("sub") == claims["sub"]:  # OIDC Core 5.3.2: else it must not be used
                claims = {**info, **claims}
        return claims

    def verify_token(self, token, **kwargs):
        try:
            key = self.OIDC_RP_IDP_SIGN_KEY or self.retrieve_matching_jwk(token)
        except (SuspiciousOperation, jwt.PyJWTError, KeyError):
            raise LoginRefused(
                _("The answer is not signed by the e-ID service we trust.")
            ) from None
        except RequestException:
            raise LoginRefused(
                _("The e-ID service's keys could not be fetched. Try again in a while.")
            ) from None
        claims = self._verify_jws(token, key)
        if "nonce" in kwargs and (not kwargs["nonce"] or claims.get("nonce") != kwargs["nonce"]):
            raise LoginRefused(
                _(
                    "The answer from the e-ID service does not belong to a login started here, "
                    "or it has already been used. Start the login again."
                )
            )
        return claims

    def _verify_jws(self, payload, key):
        """The signature with the configured algorithm only, then issuer, audience and time."""
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.PyJWTError:
            raise LoginRefused(_("The answer from the e-ID service could not be read.")) from None
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise LoginRefused(_("The answer is not signed by the e-ID service we trust."))
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER,
                leeway=60,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.InvalidAudienceError:
            raise LoginRefused(
                _("The answer from the e-ID service was meant for another service.")
            ) from None
        except jwt.InvalidIssuerError:
            raise LoginRefused(
                _("The answer comes from an e-ID service we do not trust.")
            ) from None
        except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError):
            raise LoginRefused(
                _("The answer from the e-ID service has expired or is not yet valid. Log in again.")
            ) from None
        except jwt.MissingRequiredClaimError:
            raise LoginRefused(_("The e-ID service did not say who you are.")) from None
        except jwt.PyJWTError:
            raise LoginRefused(
                _("The answer is not signed by the e-ID service we trust.")
            ) from None

    @staticmethod
    def check_level(claims: dict) -> None:
        if level(claims.get("acr", "")) < level(settings.OIDC_REQUIRED_LOA):
            raise LoginRefused(
                _(
                    "Your e-ID does not have the assurance level the portal needs (level 3). "
                    "Log in with an e-ID such as BankID or Freja eID+."
                )
            )


def assertion_from_claims(claims: dict) -> Assertion:
    subject = str(claims.get("sub") or "").strip()
    if not subject:
        raise LoginRefused(_("The e-ID service did not say who you are."))
    return Assertion(
        method=FederatedIdentity.Method.OIDC,
        issuer=claims["iss"],
        subject=subject,
        given_name=str(claims.get("given_name") or "").strip(),
        family_name=str(claims.get("family_name") or "").strip(),
        # The broker's e-mail address is not verified by the e-ID: not kept (services.py never
        # matches by it anyway).
    )
