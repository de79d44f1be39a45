"""Federation metadata: only a signed, valid aggregate is kept; a bad refresh keeps the last
good copy; the portal's own SP metadata is signed."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from saml2.sigver import CryptoBackendXmlSec1

from federation import metadata
from federation.selectors import login_services
from tests.idp import saml_idp

from .conftest import IDP_BASE

pytestmark = pytest.mark.django_db


def test_the_kept_copy_lists_the_login_services(federation):
    services = login_services()
    assert [(s.entity_id, s.name) for s in services] == [
        (saml_idp.entity_id(IDP_BASE), "Exempelkommunen")
    ]


@pytest.mark.parametrize(
    ("bend", "reason"),
    [
        ("tampered", "signatur stämmer inte"),
        ("other_key", "signatur stämmer inte"),
        ("unsigned", "inte signerad"),
        ("expired", "gått ut"),
        ("not_xml", "inte SAML-metadata"),
    ],
)
def test_a_bad_refresh_keeps_the_last_good_copy(federation, bend, reason):
    kept = metadata.federation_named("test").copy_path.read_bytes()
    good = saml_idp.federation_metadata([saml_idp.config(IDP_BASE)])
    bad = {
        "tampered": good.replace("Exempelkommunen", "Annan kommun"),
        "other_key": saml_idp.federation_metadata(
            [saml_idp.config(IDP_BASE)], key=saml_idp.KEYS / "other.key"
        ),
        "unsigned": saml_idp.federation_metadata([saml_idp.config(IDP_BASE)], sign=False),
        "expired": saml_idp.federation_metadata([saml_idp.config(IDP_BASE)], valid_hours=-1),
        "not_xml": "<html>Not found</html>",
    }[bend]
    federation.write_text(bad)
    with pytest.raises(CommandError, match="refused for: test"):
        call_command("federation_refresh_metadata", stderr=StringIO())
    with pytest.raises(metadata.MetadataRefused, match=reason):
        metadata.refresh(metadata.federation_named("test"))
    assert metadata.federation_named("test").copy_path.read_bytes() == kept


def test_an_unreachable_source_keeps_the_last_good_copy(federation, settings):
    settings.FEDERATIONS = [{**settings.FEDERATIONS[0], "source": "http://127.0.0.1:9199/none.xml"}]
    with pytest.raises(metadata.MetadataRefused, match="kunde inte hämtas"):
        metadata.refresh(metadata.federation_named("test"))
    assert metadata.federation_named("test").copy_path.exists()


def test_the_command_refreshes(federation, capsys):
    call_command("federation_refresh_metadata")
    assert "test: 1 entities" in capsys.readouterr().out


def test_sp_metadata_is_signed_at_a_stable_address(client, federation, tmp_path):
    response = client.get("/saml2/metadata/")
    assert response.status_code == 200
    xml = response.content
    assert b'entityID="http://testserver/saml2/metadata/"' in xml
    assert b"http://testserver/saml2/acs/" in xml
    backend = CryptoBackendXmlSec1(saml_idp.XMLSEC)
    assert backend.validate_signature(
        xml,
        str(saml_idp.KEYS / "sp.crt"),
        "pem",
        "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
        None,
    )
