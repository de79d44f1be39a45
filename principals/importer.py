"""Import of Skolverket's register (Skolenhetsregistret API v2 JSON, or the documented CSV).

parse → validate every record → plan (create / change / deactivate / reject) → apply in one
transaction. The plan is computed again inside the transaction, under a lock, so two imports of
the same file at the same time leave the same result as one. Nothing is ever deleted.
See docs/import.md for the accepted shapes and columns.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import time
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal import audit
from portal.models import AuditEvent
from portal.signals import principals_changed

from . import orgnr
from .models import County, Municipality, Principal, SchoolUnit

Action = AuditEvent.Action
ADVISORY_LOCK_KEY = 4_711_004  # pg_advisory_xact_lock key for register imports
MAX_PROBLEMS_SHOWN = 500

ORGANISER_FIELDS = {
    "organizationNumber",
    "organisationNumber",
    "displayName",
    "name",
    "organizerType",
    "municipalities",
    "municipalityCodes",
    "countyCode",
    "email",
    "phone",
    "phoneNumber",
    "pupils",
    "numberOfPupils",
    "regions",
    "relationships",
}
UNIT_FIELDS = {
    "schoolUnitCode",
    "displayName",
    "name",
    "status",
    "schoolUnitType",
    "schoolTypes",
    "municipalityCode",
    "organizationNumber",
    "organizerOrganizationNumber",
    "organizer",
    "startDate",
    "startdate",
    "endDate",
    "included",
}
# Envelope keys of the API's answers that are not records themselves.
ENVELOPE_KEYS = {"type", "id", "links", "meta", "attributes"}


class ImportFileError(Exception):
    """The file as a whole cannot be read (not JSON/CSV, wrong shape)."""


@dataclass
class Problem:
    position: str
    field: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {
            "position": self.position,
            "field": self.field,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass
class OrganiserRow:
    position: str
    number: str
    values: dict[str, Any]
    municipality_codes: list[str] | None


@dataclass
class UnitRow:
    position: str
    code: str
    organiser_number: str
    values: dict[str, Any]


@dataclass
class Parsed:
    organisers: list[dict[str, Any]] = field(default_factory=list)  # raw records with _position
    units: list[dict[str, Any]] = field(default_factory=list)
    skipped_fields: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    # file name -> "list" (the API's list answer) or "detail" or "records": for the notes
    shapes: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class Plan:
    total: int = 0
    created: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    deactivated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    skipped_fields: dict[str, int] = field(default_factory=dict)
    full: bool = False
    applied: bool = False
    notes: list[str] = field(default_factory=list)
    not_linked: int = 0
    # internal: what apply() needs
    organiser_rows: list[OrganiserRow] = field(default_factory=list, repr=False)
    unit_rows: list[UnitRow] = field(default_factory=list, repr=False)

    @property
    def rejected_positions(self) -> set[str]:
        return {p.position for p in self.problems}

    @property
    def moves(self) -> list[dict[str, Any]]:
        """Changes of an organiser's type, county or municipalities: they move published figures."""
        return [item for item in self.changed if item.get("move")]

    def summary(self) -> dict[str, Any]:
        """A JSON-safe report for the terminal, the browser and ImportBatch.report."""
        return {
            "total": self.total,
            "created": self.created,
            "changed": self.changed,
            "deactivated": self.deactivated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected_positions),
            "problems": [p.as_dict() for p in self.problems[:MAX_PROBLEMS_SHOWN]],
            "problem_count": len(self.problems),
            "skipped_fields": self.skipped_fields,
            "notes": self.notes,
            "not_linked": self.not_linked,
            "moves": self.moves,
            "full": self.full,
            "applied": self.applied,
        }


# ----------------------------------------------------------------------------- parsing


def parse_bytes(content: bytes, filename: str, parsed: Parsed | None = None) -> Parsed:
    """Read one file into raw records; JSON or CSV is decided by the content."""
    parsed = parsed or Parsed()
    parsed.sources.append(filename)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    # NUL characters mean UTF-16 or binary (and PostgreSQL cannot store them in text).
    if text is None or "\x00" in text:
        raise ImportFileError(
            _("%(file)s is not UTF-8 text. Save it as UTF-8 and try again.") % {"file": filename}
        )
    stripped = text.lstrip()
    if not stripped:
        raise ImportFileError(_("%(file)s is empty.") % {"file": filename})
    if stripped[0] in "[{":
        _parse_json(text, filename, parsed)
    else:
        _parse_csv(text, filename, parsed)
    return parsed


def parse_paths(paths: Iterable[str]) -> Parsed:
    parsed = Parsed()
    for path in paths:
        try:
            with open(path, "rb") as fh:
                content = fh.read()
        except OSError as exc:
            raise ImportFileError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc.strerror}
            ) from None
        parse_bytes(content, str(path), parsed)
    return parsed


def _parse_json(text: str, filename: str, parsed: Parsed) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            _("%(file)s is not valid JSON (line %(line)s, column %(col)s: %(msg)s).")
            % {"file": filename, "line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ) from None
    except RecursionError:  # nested deeper than Python's parser goes: no register looks so
        raise ImportFileError(
            _("%(file)s is not valid JSON (line %(line)s, column %(col)s: %(msg)s).")
            % {"file": filename, "line": 1, "col": 1, "msg": "nested too deeply"}
        ) from None
    except ValueError:  # a number of more than 4 300 digits: Python refuses to read it
        raise ImportFileError(
            _("%(file)s is not valid JSON (line %(line)s, column %(col)s: %(msg)s).")
            % {"file": filename, "line": 1, "col": 1, "msg": "a number is too long"}
        ) from None
    if "\\u0000" in text.lower():  # an escaped NUL: PostgreSQL cannot store it in text
        line = text[: text.lower().index("\\u0000")].count("\n") + 1
        raise ImportFileError(
            _("%(file)s is not valid JSON (line %(line)s, column %(col)s: %(msg)s).")
            % {"file": filename, "line": line, "col": 1, "msg": "\\u0000 is not allowed"}
        )
    found = False
    if isinstance(data, dict):
        for key, kind in (
            ("organizers", "organiser"),
            ("organisers", "organiser"),
            ("schoolUnits", "unit"),
            ("school-units", "unit"),
        ):
            if key in data:
                found = True
                _collect(data[key], kind, filename, parsed, key)
        if not found and "data" in data:
            found = True
            _collect_envelope(data["data"], filename, parsed, data.get("included"))
        if not found and ("schoolUnitCode" in data or "organizationNumber" in data):
            found = True
            _collect([data], None, filename, parsed, "")
    elif isinstance(data, list):
        found = True
        if data and all(isinstance(item, dict) and "data" in item for item in data):
            _collect_answers(data, filename, parsed)
        else:
            _collect(data, None, filename, parsed, "")
    if not found:
        raise ImportFileError(
            _(
                "%(file)s does not look like Skolverket's register: expected “data”, "
                "“organizers” or “schoolUnits”."
            )
            % {"file": filename}
        )


def _collect_envelope(data: Any, filename: str, parsed: Parsed, included: Any = None) -> None:
    """The API's list answer {"data": {"type": ..., "attributes": [...]}}, a detail answer
    {"data": {"type": ..., "schoolUnitCode": ..., "attributes": {...}}, "included": {...}}, or a
    list of JSON:API resources."""
    if isinstance(data, dict):
        kind = _kind_of_type(data.get("type"))
        attributes = data.get("attributes")
        if isinstance(attributes, list):
            parsed.shapes.setdefault(filename, set()).add("list")
            _collect(attributes, kind, filename, parsed, "data.attributes")
        else:
            parsed.shapes.setdefault(filename, set()).add("detail")
            record = dict(data)
            if included is not None:
                record["included"] = included
            _collect([record], kind, filename, parsed, "data")
    elif isinstance(data, list):
        _collect(data, None, filename, parsed, "data")
    else:
        raise ImportFileError(_("%(file)s: “data” holds no records.") % {"file": filename})


def _collect_answers(answers: list[dict], filename: str, parsed: Parsed) -> None:
    """A list of the API's detail answers, one per organiser or school unit, saved in one file."""
    parsed.shapes.setdefault(filename, set()).add("detail")
    for index, answer in enumerate(answers, start=1):
        data, included = answer.get("data"), answer.get("included")
        record = dict(data) if isinstance(data, dict) else data
        if isinstance(record, dict) and included is not None:
            record["included"] = included
        kind = _kind_of_type(data.get("type")) if isinstance(data, dict) else None
        _collect([record], kind, filename, parsed, "data", first=index)


COMBINED_KEYS = ("organizers", "organisers", "schoolUnits", "school-units")


def _position(filename: str, index: int, in_list: str = "") -> str:
    if in_list:
        return _("%(file)s, %(list)s, record %(n)s") % {
            "file": filename,
            "list": in_list,
            "n": index,
        }
    return _("%(file)s, record %(n)s") % {"file": filename, "n": index}


def _kind_of_type(value: Any) -> str | None:
    text = str(value or "").lower().replace("-", "").replace("_", "")
    if text.startswith("organi"):
        return "organiser"
    if text.startswith("schoolunit"):
        return "unit"
    return None


def _flatten(item: dict[str, Any]) -> dict[str, Any]:
    """JSON:API resources carry their fields under "attributes"; merge them up."""
    record = {k: v for k, v in item.items() if k != "attributes"}
    attributes = item.get("attributes")
    if isinstance(attributes, dict):
        record.update(attributes)
    return record


def _collect(
    items: Any, kind: str | None, filename: str, parsed: Parsed, path: str, first: int = 1
) -> None:
    if not isinstance(items, list):
        raise ImportFileError(
            _("%(file)s: “%(path)s” should be a list of records.")
            % {"file": filename, "path": path}
        )
    if not path:
        parsed.shapes.setdefault(filename, set()).add("records")
    # A combined file has several lists: name the list so that positions stay unique.
    in_list = path if path in COMBINED_KEYS else ""
    for index, item in enumerate(items, start=first):
        position = _position(filename, index, in_list)
        if not isinstance(item, dict):
            parsed.problems.append(
                Problem(position, "", _short(item), _("The record is not a JSON object."))
            )
            continue
        record = _flatten(item)
        record_kind = kind or _kind_of_type(item.get("type"))
        if record_kind is None:
            record_kind = "unit" if "schoolUnitCode" in record else "organiser"
        known = UNIT_FIELDS if record_kind == "unit" else ORGANISER_FIELDS
        for key in record:
            if key not in known and key not in ENVELOPE_KEYS:
                name = _short(key)
                parsed.skipped_fields[name] = parsed.skipped_fields.get(name, 0) + 1
        record["_position"] = position
        record["_file"] = filename
        (parsed.units if record_kind == "unit" else parsed.organisers).append(record)


CSV_ORGANISER_COLUMNS = [
    "organizationNumber",
    "displayName",
    "organizerType",
    "municipalityCodes",
    "email",
    "phone",
    "pupils",
]
CSV_UNIT_COLUMNS = [
    "schoolUnitCode",
    "displayName",
    "status",
    "schoolUnitType",
    "schoolTypes",
    "municipalityCode",
    "organizationNumber",
    "startDate",
    "endDate",
]


def _parse_csv(text: str, filename: str, parsed: Parsed) -> None:
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportFileError(
            _("%(file)s could not be read as CSV (line %(line)s: %(msg)s).")
            % {"file": filename, "line": reader.line_num, "msg": exc}
        ) from None
    reader.fieldnames = header
    if "schoolUnitCode" in header:
        kind, required = "unit", {"schoolUnitCode", "displayName", "organizationNumber"}
        known = set(CSV_UNIT_COLUMNS)
    elif "organizationNumber" in header:
        kind, required = "organiser", {"organizationNumber", "displayName", "organizerType"}
        known = set(CSV_ORGANISER_COLUMNS)
    else:
        raise ImportFileError(
            _(
                "%(file)s is neither JSON nor a CSV file with the columns described in the "
                "import instructions (first row: %(header)s)."
            )
            % {"file": filename, "header": _short(first_line)}
        )
    missing = required - set(header)
    if missing:
        raise ImportFileError(
            _("%(file)s lacks the required columns: %(columns)s.")
            % {"file": filename, "columns": ", ".join(sorted(missing))}
        )
    parsed.shapes.setdefault(filename, set()).add("csv")
    for column in header:
        if column not in known:
            name = _short(column)
            parsed.skipped_fields[name] = parsed.skipped_fields.get(name, 0) + 1
    try:
        for row in reader:
            position = _("%(file)s, line %(n)s") % {"file": filename, "n": reader.line_num}
            record: dict[str, Any] = {}
            for key, value in row.items():
                if key is None or key not in known:
                    continue
                value = (value or "").strip()
                if key in ("municipalityCodes", "schoolTypes"):
                    record["municipalities" if key == "municipalityCodes" else key] = [
                        part.strip() for part in value.split("|") if part.strip()
                    ]
                elif value != "" or key in ("email", "phone"):
                    record[key] = value
            record["_position"] = position
            record["_file"] = filename
            (parsed.units if kind == "unit" else parsed.organisers).append(record)
    except csv.Error as exc:
        raise ImportFileError(
            _("%(file)s could not be read as CSV (line %(line)s: %(msg)s).")
            % {"file": filename, "line": reader.line_num, "msg": exc}
        ) from None


# Control characters, lone surrogates (which no database can store) and line separators:
# the Unicode categories Cc, Cs, Zl and Zp, as one pattern because it runs on every value.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _short(value: Any) -> str:
    """A value as the reports show it: short, with unprintable characters written as escapes."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            text = repr(value)
    text = text if len(text) <= 80 else text[:77] + "..."
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in UNSAFE_CATEGORIES
        else ch
        for ch in text
    )


# ----------------------------------------------------------------------------- validation


@dataclass
class Reference:
    municipalities: dict[str, Municipality]
    counties: dict[str, County]

    @classmethod
    def load(cls) -> Reference:
        municipalities = {m.code: m for m in Municipality.objects.select_related("county")}
        counties = {c.code: c for c in County.objects.all()}
        return cls(municipalities, counties)


def _first(record: dict[str, Any], *keys: str) -> tuple[str, Any]:
    for key in keys:
        if key in record:
            return key, record[key]
    return keys[0], None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


PUPILS_MAX = BaseDatabaseOperations.integer_field_ranges["PositiveIntegerField"][1]
ISO_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
MISSING = object()


def _kind_of_value(value: Any) -> str:
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("an object")
    return _("a number")


class _Fields:
    """Reads one record's fields; every problem found is kept, none raises."""

    def __init__(self, record: dict[str, Any]):
        self.record = record
        self.position = record["_position"]
        self.bad: list[Problem] = []

    def problem(self, key: str, value: Any, reason: str) -> None:
        self.bad.append(Problem(self.position, key, _short(value) if value != "" else "", reason))

    def text(
        self,
        key: str,
        value: Any,
        *,
        required: bool = False,
        max_length: int | None = None,
        digits: bool = False,
    ) -> Any:
        """The field as clean text; MISSING when absent; None when it has a problem."""
        if value is MISSING:
            if required:
                self.problem(key, "", _("A required field is missing."))
            return MISSING
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.problem(
                key,
                value,
                _("Should be text, not %(kind)s.") % {"kind": _kind_of_value(value)},
            )
            return None
        text = value.strip()
        if required and text == "":
            self.problem(key, "", _("A required field is missing."))
            return None
        if UNSAFE.search(text):
            self.problem(key, text, _("Contains control characters or line breaks."))
            return None
        if (
            digits
            and not text.isascii()
            and any(ch.isdigit() and ch not in orgnr.ASCII_DIGITS for ch in text)
        ):
            self.problem(
                key,
                text,
                _("Contains digits other than 0–9 (for example full-width or Arabic-Indic)."),
            )
            return None
        if max_length is not None and len(text) > max_length:
            self.problem(
                key,
                text,
                _("Too long: %(length)s characters, at most %(max)s fit.")
                % {"length": len(text), "max": max_length},
            )
            return None
        return text

    def get(self, *keys: str, **kwargs) -> tuple[str, Any]:
        for key in keys:
            if key in self.record:
                return key, self.text(key, self.record[key], **kwargs)
        return keys[0], self.text(keys[0], MISSING, **kwargs)

    def organisation_number(self, key: str, value: Any, *, required: bool = True) -> str:
        text = self.text(key, value, required=required)
        if not isinstance(text, str) or text == "":
            return ""
        number, error = _normalised(text, get_language())
        if error:
            self.problem(key, text, error)
        return number

    def date(self, key: str) -> Any:
        text = self.text(key, self.record[key])
        if not isinstance(text, str):
            return MISSING
        if text == "":
            return None
        if ISO_DATE.fullmatch(text):
            try:
                return date.fromisoformat(text[:10])
            except ValueError:
                pass
        self.problem(
            key,
            text,
            _("Not a calendar date in the form YYYY-MM-DD (week and ordinal dates are not used)."),
        )
        return MISSING

    def whole_number(self, key: str, value: Any, maximum: int) -> Any:
        """A count: an integer or digits, 0 to maximum; MISSING when it has a problem."""
        if value is None or value == "":
            return None
        if isinstance(value, (bool, list, dict)):
            self.problem(
                key, value, _("Should be a number, not %(kind)s.") % {"kind": _kind_of_value(value)}
            )
            return MISSING
        if isinstance(value, float):
            count = int(value) if value.is_integer() else None
        elif isinstance(value, int):
            count = value
        else:
            text = self.text(key, value, digits=True)
            if not isinstance(text, str):
                return MISSING
            compact = text.replace(" ", "").replace("\xa0", "")
            ascii_digits = bool(compact) and all(c in orgnr.ASCII_DIGITS for c in compact)
            count = int(compact) if ascii_digits else None
        if count is None or count < 0:
            self.problem(key, value, _("The number of pupils must be a whole number of 0 or more."))
            return MISSING
        if count > maximum:
            self.problem(
                key,
                value,
                _("Out of range: at most %(max)s.") % {"max": f"{maximum:,}".replace(",", " ")},
            )
            return MISSING
        return count


@functools.lru_cache(maxsize=50_000)
def _normalised(text: str, language: str) -> tuple[str, str]:
    """(number, "") or ("", the reason): thousands of units name the same few organisers."""
    try:
        return orgnr.normalise(text), ""
    except ValidationError as error:
        return "", error.messages[0]


def _contact(value: Any, inner: str) -> Any:
    """The detail answer gives e-mail and phone as lists of {"providerType", inner}: take the
    first one given."""
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        for item in value:
            if item.get(inner) not in (None, ""):
                return item.get(inner)
        return ""
    return value


def _validate_organisers(raw: list[dict], ref: Reference, problems: list[Problem]):
    rows: list[OrganiserRow] = []
    seen: dict[str, str] = {}
    types = set(Principal.OrganiserType.values)
    public_types = {str(t) for t in Principal.PUBLIC_TYPES} | {Principal.OrganiserType.SPECIAL}
    for record in raw:
        position = record["_position"]
        fields = _Fields(record)
        key, value = _first(record, "organizationNumber", "organisationNumber")
        number = fields.organisation_number(key, value if key in record else MISSING)
        if number and number in seen:
            fields.problem(
                key,
                number,
                _("The organisation number appears twice in the file (first at %(pos)s).")
                % {"pos": seen[number]},
            )
        _name_key, name = fields.get(
            "displayName", "name", required=True, max_length=_max_length(Principal, "name")
        )
        _tkey, otype = fields.get("organizerType", required=True)
        otype = otype.upper() if isinstance(otype, str) else ""
        if otype and otype not in types:
            fields.problem(
                "organizerType",
                record.get("organizerType"),
                _("Unknown organiser type; expected one of %(types)s.")
                % {"types": ", ".join(sorted(types))},
            )
        elif otype in public_types and number and not orgnr.is_public_body(number):
            fields.problem(
                key,
                number,
                _(
                    "An organiser of type %(type)s is a public body: its organisation number "
                    "starts with 2."
                )
                % {"type": otype},
            )
        values: dict[str, Any] = {"name": name, "organiser_type": otype}
        codes: list[str] | None = None
        mkey, mvalue = _first(record, "municipalities", "municipalityCodes")
        if mvalue is not None:
            codes = []
            items = mvalue if isinstance(mvalue, list) else [mvalue]
            for item in items:
                code = fields.text(
                    mkey,
                    item.get("municipalityCode", item.get("code"))
                    if isinstance(item, dict)
                    else item,
                    digits=True,
                )
                if not isinstance(code, str):
                    continue
                if code not in ref.municipalities:
                    fields.problem(mkey, item, _("Unknown municipality code."))
                elif code not in codes:
                    codes.append(code)
        _ckey, county_code = fields.get("countyCode", digits=True)
        if county_code is MISSING and isinstance(record.get("regions"), list):
            region_codes = {
                r.get("regionCode") for r in record["regions"] if isinstance(r, dict)
            } - {None, ""}
            if len(region_codes) == 1:
                county_code = fields.text("regions", region_codes.pop(), digits=True)
        if isinstance(county_code, str) and county_code:
            if county_code not in ref.counties:
                fields.problem("countyCode", county_code, _("Unknown county code."))
            else:
                values["county_id"] = ref.counties[county_code].pk
        elif codes:
            county_ids = {ref.municipalities[c].county_id for c in codes}
            values["county_id"] = county_ids.pop() if len(county_ids) == 1 else None
        if "email" in record:
            email = fields.text(
                "email",
                _contact(record["email"], "email"),
                max_length=_max_length(Principal, "email"),
            )
            if isinstance(email, str) and email:
                try:
                    validate_email(email)
                except ValidationError:
                    fields.problem("email", email, _("Not a valid e-mail address."))
            values["email"] = email
        pkey, phone = _first(record, "phone", "phoneNumber")
        if pkey in record:
            values["phone"] = fields.text(
                pkey, _contact(phone, "phone"), max_length=_max_length(Principal, "phone")
            )
        ukey, pupils = _first(record, "pupils", "numberOfPupils")
        if ukey in record:
            count = fields.whole_number(ukey, pupils, PUPILS_MAX)
            if count is not MISSING:
                values["pupils"] = count
        if fields.bad:
            problems.extend(fields.bad)
            continue
        seen[number] = position
        rows.append(OrganiserRow(position, number, values, codes))
    return rows


def _unit_codes_of(record: dict[str, Any]) -> list[str]:
    """School-unit codes an organiser's detail answer lists under relationships.schoolunit."""
    relationships = record.get("relationships")
    if not isinstance(relationships, dict):
        return []
    related = relationships.get("schoolunit") or relationships.get("schoolUnit")
    data = related.get("data") if isinstance(related, dict) else None
    if not isinstance(data, list):
        return []
    return [
        item["schoolUnitCode"]
        for item in data
        if isinstance(item, dict) and isinstance(item.get("schoolUnitCode"), str)
    ]


@dataclass
class _Linking:
    """How school units without their organiser's number were matched, counted per file."""

    by_relationship: dict[str, str]  # unit code -> organiser number, from organiser details
    in_register: dict[str, str]  # unit code -> its organiser's number in the register
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def count(self, filename: str, how: str) -> None:
        self.counts[(filename, how)] = self.counts.get((filename, how), 0) + 1


def _organiser_of_unit(record: dict[str, Any], fields: _Fields) -> tuple[str, Any]:
    okey, onum = _first(record, "organizerOrganizationNumber", "organizationNumber")
    if okey in record:
        return okey, onum
    if isinstance(record.get("organizer"), dict) and "organizationNumber" in record["organizer"]:
        return "organizer.organizationNumber", record["organizer"]["organizationNumber"]
    included = record.get("included")
    if isinstance(included, list):  # the API documents one object; tolerate a list of them
        included = next(
            (i for i in included if isinstance(i, dict) and "organizationNumber" in i), None
        )
    if isinstance(included, dict) and "organizationNumber" in included:
        return "included.organizationNumber", included["organizationNumber"]
    return "organizerOrganizationNumber", MISSING


def _validate_units(
    raw: list[dict],
    ref: Reference,
    known_numbers: set[str],
    problems: list[Problem],
    linking: _Linking,
) -> list[UnitRow]:
    rows: list[UnitRow] = []
    seen: dict[str, str] = {}
    statuses = set(SchoolUnit.Status.values)
    unit_types = set(SchoolUnit.UnitType.values)
    school_types = set(SchoolUnit.SchoolType.values)
    for record in raw:
        position = record["_position"]
        fields = _Fields(record)
        _key, code = fields.get("schoolUnitCode", required=True, digits=True)
        if isinstance(code, str) and code:
            if not (len(code) == 8 and all(c in orgnr.ASCII_DIGITS for c in code)):
                fields.problem(
                    "schoolUnitCode", code, _("A school unit code has exactly 8 digits.")
                )
                code = None
            elif code in seen:
                fields.problem(
                    "schoolUnitCode",
                    code,
                    _("The school unit code appears twice in the file (first at %(pos)s).")
                    % {"pos": seen[code]},
                )
        _name_key, name = fields.get(
            "displayName", "name", required=True, max_length=_max_length(SchoolUnit, "name")
        )
        values: dict[str, Any] = {"name": name}
        _skey, status = fields.get("status")
        status = status.upper() if isinstance(status, str) and status else status
        if status is MISSING or status == "":
            status = SchoolUnit.Status.AKTIV
        if isinstance(status, str) and status not in statuses:
            fields.problem(
                "status",
                record.get("status"),
                _("Unknown status; expected one of %(values)s.")
                % {"values": ", ".join(sorted(statuses))},
            )
        values["status"] = status
        # Without a unit type (the list answer has none) a new unit is a SKOLENHET, the model's
        # default, and an existing one keeps its type.
        _ukey, unit_type = fields.get("schoolUnitType")
        if isinstance(unit_type, str) and unit_type:
            if unit_type.upper() not in unit_types:
                fields.problem(
                    "schoolUnitType",
                    unit_type,
                    _("Unknown unit type; expected one of %(values)s.")
                    % {"values": ", ".join(sorted(unit_types))},
                )
            values["unit_type"] = unit_type.upper()
        if "schoolTypes" in record:
            given = record["schoolTypes"]
            items = given if isinstance(given, list) else [given]
            types = []
            for item in items:
                value = fields.text(
                    "schoolTypes", item.get("code") if isinstance(item, dict) else item
                )
                if not isinstance(value, str):
                    continue
                if value.upper() not in school_types:
                    fields.problem("schoolTypes", item, _("Unknown school type."))
                elif value.upper() not in types:
                    types.append(value.upper())
            values["school_types"] = types
        if "municipalityCode" in record:
            mcode = fields.text("municipalityCode", record["municipalityCode"], digits=True)
            if isinstance(mcode, str) and mcode and mcode not in ref.municipalities:
                fields.problem("municipalityCode", mcode, _("Unknown municipality code."))
            values["municipality_id"] = (
                ref.municipalities[mcode].pk if mcode in ref.municipalities else None
            )
        okey, onum = _organiser_of_unit(record, fields)
        organiser_number = ""
        if onum is MISSING and isinstance(code, str) and code:
            filename = record.get("_file", "")
            if code in linking.by_relationship:
                organiser_number = linking.by_relationship[code]
                linking.count(filename, "relationship")
            elif code in linking.in_register and not fields.bad:
                organiser_number = linking.in_register[code]
                linking.count(filename, "register")
            elif not fields.bad:
                linking.count(filename, "not_linked")
                continue
        if not organiser_number:
            organiser_number = fields.organisation_number(okey, onum)
        if organiser_number and organiser_number not in known_numbers:
            fields.problem(
                okey,
                organiser_number,
                _("No valid organiser with this number in the file or the register."),
            )
        for keys, attr in ((("startDate", "startdate"), "start_date"), (("endDate",), "end_date")):
            key = next((k for k in keys if k in record), None)
            if key is not None:
                parsed_date = fields.date(key)
                if parsed_date is not MISSING:
                    values[attr] = parsed_date
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            fields.problem("endDate", str(end), _("The end date is before the start date."))
        if fields.bad:
            problems.extend(fields.bad)
            continue
        seen[code] = position
        rows.append(UnitRow(position, code, organiser_number, values))
    return rows


# ----------------------------------------------------------------------------- planning


def _principal_display(values: dict[str, Any], ref: Reference, codes) -> dict[str, Any]:
    labels = dict(Principal.OrganiserType.choices)
    shown: dict[str, Any] = {}
    for key, value in values.items():
        if key == "organiser_type":
            shown[key] = str(labels.get(value, value))
        elif key == "county_id":
            county = next((c for c in ref.counties.values() if c.pk == value), None)
            shown["county"] = str(county) if county else None
        elif key == "status":
            shown[key] = str(dict(Principal.Status.choices)[value])
        else:
            shown[key] = value
    if codes is not None:
        shown["municipalities"] = sorted(ref.municipalities[c].name for c in codes)
    return shown


def _unit_display(values: dict[str, Any], ref: Reference, numbers: dict[int, str]):
    shown: dict[str, Any] = {}
    by_pk = {m.pk: m for m in ref.municipalities.values()}
    for key, value in values.items():
        if key == "municipality_id":
            shown["municipality"] = str(by_pk[value]) if value else None
        elif key == "principal_id":
            shown["principal"] = numbers.get(value, value)
        elif key == "status":
            shown[key] = str(dict(SchoolUnit.Status.choices)[value])
        elif key == "unit_type":
            shown[key] = str(dict(SchoolUnit.UnitType.choices)[value])
        elif isinstance(value, date):
            shown[key] = value.isoformat()
        else:
            shown[key] = value
    return shown


def build_plan(parsed: Parsed, *, full: bool = False, skip_invalid: bool = False) -> Plan:
    """Validate every record and compare with the database. Reads only."""
    ref = Reference.load()
    plan = Plan(full=full, skipped_fields=dict(parsed.skipped_fields))
    plan.total = len(parsed.organisers) + len(parsed.units) + len(parsed.problems)
    plan.problems = list(parsed.problems)
    plan.organiser_rows = _validate_organisers(parsed.organisers, ref, plan.problems)
    existing = {
        p.organisation_number: p
        for p in Principal.objects.only(
            "id",
            "organisation_number",
            "name",
            "organiser_type",
            "county_id",
            "email",
            "phone",
            "pupils",
            "status",
            "is_demo",
        )
    }
    current_codes = _municipality_codes_by_principal()
    known_numbers = {r.number for r in plan.organiser_rows} | set(existing)
    principal_numbers = {p.pk: n for n, p in existing.items()}
    units = {
        u.code: u
        for u in SchoolUnit.objects.only(
            "id",
            "code",
            "name",
            "status",
            "unit_type",
            "school_types",
            "municipality_id",
            "principal_id",
            "start_date",
            "end_date",
            "in_register",
            "principal__is_demo",
        ).select_related("principal")
    }
    linking = _Linking(
        by_relationship=_units_named_by_organisers(plan.organiser_rows, parsed.organisers),
        in_register={code: principal_numbers[u.principal_id] for code, u in units.items()},
    )
    plan.unit_rows = _validate_units(parsed.units, ref, known_numbers, plan.problems, linking)
    plan.notes = _notes(parsed, linking)
    plan.not_linked = sum(n for (_f, how), n in linking.counts.items() if how == "not_linked")
    if plan.problems and not skip_invalid:
        return plan

    for row in plan.organiser_rows:
        principal = existing.get(row.number)
        wanted = {**row.values, "status": Principal.Status.ACTIVE}
        item = {"kind": "principal", "key": row.number, "name": row.values["name"]}
        if principal is None:
            plan.created.append(item)
            continue
        changes = {}
        for attr, value in wanted.items():
            if getattr(principal, attr) != value:
                before = _principal_display({attr: getattr(principal, attr)}, ref, None)
                after = _principal_display({attr: value}, ref, None)
                (name,) = after
                changes[name] = [before[name], after[name]]
        if row.municipality_codes is not None:
            old = sorted(current_codes.get(principal.pk, []))
            if old != sorted(row.municipality_codes):
                changes["municipalities"] = [
                    sorted(ref.municipalities[c].name for c in old),
                    sorted(ref.municipalities[c].name for c in row.municipality_codes),
                ]
        if changes:
            move = bool(MOVE_FIELDS & set(changes))
            plan.changed.append({**item, "changes": changes, "pk": principal.pk, "move": move})
        else:
            plan.unchanged += 1

    numbers_in_file = _mentioned_numbers(parsed.organisers)
    if full and parsed.organisers:
        for principal in existing.values():
            if (
                principal.status == Principal.Status.ACTIVE
                and not principal.is_demo
                and principal.organisation_number not in numbers_in_file
            ):
                plan.deactivated.append(
                    {
                        "kind": "principal",
                        "key": principal.organisation_number,
                        "name": principal.name,
                        "pk": principal.pk,
                    }
                )

    for row in plan.unit_rows:
        unit = units.get(row.code)
        item = {"kind": "unit", "key": row.code, "name": row.values["name"]}
        if unit is None:
            plan.created.append(item)
            continue
        wanted = {**row.values, "in_register": True}
        changes = {}
        if principal_numbers.get(unit.principal_id) != row.organiser_number:
            changes["principal"] = [principal_numbers.get(unit.principal_id), row.organiser_number]
        for attr, value in wanted.items():
            if getattr(unit, attr) != value:
                before = _unit_display({attr: getattr(unit, attr)}, ref, principal_numbers)
                after = _unit_display({attr: value}, ref, principal_numbers)
                (name,) = after
                changes[name] = [before[name], after[name]]
        if changes:
            plan.changed.append({**item, "changes": changes, "pk": unit.pk})
        else:
            plan.unchanged += 1
    if full and parsed.units:
        codes_in_file = {_text(r.get("schoolUnitCode")) for r in parsed.units}
        for unit in units.values():
            if unit.in_register and not unit.principal.is_demo and unit.code not in codes_in_file:
                plan.deactivated.append(
                    {"kind": "unit", "key": unit.code, "name": unit.name, "pk": unit.pk}
                )
    return plan


# An organiser's type, county and municipalities decide where its figures are published.
MOVE_FIELDS = {"organiser_type", "county", "municipalities"}


def _units_named_by_organisers(rows: list[OrganiserRow], records: list[dict]) -> dict[str, str]:
    """unit code -> organiser number, from valid organisers' detail answers (relationships)."""
    valid = {r.position: r.number for r in rows}
    linked: dict[str, str] = {}
    for record in records:
        number = valid.get(record["_position"])
        if number:
            for code in _unit_codes_of(record):
                linked.setdefault(code, number)
    return linked


def _notes(parsed: Parsed, linking: _Linking) -> list[str]:
    """One line per file saying what it could and could not be used for."""
    notes = []
    for filename in parsed.sources:
        shapes = parsed.shapes.get(filename, set())
        listed = [r for r in parsed.organisers if r.get("_file") == filename]
        if "list" in shapes and listed and not any("municipalities" in r for r in listed):
            notes.append(
                _(
                    "%(file)s: %(count)s organisers in the list form (number, name, type): it "
                    "has no municipalities, e-mail or phone, so those stay as they are; the "
                    "organisers' details (/v2/organizers/ and the number) have them."
                )
                % {"file": filename, "count": len(listed)}
            )
        counts = {how: n for (f, how), n in linking.counts.items() if f == filename}
        if counts.get("relationship"):
            notes.append(
                _(
                    "%(file)s: %(count)s school units without the organiser's organisation "
                    "number were linked through the organisers' details in the import."
                )
                % {"file": filename, "count": counts["relationship"]}
            )
        if counts.get("register"):
            notes.append(
                _(
                    "%(file)s: %(count)s school units without the organiser's organisation "
                    "number are already in the register; they keep their organiser and only "
                    "the fields in the file are updated."
                )
                % {"file": filename, "count": counts["register"]}
            )
        if counts.get("not_linked"):
            notes.append(
                _(
                    "%(file)s: %(count)s school units without the organiser's organisation "
                    "number (list form) — they cannot be linked and are not imported; fetch the "
                    "details per school unit (/v2/school-units/ and the code) or the "
                    "organisers' details (/v2/organizers/ and the number)."
                )
                % {"file": filename, "count": counts["not_linked"]}
            )
    return notes


def _mentioned_numbers(records: list[dict]) -> set[str]:
    """Every organisation number the file names, valid record or not: never deactivate those."""
    numbers = set()
    for record in records:
        _key, value = _first(record, "organizationNumber", "organisationNumber")
        try:
            numbers.add(orgnr.normalise(_text(value)))
        except ValidationError:
            continue
    return numbers


def _municipality_codes_by_principal() -> dict[int, list[str]]:
    through = Principal.municipalities.through
    result: dict[int, list[str]] = {}
    for principal_id, code in through.objects.values_list(
        "principal_id", "municipality__code"
    ).iterator(chunk_size=5000):
        result.setdefault(principal_id, []).append(code)
    return result


# ----------------------------------------------------------------------------- applying

Progress = Callable[[int, int], None]


class ImportRejected(Exception):
    """All-or-nothing import with invalid records: nothing was written."""

    def __init__(self, plan: Plan):
        super().__init__(f"{len(plan.problems)} problem(s)")
        self.plan = plan


class MovesNotConfirmed(Exception):
    """The import would move organisers (type, county, municipalities): nothing was written."""

    def __init__(self, plan: Plan):
        super().__init__(f"{len(plan.moves)} move(s)")
        self.plan = plan


def run_import(
    parsed: Parsed,
    *,
    actor=None,
    source: str,
    full: bool = False,
    skip_invalid: bool = False,
    dry_run: bool = False,
    confirm_moves: bool = False,
    confirmed_keys: Collection[str] | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Plan and (unless dry_run) apply. Raises ImportRejected when all-or-nothing fails and
    MovesNotConfirmed when the plan moves organisers without confirm_moves (or moves others
    than the confirmed_keys, the organisation numbers the person was shown)."""
    if dry_run:
        return build_plan(parsed, full=full, skip_invalid=skip_invalid)
    with transaction.atomic():
        _lock()
        plan = build_plan(parsed, full=full, skip_invalid=skip_invalid)
        if plan.problems and not skip_invalid:
            raise ImportRejected(plan)
        moving = {item["key"] for item in plan.moves}
        if moving and not (
            confirm_moves and (confirmed_keys is None or moving <= set(confirmed_keys))
        ):
            raise MovesNotConfirmed(plan)
        _apply(plan, actor=actor, source=source, progress=progress)
        plan.applied = True
    return plan


def _lock() -> None:
    """Serialise imports: the second waits, then plans against the first one's result."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def _apply(plan: Plan, *, actor, source: str, progress: Progress | None) -> None:
    now = timezone.now()
    source = source[:100]
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    actor_label = audit.actor_label(actor)
    ct_principal = ContentType.objects.get_for_model(Principal)
    ct_unit = ContentType.objects.get_for_model(SchoolUnit)
    events: list[AuditEvent] = []
    total = len(plan.created) + len(plan.changed) + len(plan.deactivated)
    done = 0
    note = _("Import from %(source)s") % {"source": source}

    def event(ct, pk, repr_, action, changes=None):
        events.append(
            AuditEvent(
                actor=actor_user,
                actor_label=actor_label[:200],
                action=action,
                content_type=ct,
                object_id=str(pk),
                object_repr=str(repr_)[:300],
                changes=changes or {},
                note=note,
            )
        )

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    through = Principal.municipalities.through
    municipality_ids = {m.code: m.pk for m in Municipality.objects.only("id", "code")}
    created_numbers = {i["key"] for i in plan.created if i["kind"] == "principal"}
    changed_pks = {i["key"]: i["pk"] for i in plan.changed if i["kind"] == "principal"}
    rows = {r.number: r for r in plan.organiser_rows}

    new_principals = [
        Principal(
            organisation_number=r.number,
            source=source,
            last_imported_at=now,
            status=Principal.Status.ACTIVE,
            **r.values,
        )
        for r in plan.organiser_rows
        if r.number in created_numbers
    ]
    for chunk in _chunks(new_principals, 1000):
        Principal.objects.bulk_create(chunk)
        tick(len(chunk))
    if any(p.pk is None for p in new_principals):
        ids = dict(
            Principal.objects.filter(organisation_number__in=created_numbers).values_list(
                "organisation_number", "id"
            )
        )
        for p in new_principals:
            p.pk = ids[p.organisation_number]
    links = [
        through(principal_id=p.pk, municipality_id=municipality_ids[code])
        for p in new_principals
        for code in rows[p.organisation_number].municipality_codes or []
    ]
    for p in new_principals:
        event(ct_principal, p.pk, p.name, Action.IMPORTED)

    changed = list(Principal.objects.filter(pk__in=changed_pks.values()))
    by_pk = {i["pk"]: i for i in plan.changed if i["kind"] == "principal"}
    update_fields: set[str] = {"status", "source", "last_imported_at", "updated_at", "version"}
    replace_links: list[int] = []
    for principal in changed:
        row = rows[principal.organisation_number]
        for attr, value in row.values.items():
            setattr(principal, attr, value)
            update_fields.add(attr)
        principal.status = Principal.Status.ACTIVE
        principal.source = source
        principal.last_imported_at = now
        principal.updated_at = now
        principal.version += 1
        if (
            row.municipality_codes is not None
            and "municipalities" in by_pk[principal.pk]["changes"]
        ):
            replace_links.append(principal.pk)
            links += [
                through(principal_id=principal.pk, municipality_id=municipality_ids[c])
                for c in row.municipality_codes
            ]
        event(
            ct_principal,
            principal.pk,
            principal.name,
            Action.CHANGED,
            by_pk[principal.pk]["changes"],
        )
    for chunk in _chunks(changed, 1000):
        Principal.objects.bulk_update(chunk, sorted(update_fields))
        tick(len(chunk))
    if replace_links:
        through.objects.filter(principal_id__in=replace_links).delete()
    through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)

    deactivate = [i["pk"] for i in plan.deactivated if i["kind"] == "principal"]
    if deactivate:
        Principal.objects.filter(pk__in=deactivate).update(
            status=Principal.Status.INACTIVE, last_imported_at=now, updated_at=now
        )
        for item in plan.deactivated:
            if item["kind"] == "principal":
                event(
                    ct_principal,
                    item["pk"],
                    item["name"],
                    Action.DEACTIVATED,
                    {
                        "status": [
                            str(Principal.Status.ACTIVE.label),
                            str(Principal.Status.INACTIVE.label),
                        ]
                    },
                )
        tick(len(deactivate))

    principal_ids = dict(Principal.objects.values_list("organisation_number", "id"))
    created_codes = {i["key"] for i in plan.created if i["kind"] == "unit"}
    unit_changes = {i["pk"]: i for i in plan.changed if i["kind"] == "unit"}
    unit_rows = {r.code: r for r in plan.unit_rows}
    new_units = [
        SchoolUnit(
            code=r.code,
            principal_id=principal_ids[r.organiser_number],
            source=source,
            last_imported_at=now,
            in_register=True,
            **r.values,
        )
        for r in plan.unit_rows
        if r.code in created_codes
    ]
    for chunk in _chunks(new_units, 2000):
        SchoolUnit.objects.bulk_create(chunk)
        tick(len(chunk))
    if new_units and any(u.pk is None for u in new_units):
        ids = dict(SchoolUnit.objects.filter(code__in=created_codes).values_list("code", "id"))
        for u in new_units:
            u.pk = ids[u.code]
    for u in new_units:
        event(ct_unit, u.pk, u, Action.IMPORTED)

    changed_units = list(SchoolUnit.objects.filter(pk__in=unit_changes))
    unit_fields: set[str] = {"principal_id", "in_register", "source", "last_imported_at"}
    for unit in changed_units:
        row = unit_rows[unit.code]
        for attr, value in row.values.items():
            setattr(unit, attr, value)
            unit_fields.add(attr)
        unit.principal_id = principal_ids[row.organiser_number]
        unit.in_register = True
        unit.source = source
        unit.last_imported_at = now
        event(ct_unit, unit.pk, unit, Action.CHANGED, unit_changes[unit.pk]["changes"])
    for chunk in _chunks(changed_units, 2000):
        SchoolUnit.objects.bulk_update(chunk, sorted(unit_fields))
        tick(len(chunk))

    gone = [i for i in plan.deactivated if i["kind"] == "unit"]
    if gone:
        SchoolUnit.objects.filter(pk__in=[i["pk"] for i in gone]).update(
            in_register=False, last_imported_at=now
        )
        for item in gone:
            event(
                ct_unit,
                item["pk"],
                f"{item['name']} ({item['key']})",
                Action.DEACTIVATED,
                {"in_register": [True, False]},
            )
        tick(len(gone))
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    principals_changed.send(sender=Principal, principal_ids=[*changed_pks.values(), *deactivate])


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ProgressPrinter:
    """Prints "done/total (rate/s)" at most a few times a second."""

    def __init__(self, write: Callable[[str], None], label: str):
        self.write = write
        self.label = label
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.5:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-6)
        self.write(
            _("%(label)s: %(done)s of %(total)s records (%(rate)s per second)")
            % {
                "label": self.label,
                "done": done,
                "total": total,
                "rate": int(done / elapsed),
            }
        )
