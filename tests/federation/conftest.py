"""A federation for the client tests: the test IdP's metadata, signed by the test federation
key and kept as the portal's last good copy; the IdP itself (pysaml2's Server) in-process,
trusting the portal's SP metadata."""

import base64
import zlib
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import pytest
from saml2.metadata import create_metadata_string
from saml2.server import Server

from federation import metadata
from federation.saml import sp_config
from tests.idp import saml_idp

IDP_BASE = "http://127.0.0.1:9180"


@pytest.fixture
def federation(settings, tmp_path):
    """One federation, "test", whose metadata holds the test IdP; refreshed once."""
    source = tmp_path / "source.xml"
    source.write_text(saml_idp.federation_metadata([saml_idp.config(IDP_BASE)]))
    settings.FEDERATIONS = [
        {"name": "test", "source": str(source), "cert": str(saml_idp.FEDERATION_CERT)}
    ]
    settings.FEDERATION_METADATA_DIR = str(tmp_path / "kept")
    settings.FEDERATION_SP_BASE_URL = "http://testserver"
    metadata.refresh(metadata.federation_named("test"))
    return source


@dataclass
class Idp:
    server: Server
    entity_id: str

    def start(self, client, next_url: str = "") -> str:
        """Start a login at the portal; the SAMLRequest the browser would carry to the IdP."""
        url = f"/saml2/login/?idp={self.entity_id}" + (f"&next={next_url}" if next_url else "")
        response = client.get(url)
        assert response.status_code == 302, response.content[:500]
        query = parse_qs(urlparse(response["Location"]).query)
        self.relay_state = query.get("RelayState", [""])[0]
        return query["SAMLRequest"][0]

    def respond(self, saml_request: str, who: str = "anna", identity=None, **bend) -> str:
        _destination, response = saml_idp.authn_response(
            self.server, saml_request, identity or saml_idp.IDENTITIES[who], **bend
        )
        return response

    def post(self, client, saml_response: str):
        return client.post(
            "/saml2/acs/", {"SAMLResponse": saml_response, "RelayState": self.relay_state}
        )

    def login(self, client, who: str = "anna", next_url: str = ""):
        return self.post(client, self.respond(self.start(client, next_url), who))


def decoded(saml_response: str) -> str:
    return base64.b64decode(saml_response).decode()


def encoded(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def inflate(saml_request: str) -> str:
    return zlib.decompress(base64.b64decode(saml_request), -15).decode()


OTHER_SP = "https://another-service.example/sp"


def make_idp(tmp_path, *, key="idp", entity=None) -> Idp:
    """The IdP knows the portal and one other service (for the wrong-audience test)."""
    files = []
    for name, entity_id in (("portal", None), ("other", OTHER_SP)):
        conf = sp_config()
        if entity_id:
            conf.entityid = entity_id
        path = tmp_path / f"sp-{name}.xml"
        path.write_text(create_metadata_string(None, config=conf, sign=False).decode())
        files.append(str(path))
    conf = saml_idp.config(IDP_BASE, sp_metadata=files, key=key, entity=entity)
    return Idp(server=Server(config=conf), entity_id=conf.entityid)


@pytest.fixture
def idp(federation, tmp_path):
    return make_idp(tmp_path)
