"""400, 403, 404 and 500 are the portal's own pages: in Swedish (English when chosen), in the
portal's layout, with a way back and nothing technical; 403 also when DEBUG is on."""

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

HEADINGS = {
    400: ("Begäran kunde inte hanteras", "The request could not be handled"),
    403: ("Du har inte behörighet till sidan", "You do not have access to this page"),
    404: ("Sidan finns inte", "The page cannot be found"),
    500: ("Något gick fel hos oss", "Something went wrong on our side"),
}
TECHNICAL = ["Traceback", "RuntimeError", "secret-internal-detail", "Exception", "DEBUG"]


def _check(response, status: int, language: str = "sv"):
    assert response.status_code == status
    text = response.content.decode()
    swedish, english = HEADINGS[status]
    assert f"<h1>{swedish if language == 'sv' else english}</h1>" in text
    assert f'<html lang="{language}">' in text
    assert 'class="site-header"' in text and 'class="site-footer"' in text
    assert 'href="/"' in text  # a way back
    for word in TECHNICAL:
        assert word not in text, word


def _client(language: str = "sv") -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize("language", ["sv", "en"])
def test_404(language):
    _check(_client(language).get("/finns-inte/"), 404, language)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_403(language, editor_a, principal_b):
    client = _client(language)
    client.force_login(editor_a, backend="portal.backends.PortalModelBackend")
    _check(client.get(reverse("principals:principal-list")), 403, language)


@override_settings(DEBUG=True)
def test_403_also_when_debug_is_on(editor_a):
    client = _client()
    client.force_login(editor_a, backend="portal.backends.PortalModelBackend")
    _check(client.get(reverse("principals:principal-list")), 403)


def test_400_for_a_bad_host_header():
    _check(_client().get("/", HTTP_HOST="inte en värd"), 400)


@override_settings(ROOT_URLCONF="tests.portal.error_urls")
@pytest.mark.parametrize("language", ["sv", "en"])
def test_500(language):
    _check(_client(language).get("/test-fel/"), 500, language)


def test_an_expired_form_explains_itself(editor_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor_a, backend="portal.backends.PortalModelBackend")
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    text = response.content.decode()
    assert "<h1>Formuläret har gått ut</h1>" in text
    assert "CSRF" not in text
