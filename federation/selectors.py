"""Reads: the login services in the federations' metadata, which organisers run an IdP in which
federation, a user's identities and requests."""

from dataclasses import dataclass

from defusedxml import ElementTree
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef

from portal.collation import swedish_key
from principals.models import Membership, Principal
from principals.orgnr import normalise

from .metadata import federations
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
    return sorted(services, key=lambda s: swedish_key(s.name))


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


# ---------------------------------------------------------------- who runs an IdP where
#
# Read straight from each federation's kept copy (checked when it was kept), so each IdP is
# known with the federation it is registered in; pysaml2's store merges the federations.

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
MDUI = "urn:oasis:names:tc:SAML:metadata:ui"
MDATTR = "urn:oasis:names:tc:SAML:metadata:attribute"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SHIBMD = "urn:mace:shibboleth:metadata:1.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Entity attributes that carry the organisation number of the organisation behind an entity:
# organizationIdentifier (X.520, as the Swedish eID framework and eIDAS name it) and the
# name Skolfederation's Moa metadata uses. Skolfederation's SAML metadata has neither today.
ORGANISATION_NUMBER_ATTRIBUTES = frozenset(
    {"urn:oid:2.5.4.97", "organizationIdentifier", "organization-id"}
)


@dataclass(frozen=True)
class MetadataIdp:
    federation: str
    entity_id: str
    name: str  # mdui:DisplayName, else the organisation's display name, else the entityID
    organisation: str  # md:OrganizationName: in Skolfederation the member's legal name
    organisation_display_name: str
    organisation_number: str  # NNNNNN-NNNN, or "" when the metadata gives none
    scopes: tuple[str, ...]


def _text_in(elements, lang: str = "sv") -> str:
    elements = [e for e in elements if (e.text or "").strip()]
    for element in elements:
        if element.get(XML_LANG) == lang:
            return element.text.strip()
    return elements[0].text.strip() if elements else ""


def organisation_number_from(value: str) -> str:
    """NNNNNN-NNNN from the forms metadata may use (212000-0142, 2120000142, 162120000142,
    NTRSE-2120000142, SE212000014201), or "" when it is not a valid organisation number."""
    text = value.strip().upper()
    for prefix in ("NTRSE-", "NTRSE", "VATSE-", "VATSE"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    if text.startswith("SE") and len(text) == 14 and text.endswith("01"):
        text = text[2:12]  # a VAT number: SE + organisation number + 01
    try:
        return normalise(text)
    except ValidationError:
        return ""


def _idps_in(federation: str, root) -> list[MetadataIdp]:
    found = []
    for entity in root.iter(f"{{{MD}}}EntityDescriptor"):
        descriptor = entity.find(f"{{{MD}}}IDPSSODescriptor")
        if descriptor is None:
            continue
        organisation = entity.find(f"{{{MD}}}Organization")
        org_name = org_display = ""
        if organisation is not None:
            org_name = _text_in(organisation.findall(f"{{{MD}}}OrganizationName"))
            org_display = _text_in(organisation.findall(f"{{{MD}}}OrganizationDisplayName"))
        ui_name = _text_in(
            descriptor.findall(f"{{{MD}}}Extensions/{{{MDUI}}}UIInfo/{{{MDUI}}}DisplayName")
        )
        number = ""
        attributes = entity.findall(
            f"{{{MD}}}Extensions/{{{MDATTR}}}EntityAttributes/{{{SAML}}}Attribute"
        )
        for attribute in attributes:
            if attribute.get("Name") in ORGANISATION_NUMBER_ATTRIBUTES:
                for value in attribute.findall(f"{{{SAML}}}AttributeValue"):
                    number = number or organisation_number_from(value.text or "")
        scopes = tuple(
            (scope.text or "").strip()
            for scope in descriptor.findall(f"{{{MD}}}Extensions/{{{SHIBMD}}}Scope")
            if (scope.text or "").strip()
        )
        entity_id = entity.get("entityID", "")
        found.append(
            MetadataIdp(
                federation=federation,
                entity_id=entity_id,
                name=ui_name or org_display or org_name or entity_id,
                organisation=org_name,
                organisation_display_name=org_display,
                organisation_number=number,
                scopes=scopes,
            )
        )
    return found


_parsed: dict[str, tuple[tuple, list[MetadataIdp]]] = {}


def metadata_idps() -> list[MetadataIdp]:
    """Every IdP in every configured federation's kept copy (an IdP in two federations is
    listed twice). A copy is parsed again only when the file changed."""
    idps = []
    for federation in federations():
        path = federation.copy_path
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        key = (stat.st_mtime_ns, stat.st_size, federation.name)
        cached = _parsed.get(str(path))
        if cached is None or cached[0] != key:
            root = ElementTree.parse(path).getroot()
            cached = (key, _idps_in(federation.name, root))
            _parsed[str(path)] = cached
        idps += cached[1]
    return idps


@dataclass(frozen=True)
class IdpMatch:
    idp: MetadataIdp
    by_number: bool  # else by a staff-made IdP access rule


def idps_by_principal(idps: list[MetadataIdp]) -> dict[int, list[IdpMatch]]:
    """{principal id: the IdPs matched to it}: by the organisation number in the metadata, or
    by an IdP access rule (staff made it, so it says the IdP's members belong there). Two
    queries, however many organisers and IdPs there are."""
    numbers = {idp.organisation_number for idp in idps if idp.organisation_number}
    by_number = dict(
        Principal.objects.filter(organisation_number__in=numbers).values_list(
            "organisation_number", "pk"
        )
    )
    # Every rule: a short list kept by hand, and no IN list of every entityID in a federation.
    rules: dict[str, set[int]] = {}
    for issuer, principal_id in IdpAccessRule.objects.values_list("issuer", "principal_id"):
        rules.setdefault(issuer, set()).add(principal_id)
    matches: dict[int, list[IdpMatch]] = {}
    for idp in idps:
        numbered = by_number.get(idp.organisation_number)
        if numbered is not None:
            matches.setdefault(numbered, []).append(IdpMatch(idp=idp, by_number=True))
        for principal_id in rules.get(idp.entity_id, set()) - {numbered}:
            matches.setdefault(principal_id, []).append(IdpMatch(idp=idp, by_number=False))
    return matches
