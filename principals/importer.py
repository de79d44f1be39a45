"""Import of Skolverket's register (Skolenhetsregistret API v2 JSON, or the documented CSV).

parse → validate every record → plan (create / change / deactivate / reject) → apply in one
transaction. The plan is computed again inside the transaction, under a lock, so two imports of
the same file at the same time leave the same result as one. Nothing is ever deleted.
See docs/import.md for the accepted shapes and columns.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import AuditEvent

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
    "endDate",
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
    # internal: what apply() needs
    organiser_rows: list[OrganiserRow] = field(default_factory=list, repr=False)
    unit_rows: list[UnitRow] = field(default_factory=list, repr=False)

    @property
    def rejected_positions(self) -> set[str]:
        return {p.position for p in self.problems}

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
            _collect_envelope(data["data"], filename, parsed)
        if not found and ("schoolUnitCode" in data or "organizationNumber" in data):
            found = True
            _collect([data], None, filename, parsed, "")
    elif isinstance(data, list):
        found = True
        _collect(data, None, filename, parsed, "")
    if not found:
        raise ImportFileError(
            _(
                "%(file)s does not look like Skolverket's register: expected “data”, "
                "“organizers” or “schoolUnits”."
            )
            % {"file": filename}
        )


def _collect_envelope(data: Any, filename: str, parsed: Parsed) -> None:
    """The API's {"data": {"type": ..., "attributes": [...]}} or a list of such resources."""
    if isinstance(data, dict):
        kind = _kind_of_type(data.get("type"))
        attributes = data.get("attributes")
        if isinstance(attributes, list):
            _collect(attributes, kind, filename, parsed, "data.attributes")
        else:
            _collect([data], kind, filename, parsed, "data")
    elif isinstance(data, list):
        _collect(data, None, filename, parsed, "data")
    else:
        raise ImportFileError(_("%(file)s: “data” holds no records.") % {"file": filename})


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


def _collect(items: Any, kind: str | None, filename: str, parsed: Parsed, path: str) -> None:
    if not isinstance(items, list):
        raise ImportFileError(
            _("%(file)s: “%(path)s” should be a list of records.")
            % {"file": filename, "path": path}
        )
    for index, item in enumerate(items, start=1):
        position = _("%(file)s, record %(n)s") % {"file": filename, "n": index}
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
                parsed.skipped_fields[key] = parsed.skipped_fields.get(key, 0) + 1
        record["_position"] = position
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
    for column in header:
        if column not in known:
            parsed.skipped_fields[column] = parsed.skipped_fields.get(column, 0) + 1
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
            (parsed.units if kind == "unit" else parsed.organisers).append(record)
    except csv.Error as exc:
        raise ImportFileError(
            _("%(file)s could not be read as CSV (line %(line)s: %(msg)s).")
            % {"file": filename, "line": reader.line_num, "msg": exc}
        ) from None


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


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


def _validate_organisers(raw: list[dict], ref: Reference, problems: list[Problem]):
    rows: list[OrganiserRow] = []
    seen: dict[str, str] = {}
    types = set(Principal.OrganiserType.values)
    for record in raw:
        position = record["_position"]
        bad: list[Problem] = []
        key, value = _first(record, "organizationNumber", "organisationNumber")
        number = ""
        if _text(value) == "":
            bad.append(Problem(position, key, "", _("A required field is missing.")))
        else:
            try:
                number = orgnr.normalise(_text(value))
            except ValidationError:
                bad.append(
                    Problem(
                        position,
                        key,
                        _short(value),
                        _("Not a valid organisation number (wrong length or check digit)."),
                    )
                )
        if number and number in seen:
            bad.append(
                Problem(
                    position,
                    key,
                    number,
                    _("The organisation number appears twice in the file (first at %(pos)s).")
                    % {"pos": seen[number]},
                )
            )
        name_key, name = _first(record, "displayName", "name")
        if _text(name) == "":
            bad.append(Problem(position, name_key, "", _("A required field is missing.")))
        otype = _text(record.get("organizerType")).upper()
        if otype == "":
            bad.append(Problem(position, "organizerType", "", _("A required field is missing.")))
        elif otype not in types:
            bad.append(
                Problem(
                    position,
                    "organizerType",
                    _short(record.get("organizerType")),
                    _("Unknown organiser type; expected one of %(types)s.")
                    % {"types": ", ".join(sorted(types))},
                )
            )
        values: dict[str, Any] = {"name": _text(name)[:255], "organiser_type": otype}
        codes: list[str] | None = None
        mkey, mvalue = _first(record, "municipalities", "municipalityCodes")
        if mvalue is not None:
            codes = []
            items = mvalue if isinstance(mvalue, list) else [mvalue]
            for item in items:
                code = _text(
                    item.get("municipalityCode") or item.get("code")
                    if isinstance(item, dict)
                    else item
                )
                if code not in ref.municipalities:
                    bad.append(
                        Problem(position, mkey, _short(item), _("Unknown municipality code."))
                    )
                elif code not in codes:
                    codes.append(code)
        county_code = _text(record.get("countyCode"))
        if county_code:
            if county_code not in ref.counties:
                bad.append(Problem(position, "countyCode", county_code, _("Unknown county code.")))
            else:
                values["county_id"] = ref.counties[county_code].pk
        elif codes:
            county_ids = {ref.municipalities[c].county_id for c in codes}
            values["county_id"] = county_ids.pop() if len(county_ids) == 1 else None
        if "email" in record:
            email = _text(record["email"])
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    bad.append(
                        Problem(position, "email", _short(email), _("Not a valid e-mail address."))
                    )
            values["email"] = email[:254]
        _pkey, phone = _first(record, "phone", "phoneNumber")
        if phone is not None:
            values["phone"] = _text(phone)[:40]
        ukey, pupils = _first(record, "pupils", "numberOfPupils")
        if pupils is not None and _text(pupils) != "":
            try:
                count = int(_text(pupils).replace(" ", "").replace("\xa0", ""))
                if count < 0:
                    raise ValueError
                values["pupils"] = count
            except ValueError:
                bad.append(
                    Problem(
                        position,
                        ukey,
                        _short(pupils),
                        _("The number of pupils must be a whole number of 0 or more."),
                    )
                )
        if bad:
            problems.extend(bad)
            continue
        seen[number] = position
        rows.append(OrganiserRow(position, number, values, codes))
    return rows


def _parse_date(value: Any) -> date | None:
    text = _text(value)
    if not text:
        return None
    return date.fromisoformat(text[:10])


def _validate_units(
    raw: list[dict], ref: Reference, known_numbers: set[str], problems: list[Problem]
) -> list[UnitRow]:
    rows: list[UnitRow] = []
    seen: dict[str, str] = {}
    statuses = set(SchoolUnit.Status.values)
    unit_types = set(SchoolUnit.UnitType.values)
    school_types = set(SchoolUnit.SchoolType.values)
    for record in raw:
        position = record["_position"]
        bad: list[Problem] = []
        code = _text(record.get("schoolUnitCode"))
        if code == "":
            bad.append(Problem(position, "schoolUnitCode", "", _("A required field is missing.")))
        elif not (len(code) == 8 and code.isdigit()):
            bad.append(
                Problem(
                    position,
                    "schoolUnitCode",
                    _short(code),
                    _("A school unit code has exactly 8 digits."),
                )
            )
        elif code in seen:
            bad.append(
                Problem(
                    position,
                    "schoolUnitCode",
                    code,
                    _("The school unit code appears twice in the file (first at %(pos)s).")
                    % {"pos": seen[code]},
                )
            )
        name_key, name = _first(record, "displayName", "name")
        if _text(name) == "":
            bad.append(Problem(position, name_key, "", _("A required field is missing.")))
        values: dict[str, Any] = {"name": _text(name)[:255]}
        status = _text(record.get("status")).upper() or SchoolUnit.Status.AKTIV
        if status not in statuses:
            bad.append(
                Problem(
                    position,
                    "status",
                    _short(record.get("status")),
                    _("Unknown status; expected one of %(values)s.")
                    % {"values": ", ".join(sorted(statuses))},
                )
            )
        values["status"] = status
        unit_type = _text(record.get("schoolUnitType")).upper() or SchoolUnit.UnitType.SKOLENHET
        if unit_type not in unit_types:
            bad.append(
                Problem(
                    position,
                    "schoolUnitType",
                    _short(record.get("schoolUnitType")),
                    _("Unknown unit type; expected one of %(values)s.")
                    % {"values": ", ".join(sorted(unit_types))},
                )
            )
        values["unit_type"] = unit_type
        if "schoolTypes" in record:
            given = record["schoolTypes"]
            items = given if isinstance(given, list) else [given]
            types = []
            for item in items:
                value = _text(item.get("code") if isinstance(item, dict) else item).upper()
                if value not in school_types:
                    bad.append(
                        Problem(position, "schoolTypes", _short(item), _("Unknown school type."))
                    )
                elif value not in types:
                    types.append(value)
            values["school_types"] = types
        if "municipalityCode" in record:
            mcode = _text(record["municipalityCode"])
            if mcode and mcode not in ref.municipalities:
                bad.append(
                    Problem(position, "municipalityCode", mcode, _("Unknown municipality code."))
                )
            values["municipality_id"] = (
                ref.municipalities[mcode].pk if mcode in (ref.municipalities) else None
            )
        okey, onum = _first(record, "organizerOrganizationNumber", "organizationNumber")
        if onum is None and isinstance(record.get("organizer"), dict):
            okey, onum = (
                "organizer.organizationNumber",
                record["organizer"].get("organizationNumber"),
            )
        organiser_number = ""
        if _text(onum) == "":
            bad.append(Problem(position, okey, "", _("A required field is missing.")))
        else:
            try:
                organiser_number = orgnr.normalise(_text(onum))
            except ValidationError:
                bad.append(
                    Problem(
                        position,
                        okey,
                        _short(onum),
                        _("Not a valid organisation number (wrong length or check digit)."),
                    )
                )
            else:
                if organiser_number not in known_numbers:
                    bad.append(
                        Problem(
                            position,
                            okey,
                            organiser_number,
                            _("No valid organiser with this number in the file or the register."),
                        )
                    )
        for key, attr in (("startDate", "start_date"), ("endDate", "end_date")):
            if key in record:
                try:
                    values[attr] = _parse_date(record[key])
                except ValueError:
                    bad.append(
                        Problem(
                            position,
                            key,
                            _short(record[key]),
                            _("Not a date in the form YYYY-MM-DD."),
                        )
                    )
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            bad.append(
                Problem(position, "endDate", str(end), _("The end date is before the start date."))
            )
        if bad:
            problems.extend(bad)
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
    plan.unit_rows = _validate_units(parsed.units, ref, known_numbers, plan.problems)
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
            plan.changed.append({**item, "changes": changes, "pk": principal.pk})
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
    principal_numbers = {p.pk: n for n, p in existing.items()}
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


def run_import(
    parsed: Parsed,
    *,
    actor=None,
    source: str,
    full: bool = False,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Plan:
    """Plan and (unless dry_run) apply. Raises ImportRejected when all-or-nothing fails."""
    if dry_run:
        return build_plan(parsed, full=full, skip_invalid=skip_invalid)
    with transaction.atomic():
        _lock()
        plan = build_plan(parsed, full=full, skip_invalid=skip_invalid)
        if plan.problems and not skip_invalid:
            raise ImportRejected(plan)
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
    actor_label = ""
    if actor_user is not None:
        actor_label = actor_user.get_full_name() or actor_user.get_username()
    elif isinstance(actor, str):
        actor_label = actor
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
