import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/konto/logga-in/"


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_anonymous_users_are_sent_to_login(client):
    for url in ["/", "/personal/", "/insyn/", "/huvudman/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


def test_login_page_is_swedish_with_skip_link_and_landmarks(client):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="sv">' in html
    assert 'href="#main"' in html and "Hoppa till innehållet" in html
    assert "<main" in html and "<footer" in html and "Logga in" in html


def test_login_with_wrong_password_shows_error_summary(client, staff):
    response = post_login(client, "staff", "wrong-password")
    html = response.content.decode()
    assert response.status_code == 200
    assert "error-summary" in html
    assert "Ange ett korrekt användarnamn och lösenord" in html


def test_a_user_name_longer_than_any_account_is_refused_like_a_wrong_password(client, staff):
    from axes.models import AccessAttempt

    response = post_login(client, "A" * 300, "wrong-password")
    assert response.status_code == 200
    assert "Ange ett korrekt användarnamn och lösenord" in response.content.decode()
    assert not AccessAttempt.objects.exists()  # nothing looked up, nothing too long to store


@pytest.mark.parametrize(
    ("fixture", "landing"),
    [
        ("staff", "/personal/"),
        ("lead", "/personal/"),
        ("admin", "/personal/"),
        ("government", "/insyn/"),
    ],
)
def test_each_role_lands_on_its_own_start_page(client, request, password, fixture, landing):
    user = request.getfixturevalue(fixture)
    response = post_login(client, user.username, password)
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"] == landing
    assert client.get(landing).status_code == 200


def test_organiser_lands_on_own_organisation(client, editor_a, principal_a, password):
    post_login(client, editor_a.username, password)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == f"/huvudman/{principal_a.pk}/"
    assert principal_a.name in response.content.decode()


def test_user_without_role_sees_explanation(client, password):
    from tests.portal.factories import UserFactory

    user = UserFactory(username="nobody")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "ingen roll" in response.content.decode()


def test_start_pages_refuse_the_wrong_role(login, government, staff):
    assert login(government).get("/personal/").status_code == 403
    assert login(staff).get("/insyn/").status_code == 200  # staff may see aggregates too


def test_logout_needs_post_and_ends_session(client, staff, password):
    post_login(client, "staff", password)
    assert client.get("/personal/").status_code == 200
    assert client.get("/konto/logga-ut/").status_code == 405
    response = client.post("/konto/logga-ut/", follow=True)
    assert "Du är nu utloggad" in response.content.decode()
    assert client.get("/personal/").status_code == 302


def test_lockout_after_repeated_failures(client, staff, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "staff", "wrong-password")
    response = post_login(client, "staff", password)
    assert response.status_code == 429
    assert "För många misslyckade inloggningsförsök" in response.content.decode()


def test_password_reset_sends_mail_with_working_link(client, staff):
    response = client.post("/konto/aterstall/", {"email": staff.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Skoldigistöd" in message.subject
    link = re.search(r"https?://[^/\s]+(/konto/aterstall/\S+/)", message.body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "ett-nytt-langt-losen-9", "new_password2": "ett-nytt-langt-losen-9"},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("ett-nytt-langt-losen-9")


def test_password_change_logs_out_other_sessions(client, staff, password):
    from django.test import Client

    other = Client()
    other.post(LOGIN, {"username": "staff", "password": password})
    assert other.get("/personal/").status_code == 200
    post_login(client, "staff", password)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "annat-langt-losen-42",
            "new_password2": "annat-langt-losen-42",
        },
    )
    assert response.status_code == 302
    assert client.get("/personal/").status_code == 200  # this session survives
    assert other.get("/personal/").status_code == 302  # the other one is logged out


def test_password_validators_reject_short_password(login, staff, password):
    client = login(staff)
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "kort", "new_password2": "kort"},
    )
    assert response.status_code == 200
    assert "för kort" in response.content.decode()


def test_language_switch_to_english_and_back(client):
    response = client.post("/sprak/", {"language": "en", "next": LOGIN}, follow=True)
    assert '<html lang="en">' in response.content.decode()
    assert "Log in to Skoldigistöd" in response.content.decode()
    response = client.post("/sprak/", {"language": "sv", "next": LOGIN}, follow=True)
    assert '<html lang="sv">' in response.content.decode()


def test_browser_language_does_not_override_swedish_default(client):
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="sv">' in response.content.decode()


def test_security_headers_and_csp_nonce(client):
    response = client.get(LOGIN)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_accessibility_statement_is_public_and_linked(client):
    login_page = client.get(LOGIN).content.decode()
    assert 'href="/tillganglighet/"' in login_page
    response = client.get("/tillganglighet/")
    assert response.status_code == 200
    assert "Tillgänglighetsredogörelse" in response.content.decode()


def test_demo_notice_shown_only_when_demo_data_loaded(client):
    from portal.models import DemoDataset

    assert "Demonstrationsdata" not in client.get(LOGIN).content.decode()
    DemoDataset.objects.create()
    assert "Demonstrationsdata" in client.get(LOGIN).content.decode()
