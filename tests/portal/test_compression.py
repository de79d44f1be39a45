"""Pages and static files travel compressed, padded against BREACH (ADR 0006)."""

import gzip

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_page_is_sent_compressed_when_the_browser_accepts_it(client):
    plain = client.get(reverse("login"))
    packed = client.get(reverse("login"), headers={"accept-encoding": "gzip, br"})
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert "<html" in html and len(packed.content) < len(plain.content) / 2


def test_the_compressed_length_varies_between_identical_pages(client):
    sizes = {
        len(client.get(reverse("login"), headers={"accept-encoding": "gzip"}).content)
        for _ in range(8)
    }
    assert len(sizes) > 1  # Django pads each response with random bytes (BREACH)
