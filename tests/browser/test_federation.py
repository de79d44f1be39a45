"""Logging in with the school's login in Chromium, through the real test IdP (pysaml2, its own
process): first login, an access request approved by staff, logout with single logout, and a
password account linking and unlinking its school login."""

import os

import pytest
from playwright.sync_api import expect

from federation import metadata
from federation.models import FederatedIdentity, IdpAccessRule
from principals.models import Invitation, Membership
from tests.browser.pages import shoot as shoot_page
from tests.idp import processes, saml_idp

pytestmark = pytest.mark.django_db(transaction=True)

PORT = 9480 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:])


def shoot(page, name):
    shoot_page(page, f"federation-{name}")


@pytest.fixture
def school_login(live_server, settings, tmp_path):
    """The test IdP on 127.0.0.1 (addressed as localhost, the live server's host, so the
    answer's POST is same-site), and its federation's metadata refreshed over HTTP."""
    settings.FEDERATION_SP_BASE_URL = live_server.url
    base = f"http://localhost:{PORT}"
    with processes.saml_idp(
        PORT, base_url=base, sp_metadata=[f"{live_server.url}/saml2/metadata/"]
    ):
        settings.FEDERATIONS = [
            {
                "name": "test",
                "source": f"http://127.0.0.1:{PORT}/federation.xml",
                "cert": str(saml_idp.FEDERATION_CERT),
            }
        ]
        settings.FEDERATION_METADATA_DIR = str(tmp_path / "kept")
        metadata.refresh(metadata.federation_named("test"))
        yield saml_idp.entity_id(base)


def school_login_as(page, who: str, *, remembered: bool = False):
    if remembered:
        page.get_by_role("link", name="Fortsätt med Exempelkommunen").click()
    else:
        page.get_by_role("link", name="Exempelkommunen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exempelkommunens inloggning (test)")
    page.get_by_role("button", name=who).click()
    page.get_by_role("button", name="Fortsätt till tjänsten").click()


def test_first_login_request_approval_and_logout(
    page, live_server, school_login, principal_a, staff, browser_login
):
    IdpAccessRule.objects.create(issuer=school_login, principal=principal_a)
    page.goto(f"{live_server.url}/konto/logga-in/")
    shoot(page, "login")
    page.get_by_role("link", name="Logga in med skolans inloggning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in med skolans inloggning")
    page.get_by_label("Sök efter din organisation").fill("exempel")
    page.get_by_role("button", name="Sök").click()
    shoot(page, "discovery")
    school_login_as(page, "Anna Andersson")

    expect(page.get_by_role("heading", level=1)).to_have_text("Kopplade inloggningar")
    expect(page.get_by_text("Ditt konto har skapats")).to_be_visible()
    page.get_by_role("button", name="Be om åtkomst till Huvudman A").click()
    expect(page.get_by_text("Du har bett om åtkomst till Huvudman A")).to_be_visible()
    shoot(page, "account")
    anna = FederatedIdentity.objects.get().user
    assert not Membership.objects.filter(user=anna).exists()

    # Logging out: out of the portal at once, then on to the IdP's single logout.
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du är utloggad från Skoldigistöd")
    shoot(page, "logged-out")
    page.get_by_role("link", name="Logga ut från Exempelkommunen också").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in i Skoldigistöd")

    browser_login(page, staff)
    page.goto(f"{live_server.url}/inloggning/forfragningar/")
    expect(page.get_by_role("cell", name="anna.andersson@exempel.kommun.example")).to_be_visible()
    shoot(page, "requests")
    page.get_by_role("button", name="Godkänn").click()
    expect(page.get_by_text("Anna Andersson har nu åtkomst till Huvudman A")).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()

    # Anna again, with her last choice remembered: now she reaches her organiser.
    page.goto(f"{live_server.url}/inloggning/")
    school_login_as(page, "Anna Andersson", remembered=True)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Huvudman A")
    membership = Membership.objects.get(user=anna)
    assert (membership.principal, membership.role) == (principal_a, Membership.Role.READER)


def test_a_password_account_links_and_unlinks_its_school_login(
    page, live_server, school_login, editor_a, browser_login
):
    browser_login(page, editor_a)
    page.goto(f"{live_server.url}/inloggning/konto/")
    expect(page.get_by_text("Ingen inloggning är kopplad till ditt konto än.")).to_be_visible()
    page.get_by_role("button", name="Koppla skolans inloggning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Koppla skolans inloggning")
    school_login_as(page, "Bertil Berg")
    expect(page.get_by_text("Skolans inloggning är nu kopplad till ditt konto.")).to_be_visible()
    assert FederatedIdentity.objects.get().user == editor_a
    shoot(page, "linked")
    page.get_by_role("button", name="Koppla bort bertil.berg@exempel.kommun.example").click()
    expect(page.get_by_text("Inloggningen är inte längre kopplad till ditt konto.")).to_be_visible()
    assert not FederatedIdentity.objects.exists()


# ---------------------------------------------------------------- e-legitimation (OIDC)

EID_PORT = 9290 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:])


@pytest.fixture
def eid(live_server, settings):
    """The test e-ID broker (django-oidc-provider, its own process) with the portal as client."""
    from tests.federation.test_oidc import configure

    callback = f"{live_server.url}/inloggning/e-legitimation/svar/"
    with processes.oidc_op(EID_PORT, redirect_uris=[callback]) as issuer:
        configure(settings, issuer)
        yield issuer


def test_first_eid_login_and_an_invitation_accepted(
    page, live_server, eid, principal_a, principal_b
):
    invitation = Invitation(email="eva@example.se", principal=principal_a, role="editor")
    token = invitation.new_token()
    invitation.save()
    page.goto(f"{live_server.url}/konto/logga-in/")
    shoot(page, "eid-login")
    page.get_by_role("link", name="Logga in med e-legitimation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test-e-legitimation")
    page.get_by_role("button", name="Eva Ek").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kopplade inloggningar")
    expect(page.get_by_text("Ditt konto har skapats")).to_be_visible()
    expect(page.get_by_text("e-legitimation (OpenID Connect)")).to_be_visible()
    shoot(page, "eid-account")
    eva = FederatedIdentity.objects.get().user
    assert not Membership.objects.filter(user=eva).exists()

    page.goto(f"{live_server.url}/inloggning/inbjudan/{token}/")
    page.get_by_role("button", name="Ta emot").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Huvudman A")
    assert Membership.objects.get(user=eva).principal == principal_a
    # Exactly the access granted: another organiser's page is not hers.
    response = page.goto(f"{live_server.url}/huvudman/{principal_b.pk}/")
    assert response.status in (403, 404)

    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in i Skoldigistöd")


def test_a_password_account_links_an_eid_and_logs_in_with_it(
    page, live_server, eid, editor_a, principal_a, browser_login
):
    browser_login(page, editor_a)
    page.goto(f"{live_server.url}/inloggning/konto/")
    page.get_by_role("button", name="Koppla din e-legitimation").click()
    page.get_by_role("link", name="Fortsätt till e-legitimation").click()
    page.get_by_role("button", name="Eva Ek").click()
    expect(page.get_by_text("Din e-legitimation är nu kopplad till ditt konto.")).to_be_visible()
    assert FederatedIdentity.objects.get().user == editor_a
    shoot(page, "eid-linked")
    page.get_by_role("button", name="Logga ut").click()

    # The broker remembers Eva; the portal logs her in to the linked account.
    page.get_by_role("link", name="Logga in med e-legitimation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Huvudman A")

    page.goto(f"{live_server.url}/inloggning/konto/")
    page.get_by_role(
        "button", name=f"Koppla bort {FederatedIdentity.objects.get().subject}"
    ).click()
    expect(page.get_by_text("Inloggningen är inte längre kopplad till ditt konto.")).to_be_visible()
    assert not FederatedIdentity.objects.exists()
