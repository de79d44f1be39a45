"""Reads: the login services in the federations' metadata, a user's identities and requests."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from principals.models import Membership

from .models import AccessRequest, FederatedIdentity, IdpAccessRule
from .saml import sp_config


@dataclass(frozen=True)
class LoginService:
    entity_id: str
    name: str
    organisation: str

    def matches(self, query: str) -> bool:
        text = f"{self.name} {self.organisation} {self.entity_id}".casefold()
        return all(word in text for word in query.casefold().split())


def _localized(values, lang: str = "sv") -> str:
    """The text in `lang` from pysaml2's [{'text':…, 'lang':…}] lists, else the first."""
    for value in values or []:
        if value.get("lang") == lang:
            return value.get("text", "")
    return (values or [{}])[0].get("text", "")


def login_services(conf=None) -> list[LoginService]:
    """Every IdP with a sign-on service in the kept metadata, by name."""
    conf = conf or sp_config()
    services = []
    for entity_id in conf.metadata.with_descriptor("idpsso"):
        entity = conf.metadata[entity_id]
        descriptor = (entity.get("idpsso_descriptor") or [{}])[0]
        ui_name = ""
        for extension in (descriptor.get("extensions") or {}).get("extension_elements", []):
            if extension.get("__class__", "").endswith("&UIInfo"):
                ui_name = _localized(extension.get("display_name"))
        organisation = entity.get("organization") or {}
        org_name = _localized(
            [
                {"text": v.get("text"), "lang": v.get("lang")}
                for v in organisation.get("organization_display_name", [])
            ]
        )
        services.append(
            LoginService(
                entity_id=entity_id,
                name=ui_name or org_name or entity_id,
                organisation=org_name,
            )
        )
    return sorted(services, key=lambda s: s.name.casefold())


def identities_of(user):
    return FederatedIdentity.objects.filter(user=user).order_by("created_at")


def requestable_rules(user):
    """Rules for the login services the user has linked, for organisers they do not yet belong
    to, with whether a request is pending."""
    issuers = FederatedIdentity.objects.filter(user=user).values("issuer")
    return (
        IdpAccessRule.objects.filter(issuer__in=issuers)
        .exclude(Exists(Membership.objects.filter(user=user, principal=OuterRef("principal"))))
        .select_related("principal")
        .annotate(
            pending=Exists(
                AccessRequest.objects.pending().filter(rule=OuterRef("pk"), identity__user=user)
            )
        )
        .order_by("principal__name")
    )


def pending_requests():
    return AccessRequest.objects.pending().select_related("identity__user", "rule__principal")
