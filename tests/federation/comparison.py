"""Test helpers for the comparison of self-assessments with the metadata: a federation's
signed metadata (the test federation key, as tests/idp signs it) whose IdPs may carry an
organisation number, and a URL configuration with the comparison page in the reporting
namespace (until reporting/urls.py includes reporting.idp_comparison_urls)."""

from saml2 import md, saml
from saml2.config import IdPConfig
from saml2.extension import mdattr, shibmd
from saml2.metadata import entities_descriptor, entity_descriptor
from saml2.sigver import security_context

from federation import metadata
from tests.idp import saml_idp

ORGANISATION_NUMBER = "urn:oid:2.5.4.97"


def idp_config(base: str, *, name: str, entity: str | None = None, key: str = "idp"):
    return saml_idp.config(base, name=name, entity=entity, key=key)


def signed_metadata(idps: list[tuple[IdPConfig, str, str]]) -> str:
    """The aggregate of (IdP, organisation number or "", scope or "") signed with the test
    federation key."""
    descriptors = []
    for conf, number, scope in idps:
        descriptor = entity_descriptor(conf)
        if number:
            attribute = saml.Attribute(
                name=ORGANISATION_NUMBER,
                name_format=saml.NAME_FORMAT_URI,
                attribute_value=[saml.AttributeValue(text=number)],
            )
            if descriptor.extensions is None:
                descriptor.extensions = md.Extensions()
            descriptor.extensions.add_extension_element(
                mdattr.EntityAttributes(attribute=[attribute])
            )
        if scope:
            idpsso = descriptor.idpsso_descriptor
            idpsso.extensions.add_extension_element(shibmd.Scope(text=scope, regexp="false"))
        descriptors.append(descriptor)
    signer = IdPConfig()
    signer.load(
        {
            "entityid": "https://federation.example/test",
            "xmlsec_binary": saml_idp.XMLSEC,
            "key_file": str(saml_idp.FEDERATION_KEY),
            "cert_file": str(saml_idp.FEDERATION_CERT),
        }
    )
    _entities, xml = entities_descriptor(
        descriptors, 24 * 7, "https://federation.example/test", None, True, security_context(signer)
    )
    return xml


def keep(settings, tmp_path, federations: dict[str, str]) -> None:
    """Configure these federations ({name: signed metadata}) and refresh each, as cron does."""
    entries = []
    for name, xml in federations.items():
        source = tmp_path / f"{name}-source.xml"
        source.write_text(xml)
        entries.append({"name": name, "source": str(source), "cert": str(saml_idp.FEDERATION_CERT)})
    settings.FEDERATIONS = entries
    settings.FEDERATION_METADATA_DIR = str(tmp_path / "kept")
    for name in federations:
        metadata.refresh(metadata.federation_named(name))
