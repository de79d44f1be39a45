"""e-legitimation through the test e-ID broker (django-oidc-provider in its own process): the
whole code flow with state, nonce and PKCE, the assurance level, linking, and each refusal with
nothing created. Tokens the broker would never send (another audience, expired, no `sub`) are
signed with the broker's own test key, as an attacker holding a leaked token would present."""

import os
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.utils import translation

from federation import oidc
from federation.models import FederatedIdentity
from federation.services import LoginRefused
from portal.audit import Action
from portal.models import AuditEvent
from principals.models import Invitation, Membership
from tests.idp import processes
from tests.oidc_op.people import LOA2, LOA3, PNR_CLAIM
from tests.oidc_op.run import CLIENTS, KEY
from tests.portal.factories import staff_user

PORT = 9390 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:])
CALLBACK = "/inloggning/e-legitimation/svar/"


@pytest.fixture(scope="module")
def broker_issuer():
    with processes.oidc_op(PORT, redirect_uris=[f"http://testserver{CALLBACK}"]) as issuer:
        yield issuer


def configure(settings, issuer: str, client_id: str = "skoldigistod") -> None:
    """The portal as the broker's client (what an administrator sets, docs/login.md)."""
    settings.OIDC_OP_ISSUER = issuer
    settings.OIDC_RP_CLIENT_ID = client_id
    settings.OIDC_RP_CLIENT_SECRET = CLIENTS[client_id]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = issuer + "/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = issuer + "/token"
    settings.OIDC_OP_USER_ENDPOINT = issuer + "/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = issuer + "/jwks"


@pytest.fixture
def broker(settings, broker_issuer, db):
    configure(settings, broker_issuer)
    return broker_issuer


def start(client, url="/inloggning/e-legitimation/"):
    """The portal's redirect to the broker."""
    response = client.get(url)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def at_broker(authorize_url: str, who: str) -> str:
    """What a browser does at the broker: log in as `who`; the callback URL it is sent back to."""
    browser = requests.Session()
    answer = browser.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and "/login/" in answer.headers["Location"]
    login_url = urlparse(authorize_url)._replace(path="/login/", query="").geturl()
    next_url = parse_qs(urlparse(answer.headers["Location"]).query)["next"][0]
    browser.get(login_url, params={"next": next_url}, timeout=10)
    chosen = browser.post(
        login_url,
        data={
            "who": who,
            "next": next_url,
            "csrfmiddlewaretoken": browser.cookies["op_csrftoken"],
        },
        headers={"Referer": login_url},
        allow_redirects=False,
        timeout=10,
    )
    assert chosen.status_code == 302, chosen.text[:500]
    back = browser.get(
        urlparse(authorize_url)._replace(path="", query="").geturl() + chosen.headers["Location"],
        allow_redirects=False,
        timeout=10,
    )
    assert back.status_code == 302, back.text[:500]
    location = back.headers["Location"]
    assert location.startswith(f"http://testserver{CALLBACK}"), location
    return location.removeprefix("http://testserver")


def login(client, who="eva"):
    return client.get(at_broker(start(client), who))


def counts():
    return (get_user_model().objects.count(), FederatedIdentity.objects.count())


def refused(response, text):
    assert response.status_code == 403, response.status_code
    assert text in response.text, response.text[:3000]
    assert "Inget har ändrats i portalen." in response.text


# ---------------------------------------------------------------- logging in


def test_the_request_carries_state_nonce_pkce_and_the_level(client, broker):
    query = parse_qs(urlparse(start(client)).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["skoldigistod"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["acr_values"] == [LOA3]
    assert query["redirect_uri"] == [f"http://testserver{CALLBACK}"]


def test_first_login_creates_an_account_without_access(client, broker):
    response = login(client, "eva")
    assert response.status_code == 302 and response["Location"] == "/inloggning/konto/"
    identity = FederatedIdentity.objects.select_related("user").get()
    assert (identity.method, identity.issuer) == ("oidc", broker)
    user = identity.user
    assert (user.first_name, user.last_name) == ("Eva", "Ek")
    assert not user.has_usable_password()
    assert not Membership.objects.filter(user=user).exists()
    assert client.get("/inloggning/konto/").context["user"] == user
    # The personal identity number is neither the identifier nor kept anywhere.
    assert "197010102388" not in identity.subject
    assert not AuditEvent.objects.filter(changes__icontains="197010102388").exists()
    assert AuditEvent.objects.filter(action=Action.CREATED, actor=user).exists()


def test_second_login_finds_the_same_account(client, broker):
    login(client, "eva")
    client.logout()
    login(client, "eva")
    assert counts() == (1, 1)


def test_next_page_is_kept(client, broker, principal_a):
    login(client, "eva")
    client.logout()
    next_url = f"/huvudman/{principal_a.pk}/"
    response = client.get(
        at_broker(start(client, f"/inloggning/e-legitimation/?next={next_url}"), "eva")
    )
    assert response["Location"] == next_url


def test_an_unsafe_next_page_is_dropped(client, broker):
    login(client, "eva")
    client.logout()
    response = client.get(
        at_broker(start(client, "/inloggning/e-legitimation/?next=https://evil.example/"), "eva")
    )
    assert response["Location"] == "/"


def test_loa3_counts_as_two_step_verification(client, broker, settings):
    settings.REQUIRE_2FA_FOR_STAFF = True
    login(client, "eva")
    user = FederatedIdentity.objects.get().user
    user.is_staff = True
    user.save()
    client.logout()
    # A staff member with a password only is sent to two-step verification ...
    password_staff = staff_user(username="pw-staff")
    client.force_login(password_staff)
    assert client.get("/program/").status_code == 302
    client.logout()
    # ... one who logged in with an e-ID at level 3 is not.
    login(client, "eva")
    assert client.get("/").status_code == 200


def test_a_lower_level_allowed_by_settings_still_needs_the_second_step(client, broker, settings):
    settings.REQUIRE_2FA_FOR_STAFF = True
    settings.OIDC_REQUIRED_LOA = LOA2
    login(client, "olof")
    user = FederatedIdentity.objects.get().user
    user.is_staff = True
    user.save()
    client.logout()
    login(client, "olof")
    response = client.get("/")
    assert response.status_code == 302 and "/konto/tvastegs/" in response["Location"]


def test_invitation_accepted_after_an_eid_login(client, broker, principal_a):
    invitation = Invitation(email="eva@example.se", principal=principal_a, role="editor")
    token = invitation.new_token()
    invitation.save()
    login(client, "eva")
    assert client.post(f"/inloggning/inbjudan/{token}/").status_code == 302
    user = FederatedIdentity.objects.get().user
    assert Membership.objects.get(user=user).principal == principal_a


def test_link_and_unlink_an_eid(client, broker, editor_a):
    client.force_login(editor_a)
    users = get_user_model().objects.count()
    response = client.post("/inloggning/e-legitimation/koppla/")
    assert response.status_code == 200
    linked = client.get(at_broker(start(client, response.context["continue_url"]), "eva"))
    assert linked["Location"] == "/inloggning/konto/"
    identity = FederatedIdentity.objects.get()
    assert identity.user == editor_a and identity.method == "oidc"
    assert get_user_model().objects.count() == users  # linked, no account made
    assert client.get("/inloggning/konto/").context["user"] == editor_a
    client.post(f"/inloggning/konto/{identity.pk}/koppla-bort/")
    assert not FederatedIdentity.objects.exists()
    assert AuditEvent.objects.filter(action=Action.DELETED, actor=editor_a).exists()


def test_an_eid_linked_to_another_account_is_not_taken_over(client, broker, editor_a, editor_b):
    client.force_login(editor_a)
    client.get(
        at_broker(
            start(
                client, client.post("/inloggning/e-legitimation/koppla/").context["continue_url"]
            ),
            "eva",
        )
    )
    client.logout()
    client.force_login(editor_b)
    location = client.post("/inloggning/e-legitimation/koppla/").context["continue_url"]
    refused(
        client.get(at_broker(start(client, location), "eva")), "redan kopplad till ett annat konto"
    )
    assert FederatedIdentity.objects.get().user == editor_a


def test_turned_off_without_a_client(client, settings, db):
    settings.OIDC_RP_CLIENT_ID = ""
    assert client.get("/inloggning/e-legitimation/").status_code == 404
    assert client.get(CALLBACK + "?state=x&code=y").status_code == 404
    assert "Logga in med e-legitimation" not in client.get("/konto/logga-in/").text


def test_the_login_page_offers_the_eid(client, broker):
    page = client.get("/konto/logga-in/").text
    assert "Logga in med e-legitimation" in page


# ---------------------------------------------------------------- refusals (nothing created)


def test_wrong_state_is_refused(client, broker):
    callback = at_broker(start(client), "eva")
    query = parse_qs(urlparse(callback).query)
    before = counts()
    refused(
        client.get(CALLBACK, {"state": "x" * 32, "code": query["code"][0]}),
        "hör inte till en inloggning som startades här",
    )
    assert counts() == before


def test_a_replayed_answer_is_refused(client, broker):
    callback = at_broker(start(client), "eva")
    assert client.get(callback).status_code == 302
    client.logout()
    before = counts()
    refused(client.get(callback), "hör inte till en inloggning som startades här")
    assert counts() == before


def test_a_code_used_twice_is_refused_by_the_broker(client, broker):
    authorize = start(client)
    stored = dict(client.session["oidc_states"])
    callback = at_broker(authorize, "eva")
    assert client.get(callback).status_code == 302
    client.logout()
    session = client.session
    session["oidc_states"] = stored  # the same state again: only the broker can refuse now
    session.save()
    before = counts()
    refused(client.get(callback), "tog inte emot inloggningen")
    assert counts() == before


def test_wrong_nonce_is_refused(client, broker):
    authorize = start(client)
    session = client.session
    states = session["oidc_states"]
    for entry in states.values():
        entry["nonce"] = "n" * 32
    session["oidc_states"] = states
    session.save()
    before = counts()
    refused(
        client.get(at_broker(authorize, "eva")), "hör inte till en inloggning som startades här"
    )
    assert counts() == before


def test_a_level_too_low_is_refused(client, broker):
    before = counts()
    refused(login(client, "olof"), "tillitsnivå")
    assert counts() == before


def test_a_token_signed_by_another_key_is_refused(client, broker, settings):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.OIDC_RP_IDP_SIGN_KEY = (
        other.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    before = counts()
    refused(login(client, "eva"), "inte signerat av den e-legitimationstjänst vi litar på")
    assert counts() == before


def test_a_token_from_another_issuer_is_refused(client, broker, settings):
    settings.OIDC_OP_ISSUER = broker.replace("/openid", "/other")
    before = counts()
    refused(login(client, "eva"), "e-legitimationstjänst vi inte litar på")
    assert counts() == before


def test_the_broker_saying_no_is_refused(client, broker):
    start(client)
    state = next(iter(client.session["oidc_states"]))
    before = counts()
    refused(
        client.get(CALLBACK, {"state": state, "error": "access_denied"}),
        "avbröts eller lyckades inte",
    )
    assert counts() == before


# Tokens the broker would not issue, signed with its own key, checked as the callback does.


def forged(**claims):
    now = int(time.time())
    body = {
        "iss": oidc_settings_issuer(),
        "aud": "skoldigistod",
        "sub": "42",
        "iat": now,
        "exp": now + 600,
        "nonce": "n" * 32,
        "acr": LOA3,
        PNR_CLAIM: "197010102388",
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, KEY.read_text(), algorithm="RS256")


def oidc_settings_issuer():
    from django.conf import settings

    return settings.OIDC_OP_ISSUER


@pytest.fixture
def client_with_key(broker, settings):
    private = serialization.load_pem_private_key(KEY.read_bytes(), password=None)
    settings.OIDC_RP_IDP_SIGN_KEY = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return oidc.EidClient()


def test_a_good_forged_token_passes_the_checks(client_with_key):
    """The control for the cases below: only the one changed claim makes them fail."""
    claims = client_with_key.verify_token(forged(), nonce="n" * 32)
    assert claims["sub"] == "42"


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"aud": "annan-tjanst"}, "meant for another service"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "has expired"),
        ({"iat": int(time.time()) + 3600, "exp": int(time.time()) + 7200}, "not yet valid"),
        ({"sub": None}, "did not say who you are"),
        ({"nonce": None}, "does not belong to a login started here"),
    ],
)
def test_tokens_the_broker_would_not_send_are_refused(client_with_key, claims, message):
    with translation.override("en"), pytest.raises(LoginRefused, match=message):
        client_with_key.verify_token(forged(**claims), nonce="n" * 32)


def test_an_unsigned_token_is_refused(client_with_key):
    token = jwt.encode({"iss": oidc_settings_issuer(), "sub": "42"}, key=None, algorithm="none")
    with translation.override("en"), pytest.raises(LoginRefused, match="not signed"):
        client_with_key.verify_token(token, nonce="n" * 32)


def test_a_token_with_an_unknown_level_is_refused(client_with_key):
    with translation.override("en"), pytest.raises(LoginRefused, match="assurance level"):
        oidc.EidClient.check_level({"acr": "urn:example:whatever"})
