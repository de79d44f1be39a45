"""Open data can be found: from the login page and every page's footer, and from the menu of
organiser users."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_find_open_data_from_the_login_page():
    html = Client().get(reverse("login")).content.decode()
    url = reverse("reporting:opendata")
    assert html.count(f'href="{url}"') == 2  # in the text and in the footer
    assert Client().get(url).status_code == 200


def test_organisers_have_it_in_their_menu(editor_a, login):
    html = login(editor_a).get(reverse("portal:start"), follow=True).content.decode()
    menu = html.split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert reverse("reporting:opendata") in menu
    assert "Nationella siffror och öppna data" in menu


def test_pages_have_a_description_and_an_icon():
    html = Client().get(reverse("login")).content.decode()
    assert '<meta name="description" content="Skoldigistöd: SKR:s stöd' in html
    assert 'rel="icon" href="/static/img/favicon.svg"' in html
    assert Client().get("/static/img/favicon.svg").status_code == 200


@pytest.mark.parametrize("name", ["reporting:opendata", "reporting:opendata-readiness"])
def test_large_public_pages_are_compressed(name):
    args = ["json"] if name.endswith("readiness") else []
    response = Client().get(reverse(name, args=args), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
