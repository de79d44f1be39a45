"""portal.formatting's quick paths write exactly what Django's number formatting writes."""

from decimal import Decimal

import pytest
from django.utils import numberformat, translation
from django.utils.formats import get_format
from hypothesis import given
from hypothesis import strategies as st

from portal import formatting

NUMBERS = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e7, max_value=1e7),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)


def _django(value, places: int) -> str:
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR"),
        places,
        get_format("NUMBER_GROUPING"),
        get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


@pytest.mark.parametrize("language", ["sv", "en"])
@given(value=NUMBERS, places=st.integers(min_value=0, max_value=3))
def test_number_format_writes_what_django_writes(language, value, places):
    with translation.override(language):
        assert formatting.number_format(value, places) == _django(value, places)


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (12.5, 1, "12,5"),
        (12.39, 1, "12,3"),  # cut off, not rounded, as Django does
        (-0.5, 1, "-0,5"),
        (1234567.0, 0, "1\xa0234\xa0567"),
        (-1234.25, 2, "-1\xa0234,25"),
        (5, 2, "5,00"),
        (-12345, 0, "-12\xa0345"),
        (1e16, 0, "10\xa0000\xa0000\xa0000\xa0000\xa0000"),
        (Decimal("2.5"), 1, "2,5"),
    ],
)
def test_numbers_the_swedish_way(value, places, shown):
    with translation.override("sv"):
        assert formatting.number_format(value, places) == shown
