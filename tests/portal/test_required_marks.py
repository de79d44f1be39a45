"""Every required field says so in words in its label; optional fields do not."""

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

LABEL = re.compile(r'<label[^>]*for="([^"]+)"[^>]*>(.*?)</label>', re.S)


def _labels(html: str) -> dict[str, str]:
    return {for_id: re.sub(r"<[^>]+>", "", text) for for_id, text in LABEL.findall(html)}


def _required_inputs(html: str) -> set[str]:
    tags = re.findall(r"<(?:input|select|textarea)\b[^>]*>", html)
    return {
        re.search(r'id="([^"]+)"', tag).group(1)
        for tag in tags
        if " required" in tag and 'id="' in tag and 'type="hidden"' not in tag
    }


@pytest.mark.parametrize(
    ("who", "url_name"),
    [
        (None, "login"),
        ("staff", "agreement:agreement-create"),
        ("staff", "readiness:round-create"),
    ],
)
def test_required_fields_are_marked_in_words(request, who, url_name, principal_a, login):
    client = Client() if who is None else login(request.getfixturevalue(who))
    html = client.get(reverse(url_name)).content.decode()
    labels = _labels(html)
    required = _required_inputs(html)
    assert required, "the form has required fields"
    for field_id in required:
        assert "(obligatoriskt)" in labels.get(field_id, ""), (field_id, labels.get(field_id))
    # A required select whose first choice is a real one has no `required` attribute (there
    # is nothing to leave empty), so only text inputs are checked the other way round.
    text_inputs = set(re.findall(r'<(?:input|textarea)\b[^>]*id="([^"]+)"', html))
    for field_id, text in labels.items():
        if field_id in text_inputs and field_id not in required and "(obligatoriskt)" in text:
            pytest.fail(f"{field_id} is optional but marked required")


def test_the_empty_choice_is_swedish(staff, login):
    html = login(staff).get(reverse("readiness:round-create")).content.decode()
    assert "Select an option" not in html
    assert "– Välj –" in html
