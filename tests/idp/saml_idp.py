"""A real SAML identity provider for tests and local trials, built on pysaml2's Server.

It serves a signed federation metadata aggregate (signed with the test federation key, as
Skolfederation signs its aggregate), its single sign-on service (HTTP-Redirect in, HTTP-POST
out) with a page to choose a demo identity, and single logout. The same functions make
responses in-process for the refusal tests (tests/federation/), so those test the portal
against what a real IdP sends, bent in one way each.

    python -m tests.idp.saml_idp --port 9180 --sp-metadata http://127.0.0.1:8000/saml2/metadata/
"""

import argparse
import base64
import html
import tempfile
import threading
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entities_descriptor, entity_descriptor
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT
from saml2.server import Server
from saml2.sigver import security_context
from saml2.xmldsig import SIG_RSA_SHA256

from federation.saml import add_attribute_names

KEYS = Path(__file__).parent / "keys"
FEDERATION_KEY = KEYS / "federation.key"
FEDERATION_CERT = KEYS / "federation.crt"
XMLSEC = "/usr/bin/xmlsec1"

# Demo people of the test IdP "Exempelkommunens inloggning": eduPersonPrincipalName and the rest.
IDENTITIES = {
    "anna": {
        "eduPersonPrincipalName": ["anna.andersson@exempel.kommun.example"],
        "givenName": ["Anna"],
        "sn": ["Andersson"],
        "displayName": ["Anna Andersson"],
        "mail": ["anna.andersson@exempel.kommun.example"],
        "sisSchoolUnitCode": ["12345678"],
    },
    "bertil": {
        "eduPersonPrincipalName": ["bertil.berg@exempel.kommun.example"],
        "givenName": ["Bertil"],
        "sn": ["Berg"],
        "displayName": ["Bertil Berg"],
        "mail": ["bertil.berg@exempel.kommun.example"],
    },
    "cecilia": {
        "eduPersonPrincipalName": ["cecilia.carlsson@exempel.kommun.example"],
        "givenName": ["Cecilia"],
        "sn": ["Carlsson"],
        "displayName": ["Cecilia Carlsson"],
    },
}


def entity_id(base_url: str) -> str:
    return f"{base_url}/idp/metadata"


def config(base_url: str, *, sp_metadata=(), key: str = "idp", name=None, entity=None):
    """The IdP's pysaml2 configuration; `sp_metadata` are files or URLs of SP metadata."""
    local = [m for m in sp_metadata if not m.startswith("http")]
    remote = [{"url": m} for m in sp_metadata if m.startswith("http")]
    metadata = {}
    if local:
        metadata["local"] = local
    if remote:
        metadata["remote"] = remote
    conf = IdPConfig()
    conf.load(
        {
            "entityid": entity or entity_id(base_url),
            "name": name or "Exempelkommunens inloggning",
            "xmlsec_binary": XMLSEC,
            "key_file": str(KEYS / f"{key}.key"),
            "cert_file": str(KEYS / f"{key}.crt"),
            "metadata": metadata,
            "organization": {
                "name": [("Exempelkommunen", "sv"), ("Exempelkommunen", "en")],
                "display_name": [("Exempelkommunen", "sv")],
                "url": [("https://exempel.kommun.example", "sv")],
            },
            "service": {
                "idp": {
                    "name": name or "Exempelkommunens inloggning",
                    "endpoints": {
                        "single_sign_on_service": [(f"{base_url}/idp/sso", BINDING_HTTP_REDIRECT)],
                        "single_logout_service": [(f"{base_url}/idp/slo", BINDING_HTTP_REDIRECT)],
                    },
                    "name_id_format": [NAMEID_FORMAT_TRANSIENT, NAMEID_FORMAT_PERSISTENT],
                    "sign_response": True,
                    "sign_assertion": True,
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 5},
                            "attribute_restrictions": None,
                            "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                        }
                    },
                    "ui_info": {
                        "display_name": [{"text": name or "Exempelkommunen", "lang": "sv"}],
                    },
                }
            },
        }
    )
    add_attribute_names(conf)
    return conf


def federation_metadata(
    idps: list[IdPConfig], *, valid_hours: int = 24 * 7, key=None, sign: bool = True
) -> str:
    """The federation's aggregate of these IdPs, signed with the test federation key."""
    descriptors = [entity_descriptor(conf) for conf in idps]
    signer = IdPConfig()
    signer.load(
        {
            "entityid": "https://federation.example/test",
            "xmlsec_binary": XMLSEC,
            "key_file": str(key or FEDERATION_KEY),
            "cert_file": str(FEDERATION_CERT),
        }
    )
    entities, xml = entities_descriptor(
        descriptors,
        valid_hours,
        "https://federation.example/test",
        None,
        sign,
        security_context(signer),
    )
    return xml if sign else str(entities)


def authn_response(server: Server, saml_request: str, identity: dict, **bend) -> tuple[str, str]:
    """(ACS URL, base64 SAMLResponse) answering an AuthnRequest from the redirect binding.

    `bend` changes one thing for a refusal test: sp_entity_id (wrong audience).
    """
    request = server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT)
    args = server.response_args(request.message, [BINDING_HTTP_POST])
    args.pop("binding", None)
    args.update(bend)
    subject = (identity.get("eduPersonPrincipalName") or ["nobody"])[0]
    response = server.create_authn_response(
        identity,
        userid=subject,
        authn={
            "class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
            "authn_auth": server.config.entityid,
        },
        sign_response=True,
        sign_assertion=True,
        **args,
    )
    return args["destination"], base64.b64encode(str(response).encode()).decode()


def logout_response(server: Server, query: str) -> str | None:
    """The redirect URL of a LogoutResponse to a LogoutRequest (redirect binding)."""
    params = parse_qs(query)
    request = server.parse_logout_request(params["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
    destination = server.response_args(request.message, [BINDING_HTTP_REDIRECT])["destination"]
    response = server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT], sign=False)
    http = server.apply_binding(
        BINDING_HTTP_REDIRECT,
        f"{response}",
        destination,
        params.get("RelayState", [""])[0],
        response=True,
        sigalg=SIG_RSA_SHA256,
    )
    return dict(http["headers"])["Location"]


PAGE = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


class App:
    """The WSGI application: metadata, sign-on with a choice of demo identity, logout."""

    def __init__(self, base_url: str, sp_metadata: list[str]):
        self.base_url = base_url
        self.sp_metadata = sp_metadata
        self._server = None
        self._lock = threading.Lock()
        self.idp_conf = config(base_url)

    @property
    def server(self) -> Server:
        # SP metadata is read on first use: the portal may start after this process.
        with self._lock:
            if self._server is None:
                self._server = Server(config=config(self.base_url, sp_metadata=self.sp_metadata))
            return self._server

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        query = environ.get("QUERY_STRING", "")
        if path == "/federation.xml":
            body = federation_metadata([self.idp_conf]).encode()
            start_response("200 OK", [("Content-Type", "application/samlmetadata+xml")])
            return [body]
        if path == "/idp/sso" and environ["REQUEST_METHOD"] == "GET":
            return self.choose(query, start_response)
        if path == "/idp/sso" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            return self.answer(environ["wsgi.input"].read(size).decode(), start_response)
        if path == "/idp/slo":
            location = logout_response(self.server, query)
            start_response("302 Found", [("Location", location)])
            return [b""]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    def choose(self, query, start_response):
        params = parse_qs(query)
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(values[0])}">'
            for name, values in params.items()
            if name in ("SAMLRequest", "RelayState")
        )
        buttons = "".join(
            f'<p><button type="submit" name="who" value="{who}">'
            f"{html.escape(attrs['displayName'][0])}</button></p>"
            for who, attrs in IDENTITIES.items()
        )
        body = f'<p>Välj en testperson.</p><form method="post">{hidden}{buttons}</form>'
        page = PAGE.format(title="Exempelkommunens inloggning (test)", body=body)
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page.encode()]

    def answer(self, data, start_response):
        form = {k: v[0] for k, v in parse_qs(data).items()}
        identity = IDENTITIES[form["who"]]
        destination, saml_response = authn_response(self.server, form["SAMLRequest"], identity)
        fields = f'<input type="hidden" name="SAMLResponse" value="{saml_response}">'
        if form.get("RelayState"):
            fields += (
                f'<input type="hidden" name="RelayState" value="{html.escape(form["RelayState"])}">'
            )
        body = (
            f'<form method="post" action="{html.escape(destination)}">{fields}'
            '<p><button type="submit">Fortsätt till tjänsten</button></p></form>'
        )
        page = PAGE.format(title="Skickar dig tillbaka", body=body)
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page.encode()]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9180)
    parser.add_argument("--sp-metadata", action="append", default=[])
    parser.add_argument("--base-url", help="the address browsers use (default http://HOST:PORT)")
    args = parser.parse_args()
    base_url = (args.base_url or f"http://{args.host}:{args.port}").rstrip("/")
    tempfile.tempdir = tempfile.mkdtemp(prefix="saml-idp-")
    httpd = make_server(
        args.host, args.port, App(base_url, args.sp_metadata), handler_class=QuietHandler
    )
    print(f"SAML IdP on {base_url} (federation metadata {base_url}/federation.xml)", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
