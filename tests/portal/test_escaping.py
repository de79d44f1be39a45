"""portal/escaping.py gives Django's escaping exactly, for the values the dashboards pass."""

import pytest
from django.utils import html as django_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from portal import escaping

VALUES = [
    "",
    "Åre & Östersund",
    '<script>alert("x")</script>',
    "it's 12\xa0%",
    12345,
    3.5,
    None,
    gettext_lazy("Note"),
    mark_safe("<b>kept</b>"),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_escaping_matches_django(value):
    assert escaping.escape(value) == django_html.escape(value)
    assert escaping.conditional_escape(value) == django_html.conditional_escape(value)
