"""Swedish organisation numbers: validated in full, stored as NNNNNN-NNNN.

python-stdnum checks only the length and the Luhn check digit, so 000000-0000 and 555555-5555
pass it. The rules it leaves out are Skatteverket's: digits 3–4 are at least 20 (otherwise it is
a personal identity number) and the first digit is a legal-form group. See docs/import.md.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

SEPARATORS = " -\t\u00a0\u2009\u202f"
# The first digit is the legal-form group (Skatteverket): 1 estates (dödsbon), 2 the state,
# regions, municipalities and parishes, 3 foreign companies, 5 aktiebolag, 6 enkla bolag,
# 7 ekonomiska föreningar, 8 ideella föreningar and stiftelser, 9 handels- and kommanditbolag.
# 0 and 4 are not used.
GROUPS = frozenset("12356789")
PUBLIC_GROUP = "2"
ESTATES_GROUP = "1"


def _invalid(reason: str, code: str) -> ValidationError:
    return ValidationError(
        _("Not a valid organisation number: %(reason)s") % {"reason": reason}, code=code
    )


def normalise(value: str) -> str:
    """Return NNNNNN-NNNN or raise ValidationError saying which rule the number breaks.

    Accepts spaces, no dash and the 12-digit form with the prefix 16.
    """
    raw = "".join(ch for ch in str(value) if ch not in SEPARATORS)
    if any(ch.isdigit() and ch not in "0123456789" for ch in raw):
        raise _invalid(
            _("it contains digits other than 0–9 (such as Arabic-Indic or full-width digits)."),
            "orgnr_digits",
        )
    if len(raw) == 12 and raw.startswith("16"):
        raw = raw[2:]
    if not (raw.isascii() and raw.isdigit()) or len(raw) != 10:
        raise _invalid(
            _("it has 10 digits (NNNNNN-NNNN), or 12 starting with 16."), "orgnr_format"
        )
    try:
        orgnr.validate(raw)
    except InvalidChecksum:
        raise _invalid(
            _("the check digit (the last digit) does not match, so a digit is wrong."),
            "orgnr_checksum",
        ) from None
    except StdnumError:  # pragma: no cover - length and digits are checked above
        raise _invalid(
            _("it has 10 digits (NNNNNN-NNNN), or 12 starting with 16."), "orgnr_format"
        ) from None
    if len(set(raw)) == 1:
        raise _invalid(
            _("all its digits are the same, which is a placeholder, not a number."),
            "orgnr_placeholder",
        )
    if int(raw[2:4]) < 20:
        raise _invalid(
            _(
                "digits 3–4 are below 20, so it is a personal identity number, not the "
                "number of an organisation."
            ),
            "orgnr_personal",
        )
    if raw[0] not in GROUPS:
        raise _invalid(
            _("no legal form has the first digit %(digit)s.") % {"digit": raw[0]},
            "orgnr_group",
        )
    return orgnr.format(raw)


def organiser_problem(number: str, *, public: bool, type_label: str) -> str | None:
    """Why a valid number cannot belong to a school organiser of this type, or None."""
    group = number[0]
    if group == ESTATES_GROUP:
        return _(
            "Not a valid organisation number for a school organiser: the first digit 1 is "
            "for estates of deceased persons (dödsbon)."
        )
    if public and group != PUBLIC_GROUP:
        return _(
            "Not a valid organisation number for a public organiser (%(type)s): public "
            "bodies have numbers starting with 2."
        ) % {"type": type_label}
    return None


def validate(value: str) -> None:
    normalise(value)
