"""Numbers the Swedish way, for pages, e-mails and the history alike."""

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
