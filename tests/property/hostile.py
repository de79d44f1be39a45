"""Hostile input for the property tests: strategies, payload building, and the invariant.

The invariant for every form and import path: the answer is a clear validation error (200/400
with a Swedish message) or success (a redirect), never a server error, and a refused request
writes nothing (row counts of every project table, including the event history, are unchanged).
"""

import datetime
import os
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

PROJECT_APPS = {"portal", "principals", "agreement", "readiness", "reporting", "auth", "otp_totp"}

SCRIPT = "<script>alert(1)</script>"

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\r\n\t",
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}{% debug %}",
    "' OR 1=1 --",
    "Robert'); DROP TABLE auth_user;--",
    "../../etc/passwd",
    "%00",
    "A" * 10_000,
    "1" * 5_000,
    "9" * 30,
    "-1",
    "-999999999999999999999",
    "0",
    "1e308",
    "NaN",
    "Infinity",
    "-0,5",
    "12 345,678",
    "1.234.567,89",
    "99999999999999999,99",
    "5/3/2026",
    "12/31/2026",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "ÅÅÅÅ",
    "2026-1-1",
    "2026-02-03T10:00",
    "556677-8899",
    "5566778899",
    "16556677-8899",
    "212000-0142",
    "000000-0000",
    "ÅÅÅÅÅÅ-ÅÅÅÅ",
    "\u202egnp.exe",
    "\ufeff",
    "e\u0301\u0301\u0301",
    "𝕳𝖚𝖛𝖚𝖉𝖒𝖆𝖓",
    "🙂" * 300,
    "\u200b",
    "\ufffd",
    "true",
    "null",
    "[]",
    "{}",
    "mailto:a@b",
    "javascript:alert(1)",
    "http://",
    "a@b",
    "a" * 250 + "@example.se",
    "on",
]

text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.integers().map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: d.strftime("%d/%m/%Y")),
)

# A form value: usually one string, sometimes several (a wrong type for a single field).
value = st.one_of(text, text, text, st.lists(text, min_size=0, max_size=3))

# Examples per property: `make test` tries 10 of each, CI (PROPERTY_EXAMPLES=30 in .ci/run)
# three times as many; a failure Hypothesis finds either way is printed with its input.
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "10"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def hostile_payload(base: dict, names) -> st.SearchStrategy:
    """The valid `base` with some of `names` replaced (or removed) by hostile values."""
    names = sorted(set(names))

    @st.composite
    def build(draw):
        data = dict(base)
        overrides = draw(st.dictionaries(st.sampled_from(names), value, min_size=1))
        data.update(overrides)
        for name in draw(st.lists(st.sampled_from(names), max_size=2)):
            data.pop(name, None)
        # An empty POST is shown as a fresh form (Django's `request.POST or None`), not refused.
        if not any(v != [] for v in data.values()):
            data["unknown-field"] = "x"
        return data

    return build()


def form_data(form) -> dict:
    """What a browser would post for a bound or unbound form as it is shown."""
    data = {}
    for bound in form:
        current = bound.value()
        if current is None or current is False:
            continue
        if current is True:
            data[bound.html_name] = "on"
        elif isinstance(current, list | tuple):
            data[bound.html_name] = [str(getattr(v, "pk", v)) for v in current]
        elif isinstance(current, datetime.date):
            data[bound.html_name] = current.isoformat()
        elif isinstance(current, Decimal):
            data[bound.html_name] = str(current).replace(".", ",")
        else:
            data[bound.html_name] = str(getattr(current, "pk", current))
    return data


def counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and model._meta.managed and not model._meta.proxy
    }


SWEDISH_ERRORS = (
    "Det finns ett problem",
    "Någon annan har ändrat",
    "har ändrats av någon annan",
    "Någon annan sparade",
    "Ange ett",
    "Välj ",
)


def check(response, before: dict[str, int], *, watch=None, watched=None) -> bool:
    """The invariant; returns True when the request succeeded (a redirect)."""
    status = response.status_code
    assert status < 500, f"server error {status}"
    body = response.content.decode(errors="replace")
    assert "<script>alert(" not in body, "unescaped script in the answer"
    if status in (301, 302, 303):
        return True
    assert status in (200, 400, 409, 429), f"unexpected status {status}"
    after = counts()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"a refused request wrote rows: {changed}"
    if watch is not None:
        assert snapshot(watch) == watched, "a refused request changed the record"
    if status != 429:
        assert any(marker in body for marker in SWEDISH_ERRORS), body[:3000]
    return False


def snapshot(obj) -> dict:
    """The record as stored now, not as an earlier example left the object in memory (its
    changes were rolled back in the database, not in the object)."""
    stored = type(obj)._default_manager.get(pk=obj.pk)
    return {
        f.attname: getattr(stored, f.attname)
        for f in obj._meta.concrete_fields
        if f.name not in {"updated_at", "modified"}
    }


class rollback:
    """Each example runs in a savepoint that is rolled back, so examples do not interact."""

    def __enter__(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        return self

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        return self.atomic.__exit__(*exc)
