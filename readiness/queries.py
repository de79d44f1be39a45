"""The answer rules in the database's form, for counting many submissions at once.

`selectors.is_achieved` decides for one answer; reporting counts thousands, so the same rules
are here as conditions and a tally the database evaluates, next to the Python they must agree
with (tests/readiness/test_queries.py). Reporting asks this module for conditions and counts
and never reads the JSON layout of a version's answers ({code: {"value": …, "comment": …}}).
"""

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import F, Func, Q, TextField
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.lookups import Contains

from .models import Indicator, Rating, YesNo
from .selectors import is_achieved

Types = Indicator.AnswerType
ACHIEVED_RATINGS = [Rating.ACHIEVED.value, Rating.NOT_RELEVANT.value]

# Where an assessment's submitted answers are, seen from the Assessment model.
CURRENT_ANSWERS = "current__answers"

# Bands for percentage answers: (key, label, lowest, highest), both inclusive.
PERCENT_BANDS: list[tuple[str, str, int, int]] = [
    ("0-24", "0–24 %", 0, 24),
    ("25-49", "25–49 %", 25, 49),
    ("50-74", "50–74 %", 50, 74),
    ("75-99", "75–99 %", 75, 99),
    ("100", "100 %", 100, 100),
]

# Answer types with options: their answers take a few distinct values, so the database counts
# each distinct answer (answer_tally) and Python maps those counts to options (count_answers).
# Free text and whole numbers take any value: count them by condition.
TALLIED = (Types.RATING, Types.YES_NO, Types.SINGLE_CHOICE, Types.MULTI_CHOICE, Types.PERCENTAGE)


# ---------------------------------------------------------------- answer conditions


def _path(code: str, prefix: str) -> str:
    return f"{prefix}__{code}__value"


def answer_text(code: str, *, prefix: str = CURRENT_ANSWERS) -> KeyTextTransform:
    """The answer's value as text (KT() cannot follow the relation to the version)."""
    return KeyTextTransform("value", KeyTransform(code, prefix))


def option_conditions(indicator: Indicator, *, prefix: str = CURRENT_ANSWERS) -> list:
    """(value, label, condition) for each answer an indicator's distribution counts."""
    path = _path(indicator.code, prefix)
    kind = indicator.answer_type
    if kind in (Types.RATING, Types.YES_NO, Types.SINGLE_CHOICE):
        return [(value, label, Q(**{path: value})) for value, label in indicator.options()]
    if kind == Types.MULTI_CHOICE:
        # The array's JSON text holds each chosen value in quotes: exact on both databases.
        return [
            (value, label, Q(Contains(answer_text(indicator.code, prefix=prefix), f'"{value}"')))
            for value, label in indicator.options()
        ]
    if kind == Types.PERCENTAGE:
        return [
            (key, label, Q(**{f"{path}__gte": low, f"{path}__lte": high}))
            for key, label, low, high in PERCENT_BANDS
        ]
    return []


def option_labels(indicator: Indicator) -> list[tuple[str, str]]:
    """(value, label) of option_conditions, in its order, without building the conditions."""
    kind = indicator.answer_type
    if kind in (Types.RATING, Types.YES_NO, Types.SINGLE_CHOICE, Types.MULTI_CHOICE):
        return indicator.options()
    if kind == Types.PERCENTAGE:
        return [(key, label) for key, label, _low, _high in PERCENT_BANDS]
    return []


def answered_condition(indicator: Indicator, *, prefix: str = CURRENT_ANSWERS) -> Q:
    """The organiser gave an answer (validated answers are always one of the options)."""
    path = _path(indicator.code, prefix)
    kind = indicator.answer_type
    if kind in (Types.INTEGER, Types.PERCENTAGE):
        # SQLite compares a JSON null as the text "null", which sorts above every number.
        return Q(**{f"{path}__gte": 0}) & ~Q(**{path: None})
    if kind == Types.TEXT:
        return Q(**{f"{path}__isnull": False}) & ~Q(**{path: None}) & ~Q(**{path: ""})
    condition = Q(pk__in=[])
    for _value, _label, option in option_conditions(indicator, prefix=prefix):
        condition |= option
    return condition


def achieved_condition(indicator: Indicator, *, prefix: str = CURRENT_ANSWERS) -> Q:
    """An answer that meets the indicator: the database twin of `is_achieved`.

    Rating: Achieved or Not relevant; yes/no: yes; choices: one of the framework's achieved
    values (any answer if it lists none); percentage: 100; whole numbers and text: always.
    """
    path = _path(indicator.code, prefix)
    kind = indicator.answer_type
    if kind in (Types.TEXT, Types.INTEGER):
        return Q()
    if kind == Types.RATING:
        return Q(**{f"{path}__in": ACHIEVED_RATINGS})
    if kind == Types.YES_NO:
        return Q(**{path: YesNo.YES.value})
    if kind == Types.PERCENTAGE:
        return Q(**{path: 100})
    targets = list(indicator.achieved_values or [])
    if not targets:
        return answered_condition(indicator, prefix=prefix)
    if kind == Types.SINGLE_CHOICE:
        return Q(**{f"{path}__in": targets})
    condition = Q(pk__in=[])
    for value in targets:
        condition |= Q(Contains(answer_text(indicator.code, prefix=prefix), f'"{value}"'))
    return condition


def dnp_condition(indicators: Sequence[Indicator], *, prefix: str = CURRENT_ANSWERS) -> Q:
    """Meets every DNP-tagged indicator of the framework (no DNP item left in the action plan)."""
    dnp = [i for i in indicators if i.is_dnp]
    if not dnp:
        return Q(pk__in=[])
    condition = Q()
    for indicator in dnp:
        condition &= achieved_condition(indicator, prefix=prefix)
    return condition


# ---------------------------------------------------------------- answers counted by value

# Each answer of a version's answers (s) as code and value, the value as JSON text or NULL.
_EACH_ANSWER_SQL = {
    "postgresql": ("""jsonb_each(s."answers")""", "(e.value -> 'value')::text"),
    "sqlite": (
        """json_each(s."answers")""",
        "CASE WHEN e.type = 'object' THEN json_quote(json_extract(e.value, '$.value')) END",
    ),
}


def answer_tally(assessments, codes: Sequence[str], *, by: dict[str, Any] | None = None):
    """How many of the assessments gave each answer to each code, per group, in one query.

    {group values: {code: {answer as JSON text, None for no value: count}}}; `by` names the
    group's expressions, none for one group. Conditions per option read every answer once per
    option; this reads each submission's answers once and lets the database group equal
    answers, leaving Python a few hundred distinct answers to map. The database's JSON table
    function has no ORM form, so the outer query is SQL around the ORM's own.
    """
    tally: dict[tuple, dict[str, dict[str | None, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    if not codes:
        return tally
    by = by or {}
    inner = assessments.order_by().values(**by, answers=F(CURRENT_ANSWERS))
    connection = connections[inner.db]
    inner_sql, params = inner.query.get_compiler(connection=connection).as_sql()
    each, answer = _EACH_ANSWER_SQL[connection.vendor]
    groups = "".join(f"s.{connection.ops.quote_name(alias)}, " for alias in by)
    keys = ", ".join(["%s"] * len(codes))
    positions = ", ".join(str(n) for n in range(1, len(by) + 3))
    sql = (
        f"SELECT {groups}e.key, {answer}, COUNT(*) FROM ({inner_sql}) s CROSS JOIN {each} e "  # noqa: S608 (parameters)
        f"WHERE e.key IN ({keys}) GROUP BY {positions}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, *codes))
        for *group, code, value, n in cursor.fetchall():
            tally[tuple(group)][code][value] += n
    return tally


class AnswerJsonText(Func):
    """One indicator's answer as JSON text, NULL for none: equal answers group together.

    For counting one indicator's answers in a grouped ORM query. JSON text keeps "2" apart
    from 2, which Django's key transforms on SQLite return alike.
    """

    output_field = TextField()

    def __init__(self, code: str):
        super().__init__(F(CURRENT_ANSWERS))
        self.code = code

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"(({sql} -> %s) -> 'value')::text", (*params, self.code)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        path = f"$.{json.dumps(self.code)}.value"
        return f"json_quote(json_extract({sql}, %s))", (*params, path)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_given(indicator: Indicator, value) -> bool:
    """A whole-number or free-text answer was given: the Python twin of answered_condition for
    the indicators without options (a number from 0 up; text that is not empty)."""
    if indicator.answer_type == Types.INTEGER:
        return _is_number(value) and value >= 0
    return isinstance(value, str) and bool(value)


def counted_as(indicator: Indicator, value) -> tuple[list[str], bool, bool]:
    """(options it counts under, answered, achieved) for one answer to an indicator with options.

    The Python twin of option_conditions and answered_condition, with `is_achieved` deciding
    what meets the indicator; they agree on every answer readiness saves and on empty ones.
    Only an answer among the options is counted as given, so one the framework does not offer
    counts nowhere, and a percentage is answered only by a number.
    """
    kind = indicator.answer_type
    if kind == Types.PERCENTAGE:
        number = _is_number(value)
        options = [
            key for key, _label, low, high in PERCENT_BANDS if number and low <= value <= high
        ]
        answered = number and value >= 0
    elif kind == Types.MULTI_CHOICE:
        chosen = value if isinstance(value, list) else []
        options = [option for option in indicator.option_values() if option in chosen]
        answered = bool(options)
    else:
        options = [option for option in indicator.option_values() if option == value]
        answered = bool(options)
    return options, answered, answered and is_achieved(indicator, value)


def count_answers(indicator: Indicator, answers: dict) -> tuple[list[int], int, int]:
    """(count per option as option_conditions lists them, answered, achieved) from a tally.

    `answers` is one code's part of answer_tally: {answer as JSON text or None: count}.
    """
    options = [value for value, _label in option_labels(indicator)]
    counts = [0] * len(options)
    answered = achieved = 0
    for text, n in answers.items():
        chosen, is_answered, is_met = counted_as(
            indicator, None if text is None else json.loads(text)
        )
        for j, option in enumerate(options):
            if option in chosen:
                counts[j] += n
        answered += n if is_answered else 0
        achieved += n if is_met else 0
    return counts, answered, achieved
