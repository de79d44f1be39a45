"""Start the test OpenID Connect provider: a fresh database, the demo people, the portal as a
client, the signing key from tests/idp/keys/oidc.key, then serve on 127.0.0.1.

    python -m tests.oidc_op.run --port 9190 --redirect-uri http://127.0.0.1:8000/inloggning/e-legitimation/svar/
"""

import argparse
import os
import socketserver
import tempfile
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

KEY = Path(__file__).resolve().parent.parent / "idp" / "keys" / "oidc.key"
CLIENTS = {"skoldigistod": "test-client-secret", "annan-tjanst": "other-client-secret"}


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def setup(redirect_uris: list[str]) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType, RSAKey

    from .people import PEOPLE

    call_command("migrate", verbosity=0)
    for username in PEOPLE:
        get_user_model().objects.get_or_create(username=username)
    RSAKey.objects.all().delete()
    RSAKey.objects.create(key=KEY.read_text())
    code = ResponseType.objects.get(value="code")
    for client_id, secret in CLIENTS.items():
        client, _ = Client.objects.update_or_create(
            client_id=client_id,
            defaults={
                "name": client_id,
                "client_type": "confidential",
                "client_secret": secret,
                "jwt_alg": "RS256",
                "require_consent": False,
                "reuse_consent": True,
                "_redirect_uris": "\n".join(redirect_uris),
                "_scope": "openid profile",
            },
        )
        client.response_types.set([code])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9190)
    parser.add_argument(
        "--base-url", help="the address browsers use (default http://127.0.0.1:PORT)"
    )
    parser.add_argument("--redirect-uri", action="append", default=[])
    args = parser.parse_args()
    base_url = (args.base_url or f"http://127.0.0.1:{args.port}").rstrip("/")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_op.settings"
    os.environ["OIDC_OP_BASE_URL"] = base_url
    os.environ.setdefault(
        "OIDC_OP_DATABASE", str(Path(tempfile.mkdtemp(prefix="oidc-op-")) / "op.sqlite3")
    )
    import django

    django.setup()
    setup(args.redirect_uri)
    from django.core.wsgi import get_wsgi_application

    httpd = make_server(
        "127.0.0.1",
        args.port,
        get_wsgi_application(),
        server_class=ThreadingServer,
        handler_class=QuietHandler,
    )
    print(f"OIDC provider on {base_url} (issuer {base_url}/openid)", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
