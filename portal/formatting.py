"""Numbers the Swedish way, for pages, e-mails, exports, the final report and the history alike.

The one place that knows how an amount, a count or a share is written: a non-breaking space
groups thousands and separates the unit ("5 000 000 kr", "12,5 %"), the decimal comma comes
from the active language.
"""

from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format


def kr(value) -> str:
    """An amount the Swedish way: 5 000 000 kr (öre shown only when there are any)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    places = 0 if amount == amount.to_integral_value() else 2
    return f"{number_format(amount, places, force_grouping=True)}\xa0kr"


def integer(value) -> str:
    """A count with its thousands grouped: 12 345."""
    return number_format(value, 0, force_grouping=True)


def decimal(value, places: int = 1) -> str:
    """A measure with `places` decimals: 3,5."""
    return number_format(value, places, force_grouping=True)


def percent(value) -> str:
    """A share in per cent with one decimal: 12,5 %."""
    return f"{number_format(value, 1, force_grouping=True)}\xa0%"
