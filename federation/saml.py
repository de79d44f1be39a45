"""The portal as a SAML service provider: pysaml2's configuration, built from settings.

djangosaml2 calls `sp_config` (settings.SAML_CONFIG_LOADER) for every SAML request; the IdPs
are those in the last good copies of the federations' metadata (federation.metadata).
"""

from django.conf import settings
from django.urls import reverse
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import SPConfig
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT

from . import metadata

# The attributes Skolfederation's IdPs release, by the names pysaml2 gives them.
EPPN = "eduPersonPrincipalName"
# The SS 12000 school-unit code; pysaml2's maps know only the first SIS attributes (docs/login.md).
SCHOOL_UNIT_CODE_OID = "urn:oid:1.2.752.194.10.2.4"
SCHOOL_UNIT_CODE = ("sisSchoolUnitCode", SCHOOL_UNIT_CODE_OID)


def add_attribute_names(conf) -> None:
    """Teach pysaml2's URI attribute map the school-unit code (used by the SP and the test IdP)."""
    for converter in conf.attribute_converters:
        if converter.name_format == NAME_FORMAT_URI:
            converter._fro[SCHOOL_UNIT_CODE_OID.lower()] = "sisSchoolUnitCode"
            converter._to["sisschoolunitcode"] = SCHOOL_UNIT_CODE_OID


def base_url() -> str:
    return settings.FEDERATION_SP_BASE_URL.rstrip("/")


def entity_id() -> str:
    return base_url() + reverse("saml2_metadata")


def sp_config(request=None) -> SPConfig:
    base = base_url()
    conf = SPConfig()
    conf.load(
        {
            "entityid": entity_id(),
            "xmlsec_binary": settings.XMLSEC_BINARY,
            "key_file": settings.SAML_SP_KEY_FILE,
            "cert_file": settings.SAML_SP_CERT_FILE,
            "encryption_keypairs": [
                {"key_file": settings.SAML_SP_KEY_FILE, "cert_file": settings.SAML_SP_CERT_FILE}
            ],
            "metadata": {"local": metadata.kept_copies()},
            "allow_unknown_attributes": True,
            "accepted_time_diff": 60,
            "name": "Skoldigistöd",
            "organization": {
                "name": [("Sveriges Kommuner och Regioner", "sv")],
                "display_name": [("Skoldigistöd", "sv")],
                "url": [(base + "/", "sv")],
            },
            "contact_person": [
                {
                    "contact_type": "technical",
                    "email_address": settings.FEDERATION_CONTACT_EMAIL,
                    "given_name": "Skoldigistöd",
                }
            ],
            "service": {
                "sp": {
                    "name": "Skoldigistöd",
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT],
                    "endpoints": {
                        "assertion_consumer_service": [
                            (base + reverse("saml2_acs"), BINDING_HTTP_POST)
                        ],
                        "single_logout_service": [
                            (base + reverse("saml2_ls"), BINDING_HTTP_REDIRECT),
                            (base + reverse("saml2_ls_post"), BINDING_HTTP_POST),
                        ],
                    },
                    "required_attributes": [EPPN],
                    "optional_attributes": [
                        "displayName",
                        "givenName",
                        "sn",
                        "mail",
                        "sisSchoolUnitCode",
                    ],
                    "allow_unsolicited": False,
                    "authn_requests_signed": True,
                    "logout_requests_signed": True,
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                    "ui_info": {
                        "display_name": [{"text": "Skoldigistöd", "lang": "sv"}],
                        "description": [
                            {"text": "SKR:s portal för huvudmäns digitala beredskap", "lang": "sv"}
                        ],
                    },
                }
            },
        }
    )
    add_attribute_names(conf)
    return conf
