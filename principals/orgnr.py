"""Swedish organisation numbers: validated with python-stdnum plus Bolagsverket's own rules.

Stored as NNNNNN-NNNN. python-stdnum checks only length and the Luhn digit (and quietly turns
full-width digits into ASCII), so the rules below refuse what no register would ever issue:
digits other than 0-9, group digit 0, a third digit below 2 (that is a personnummer: the
portal does not store personal identity numbers, see docs/import.md), and numbers made of one
repeated digit. Public organiser types must be in group 2 (state, regions, municipalities).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

SEPARATORS = " -\t\u00a0"
ASCII_DIGITS = frozenset("0123456789")
PUBLIC_BODY_GROUP = "2"  # stat, regioner, kommuner, kommunalförbund, församlingar


def _error(message: str, code: str, value) -> ValidationError:
    return ValidationError(message, code=code, params={"value": str(value)[:40]})


def normalise(value: str) -> str:
    """Return NNNNNN-NNNN or raise ValidationError saying what is wrong with the number.

    Accepts spaces, no dash and the 16-prefixed 12-digit form.
    """
    text = str(value)
    raw = "".join(ch for ch in text if ch not in SEPARATORS)
    if any(ch.isdigit() and ch not in ASCII_DIGITS for ch in raw):
        raise _error(
            _("“%(value)s” contains digits other than 0–9 (for example full-width digits)."),
            "non_ascii_digits",
            value,
        )
    if len(raw) == 12 and raw.isdigit() and raw[:2] in ("19", "20"):
        raise _error(
            _(
                "“%(value)s” is a personal identity number (personnummer), not an "
                "organisation number."
            ),
            "personal_number",
            value,
        )
    if len(raw) == 12 and raw.startswith("16"):
        raw = raw[2:]
    if not (len(raw) == 10 and all(ch in ASCII_DIGITS for ch in raw)):
        raise _error(
            _("“%(value)s” is not an organisation number: it has 10 digits (NNNNNN-NNNN)."),
            "invalid_format",
            value,
        )
    if len(set(raw)) == 1:
        raise _error(
            _("“%(value)s” is not a real organisation number (one repeated digit)."),
            "impossible",
            value,
        )
    if raw[0] == "0":
        raise _error(
            _("“%(value)s” is not an organisation number: the first digit (group) is 1–9."),
            "invalid_group",
            value,
        )
    if raw[2] in "01":
        raise _error(
            _(
                "“%(value)s” looks like a personal identity number (the third digit is 0 or "
                "1; in an organisation number it is 2 or more). Sole traders are not imported."
            ),
            "personal_number",
            value,
        )
    try:
        compact = orgnr.validate(raw)
    except StdnumError:
        raise _error(
            _("“%(value)s” is not a valid organisation number: the check digit is wrong."),
            "invalid_checksum",
            value,
        ) from None
    return orgnr.format(compact)


def validate(value: str) -> None:
    normalise(value)


def is_public_body(number: str) -> bool:
    """Group 2 holds the state, regions, municipalities and associations of local authorities."""
    return number[:1] == PUBLIC_BODY_GROUP
