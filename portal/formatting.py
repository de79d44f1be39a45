"""Numbers the Swedish way, for pages, e-mails, exports, the final report and the history alike.

The one place that knows how an amount, a count or a share is written: a non-breaking space
groups thousands and separates the unit ("5 000 000 kr", "12,5 %"), the decimal comma comes
from the active language.
"""

import functools
from decimal import Decimal, InvalidOperation

from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import get_language


@functools.cache
def _separators(language: str | None) -> tuple[str, int, str]:
    """The language's decimal separator, grouping and thousands separator (fixed by Django's
    locale formats; a dashboard formats thousands of cells, so they are looked up once)."""
    return (
        get_format("DECIMAL_SEPARATOR", language),
        get_format("NUMBER_GROUPING", language),
        get_format("THOUSAND_SEPARATOR", language),
    )


def number_format(value, places: int) -> str:
    """Django's number_format(value, places), the separators looked up once per language.
    Whole numbers and ordinary floats in groups of three go straight through Python's format
    (a dashboard writes hundreds of shares): the same text as Django's, which cuts the
    decimals off rather than rounding them (tests/portal/test_formatting.py compares the two)."""
    decimal_sep, grouping, thousand_sep = _separators(get_language())
    if grouping == 3:
        kind = type(value)
        if kind is int:
            grouped = f"{value:,}".replace(",", thousand_sep)
            return grouped + decimal_sep + "0" * places if places else grouped
        if kind is float:
            text = repr(value)  # what Django splits; "1e+16", "inf" and "nan" go to Django
            if "e" not in text and "n" not in text:
                sign = "-" if text[0] == "-" else ""
                whole, _, fraction = text.lstrip("-").partition(".")
                grouped = sign + f"{int(whole):,}".replace(",", thousand_sep)
                if not places:
                    return grouped
                return grouped + decimal_sep + fraction[:places].ljust(places, "0")
    return numberformat.format(
        value, decimal_sep, places, grouping, thousand_sep, force_grouping=True
    )


def kr(value) -> str:
    """An amount the Swedish way: 5 000 000 kr (öre shown only when there are any)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    places = 0 if amount == amount.to_integral_value() else 2
    return f"{number_format(amount, places)}\xa0kr"


def integer(value) -> str:
    """A count with its thousands grouped: 12 345."""
    return number_format(value, 0)


def decimal(value, places: int = 1) -> str:
    """A measure with `places` decimals: 3,5."""
    return number_format(value, places)


def percent(value) -> str:
    """A share in per cent with one decimal: 12,5 %."""
    return f"{number_format(value, 1)}\xa0%"
