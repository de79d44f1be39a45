"""Logging in through the test IdP (pysaml2's own Server) and every refusal from the issue."""

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from federation.models import AccessRequest, FederatedIdentity, IdpAccessRule
from portal.models import AuditEvent
from principals.models import Invitation, Membership
from tests.idp import saml_idp

from .conftest import OTHER_SP, decoded, encoded, make_idp

pytestmark = pytest.mark.django_db
User = get_user_model()


def counts():
    return (User.objects.count(), FederatedIdentity.objects.count(), AuditEvent.objects.count())


def test_first_login_creates_an_account_without_access(client, idp):
    response = idp.login(client, "anna")
    assert response.status_code == 302
    assert response["Location"] == "/inloggning/konto/"
    identity = FederatedIdentity.objects.get()
    assert identity.issuer == idp.entity_id
    assert identity.subject == "anna.andersson@exempel.kommun.example"
    assert identity.school_unit_codes == ["12345678"]
    user = identity.user
    assert (user.first_name, user.last_name) == ("Anna", "Andersson")
    assert user.email == "anna.andersson@exempel.kommun.example"
    assert not user.has_usable_password()
    assert not Membership.objects.filter(user=user).exists()
    page = client.get("/inloggning/konto/")
    assert "anna.andersson@exempel.kommun.example" in page.text
    assert "Ditt konto har skapats" in page.text
    actions = set(AuditEvent.objects.for_object(identity).values_list("action", flat=True))
    assert actions == {AuditEvent.Action.CREATED, AuditEvent.Action.CHANGED}


def test_second_login_finds_the_same_account(client, idp):
    idp.login(client, "anna")
    client.logout()
    response = idp.login(client, "anna", next_url="/")
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert client.session["_auth_user_id"] == str(FederatedIdentity.objects.get().user_id)


def test_an_account_with_the_same_e_mail_is_not_taken_over(client, idp, editor_a):
    editor_a.email = "anna.andersson@exempel.kommun.example"
    editor_a.save()
    idp.login(client, "anna")
    identity = FederatedIdentity.objects.get()
    assert identity.user != editor_a
    assert identity.user.email == ""
    assert not Membership.objects.filter(user=identity.user).exists()


def test_linking_from_the_account_page(client, login, idp, editor_a):
    login(editor_a)
    response = client.post("/inloggning/konto/koppla/")
    assert response.status_code == 302
    response = idp.login(client, "bertil")
    assert response.status_code == 302
    identity = FederatedIdentity.objects.get()
    assert identity.user == editor_a
    client.logout()
    idp.login(client, "bertil", next_url="/")
    assert client.session["_auth_user_id"] == str(editor_a.pk)
    # Unlinking: the account has a password, so the link may go.
    response = client.post(f"/inloggning/konto/{identity.pk}/koppla-bort/")
    assert response.status_code == 302
    assert not FederatedIdentity.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETED).exists()


def test_the_only_login_cannot_be_unlinked(client, idp):
    idp.login(client, "anna")
    identity = FederatedIdentity.objects.get()
    response = client.post(f"/inloggning/konto/{identity.pk}/koppla-bort/", follow=True)
    assert "enda sättet att logga in" in response.text
    assert FederatedIdentity.objects.exists()


def test_access_request_approved_by_staff(client, login, idp, principal_a, staff):
    rule = IdpAccessRule.objects.create(issuer=idp.entity_id, principal=principal_a)
    idp.login(client, "anna")
    page = client.get("/inloggning/konto/")
    assert "Be om åtkomst till Huvudman A" in page.text
    client.post(f"/inloggning/konto/regel/{rule.pk}/begar/")
    request = AccessRequest.objects.get()
    assert request.status == AccessRequest.Status.PENDING
    user = request.identity.user
    login(staff)
    assert "anna.andersson" in client.get("/inloggning/forfragningar/").text
    client.post(f"/inloggning/forfragningar/{request.pk}/", {"decision": "approve"})
    membership = Membership.objects.get(user=user)
    assert (membership.principal, membership.role) == (principal_a, Membership.Role.READER)


def test_a_rule_of_another_idp_cannot_be_requested(client, idp, principal_a):
    rule = IdpAccessRule.objects.create(issuer="https://other.example/idp", principal=principal_a)
    idp.login(client, "anna")
    client.post(f"/inloggning/konto/regel/{rule.pk}/begar/")
    assert not AccessRequest.objects.exists()


def test_invitation_accepted_while_logged_in_federatedly(client, idp, principal_a, staff):
    invitation = Invitation(email="someone@else.example", principal=principal_a, role="editor")
    token = invitation.new_token()
    invitation.save()
    idp.login(client, "anna")
    response = client.post(f"/inloggning/inbjudan/{token}/")
    assert response.status_code == 302
    user = FederatedIdentity.objects.get().user
    assert Membership.objects.get(user=user).role == Membership.Role.EDITOR


# ---------------------------------------------------------------- refusals


def refused(response, text):
    assert response.status_code == 403
    assert text in response.text, response.text[:2000]


def test_wrong_signature_is_refused(client, idp):
    saml_response = idp.respond(idp.start(client), "anna")
    tampered = encoded(decoded(saml_response).replace("Anna", "Berit"))
    before = counts()
    refused(idp.post(client, tampered), "inte signerat av en inloggningstjänst vi litar på")
    assert counts() == before


def test_expired_assertion_is_refused(client, idp):
    saml_response = idp.respond(idp.start(client), "anna")
    before = counts()
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=1)):
        refused(idp.post(client, saml_response), "har gått ut")
    assert counts() == before


def test_replayed_assertion_is_refused(client, idp):
    saml_response = idp.respond(idp.start(client), "anna")
    assert idp.post(client, saml_response).status_code == 302
    client.logout()
    before = counts()
    refused(idp.post(client, saml_response), "redan använts")
    assert counts() == before


def test_wrong_audience_is_refused(client, idp):
    saml_response = idp.respond(idp.start(client), "anna", sp_entity_id=OTHER_SP)
    before = counts()
    response = idp.post(client, saml_response)
    assert response.status_code == 403
    assert "Inget har ändrats" in response.text
    assert counts() == before


def test_missing_attribute_is_refused(client, idp):
    identity = dict(saml_idp.IDENTITIES["anna"])
    del identity["eduPersonPrincipalName"]
    saml_response = idp.respond(idp.start(client), identity=identity)
    before = counts()
    refused(idp.post(client, saml_response), "eduPersonPrincipalName")
    assert counts() == before


def test_unknown_idp_is_refused(client, idp, tmp_path):
    # An IdP outside the federation, answering a login started at the known one.
    stranger = make_idp(tmp_path, key="other", entity="https://stranger.example/idp")
    saml_response = stranger.respond(idp.start(client), "anna")
    before = counts()
    response = idp.post(client, saml_response)
    assert response.status_code == 403
    assert "Inget har ändrats" in response.text
    assert counts() == before


def test_unknown_idp_cannot_be_chosen(client, idp):
    response = client.get("/saml2/login/?idp=https://unknown.example/idp")
    refused(response, "finns inte i någon federation vi litar på")


def test_unsolicited_response_is_refused(client, idp):
    saml_request = idp.start(client)
    saml_response = idp.respond(saml_request, "anna")
    client.cookies.clear()  # another browser: no login was started there
    before = counts()
    refused(idp.post(client, saml_response), "redan använts")
    assert counts() == before
