"""Swedish organisation numbers: validated with python-stdnum, stored as NNNNNN-NNNN."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr


def normalise(value: str) -> str:
    """Return NNNNNN-NNNN or raise ValidationError; accepts spaces, no dash and the 16 prefix."""
    raw = "".join(ch for ch in str(value) if ch not in " -\t\u00a0")
    if len(raw) == 12 and raw.startswith("16"):
        raw = raw[2:]
    try:
        compact = orgnr.validate(raw)
    except StdnumError:
        raise ValidationError(
            _("“%(value)s” is not a valid Swedish organisation number (NNNNNN-NNNN)."),
            code="invalid_orgnr",
            params={"value": str(value)[:40]},
        ) from None
    return orgnr.format(compact)


def validate(value: str) -> None:
    normalise(value)
