"""Disclosure control: the one place that decides which figures an outside reader sees.

Government viewers, organisers comparing themselves with others and anonymous visitors of the
open data read figures that are built here from counts per *atom*: the organisers sharing one
organiser type and one county, which anyone can count in the public register. Staff read the
full figures and never come here. docs/disclosure.md explains the rules to statisticians and
to organisers; this module is their only implementation:

1. Groups (`merge_groups`): figures are published nationally, by organiser type and by county.
   A type or county with fewer than five organisers, 1–4 respondents, or that
   differs from the whole country or from a group of the other breakdown by 1–4 organisers or
   respondents, is merged with others into one group ("Other organiser types"), so no
   published group can be subtracted from another to leave fewer than five organisers.
2. Cells (`Release.protect`): a count of 1–4 organisers is withheld (`SMALL`), and so is a
   count whose complement in its row is 1–4 (`PROTECT`). Then a linear programme over the
   atoms computes, for each withheld count, the interval a reader can deduce from every
   published count, the register and the answers' structure; while it is narrower than
   `PROTECTION_WIDTH`, the published count that binds it most cheaply is withheld too.
3. Means (`protect_means`): a mean is published only from at least `MEAN_MIN_ANSWERS`
   answers none of which dominates, rounded to two significant digits, and never so that
   another group's withheld mean can be worked out from the total.
"""

import math
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

import highspy
import numpy as np
from django.utils.translation import gettext as _

# The one place the small-number threshold is defined: no published figure rests on fewer
# organisers, and no two published groups differ by fewer.
THRESHOLD = 5
# A withheld count can never be narrowed to an interval narrower than this (or than its
# group's own size): an outside reader is left with at least six possible values.
PROTECTION_WIDTH = 5
# Means: at least this many answers, and the two largest at most this share of the sum.
MEAN_MIN_ANSWERS = 10
DOMINANCE_SHARE = 0.85
MEAN_DIGITS = 2

ORGANISERS = "organisers"


class Reason(StrEnum):
    """Why an outside reader does not see a figure; each has its own label and explanation."""

    SMALL = "small"  # it would count 1–4 organisers
    PROTECT = "protect"  # withheld so that a small figure cannot be worked out from it
    MEAN = "mean"  # a mean of too few answers, or dominated by one or two of them


def label(reason: str) -> str:
    """What a withheld cell says instead of a number."""
    if reason == Reason.SMALL:
        return _("fewer than %(n)s") % {"n": THRESHOLD}
    if reason == Reason.MEAN:
        return _("not shown")
    return _("protected")


def explanation(reason: str) -> str:
    """Why a cell is withheld, for notes beside tables and in downloads."""
    if reason == Reason.SMALL:
        return _("“fewer than %(n)s”: the figure would count between 1 and %(m)s organisers.") % {
            "n": THRESHOLD,
            "m": THRESHOLD - 1,
        }
    if reason == Reason.MEAN:
        return _(
            "“not shown”: a mean is shown only when at least %(n)s organisers answered and the "
            "two largest answers make up at most %(share)s %% of their sum."
        ) % {"n": MEAN_MIN_ANSWERS, "share": round(DOMINANCE_SHARE * 100)}
    return _(
        "“protected”: the figure is withheld so that a small figure in this or another "
        "published table cannot be worked out from it."
    )


@dataclass(frozen=True)
class Figure:
    """A number as a reader sees it: its value, or the reason it is withheld.

    `revealed` marks a withheld value shown to staff previewing what outside readers see.
    """

    value: int | float | Decimal | None
    reason: str = ""
    revealed: bool = False

    @property
    def suppressed(self) -> bool:
        return bool(self.reason)

    @property
    def shown(self) -> int | float | Decimal | None:
        """The value an outside reader gets: None when withheld."""
        return None if self.reason else self.value

    @property
    def label(self) -> str:
        return label(self.reason) if self.reason else ""

    @classmethod
    def hidden(cls, reason: str = "protect", value=None) -> "Figure":
        return cls(value, reason, revealed=value is not None)


class Breakdown(StrEnum):
    NATIONAL = "national"
    TYPE = "organiser_type"
    COUNTY = "county"


# The code of a merged group and of organisers without a county.
OTHER = "other"
NO_COUNTY = ""

AtomKey = tuple[str, str]  # (organiser type code, county code or NO_COUNTY)


def is_small(n: int) -> bool:
    return 0 < n < THRESHOLD


@dataclass(frozen=True)
class Group:
    """A published group: the whole country, or one or more types or counties merged."""

    breakdown: Breakdown
    code: str = ""
    members: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        if self.breakdown == Breakdown.NATIONAL:
            return Breakdown.NATIONAL.value
        return f"{self.breakdown.value}:{self.code or 'none'}"

    @property
    def merged(self) -> bool:
        return self.code == OTHER

    def contains(self, atom: AtomKey) -> bool:
        if self.breakdown == Breakdown.NATIONAL:
            return True
        value = atom[0] if self.breakdown == Breakdown.TYPE else atom[1]
        return value in self.members


NATIONAL = Group(Breakdown.NATIONAL)


def group_label(breakdown: str, code: str, members: Sequence[str], counties: Mapping) -> str:
    """A published group's name in the reader's language: a merged group lists its members."""
    from principals.models import Principal

    types = dict(Principal.OrganiserType.choices)

    def one(member: str) -> str:
        if breakdown == Breakdown.TYPE:
            return str(types.get(member, member))
        return counties.get(member) or str(_("No county given"))

    if breakdown == Breakdown.NATIONAL:
        return str(_("Whole country"))
    if code == OTHER:
        names = ", ".join(one(m) for m in members)
        if breakdown == Breakdown.TYPE:
            return _("Other organiser types (%(names)s)") % {"names": names}
        return _("Other counties (%(names)s)") % {"names": names}
    return one(code)


def is_outside_reader(user) -> bool:
    """Everyone but staff and administrators reads published, protected figures only."""
    from portal.permissions import VIEW_PRINCIPAL_DATA

    return not (user.is_authenticated and user.has_perm(VIEW_PRINCIPAL_DATA))


# ---------------------------------------------------------------- 1. groups


@dataclass
class _Tally:
    organisers: int = 0
    respondents: int = 0

    def add(self, other: "_Tally") -> None:
        self.organisers += other.organisers
        self.respondents += other.respondents


def _tally(atoms: Mapping[AtomKey, tuple[int, int]], group: Group) -> _Tally:
    found = _Tally()
    for atom, (organisers, respondents) in atoms.items():
        if group.contains(atom):
            found.add(_Tally(organisers, respondents))
    return found


def _too_small(group: _Tally, whole: _Tally) -> bool:
    """A group whose figures would rest on, or differ from the country's by, 1–4 organisers."""
    return (
        group.organisers < THRESHOLD
        or is_small(group.respondents)
        or is_small(whole.organisers - group.organisers)
        or is_small(whole.respondents - group.respondents)
    )


def _differ_by_few(a: Group, b: Group, atoms: Mapping[AtomKey, tuple[int, int]]) -> bool:
    """Two groups of different breakdowns whose organisers or respondents differ by 1–4."""
    only_a, only_b = _Tally(), _Tally()
    for atom, (organisers, respondents) in atoms.items():
        in_a, in_b = a.contains(atom), b.contains(atom)
        if in_a and not in_b:
            only_a.add(_Tally(organisers, respondents))
        elif in_b and not in_a:
            only_b.add(_Tally(organisers, respondents))
    return is_small(only_a.organisers + only_b.organisers) or is_small(
        only_a.respondents + only_b.respondents
    )


def _merge(groups: list[Group], chosen: Iterable[Group], breakdown: Breakdown) -> list[Group]:
    chosen = list(chosen)
    members = tuple(sorted({m for g in chosen for m in g.members}))
    rest = [g for g in groups if g not in chosen]
    if not rest:
        return []  # everything in one group is the whole country: the breakdown is not shown
    return [*rest, Group(breakdown, OTHER, members)]


def merge_groups(atoms: Mapping[AtomKey, tuple[int, int]]) -> list[Group]:
    """The groups to publish: national first, then types, then counties, in code order.

    `atoms` holds (organisers, respondents) per atom. Groups too small to publish alone are
    merged into one "other" group per breakdown, which grows by the smallest groups until it
    is large enough; a breakdown that would end as one group is left out.
    """
    whole = _tally(atoms, NATIONAL)
    partitions: dict[Breakdown, list[Group]] = {}
    for index, breakdown in enumerate((Breakdown.TYPE, Breakdown.COUNTY)):
        codes = sorted({atom[index] for atom, (n, _r) in atoms.items() if n})
        partitions[breakdown] = [Group(breakdown, code, (code,)) for code in codes]
    for _round in range(4 * len(atoms) + 4):
        changed = False
        for breakdown, groups in partitions.items():
            failing = [g for g in groups if _too_small(_tally(atoms, g), whole)]
            if not failing:
                continue
            merged = [g for g in groups if g.merged]
            chosen = set(failing) | set(merged)
            if len(chosen) == 1:
                others = [g for g in groups if g not in chosen]
                if others:
                    chosen.add(min(others, key=lambda g: (_tally(atoms, g).organisers, g.code)))
            partitions[breakdown] = _merge(groups, chosen, breakdown)
            changed = True
        if changed:
            continue
        # Across the breakdowns: a type and a county that (almost) coincide.
        for a in partitions[Breakdown.TYPE]:
            for b in partitions[Breakdown.COUNTY]:
                if _differ_by_few(a, b, atoms):
                    smaller = min(
                        (a, b), key=lambda g: (_tally(atoms, g).organisers, g.breakdown, g.code)
                    )
                    groups = partitions[smaller.breakdown]
                    chosen = {smaller} | {g for g in groups if g.merged}
                    if len(chosen) == 1:
                        others = [g for g in groups if g not in chosen]
                        if others:
                            chosen.add(
                                min(others, key=lambda g: (_tally(atoms, g).organisers, g.code))
                            )
                    partitions[smaller.breakdown] = _merge(groups, chosen, smaller.breakdown)
                    changed = True
                    break
            if changed:
                break
        if not changed:
            break

    def order(g: Group) -> tuple:
        return (g.merged, g.code)

    return [
        NATIONAL,
        *sorted(partitions[Breakdown.TYPE], key=order),
        *sorted(partitions[Breakdown.COUNTY], key=order),
    ]


# ---------------------------------------------------------------- 2. cells


@dataclass(frozen=True)
class Rule:
    """A linear relation that holds in every atom by construction of the answers:
    lower ≤ Σ coefficient × count of kind ≤ upper (None for no bound)."""

    coefficients: tuple[tuple[str, float], ...]
    lower: float | None
    upper: float | None


def equal(terms: Mapping[str, float], value: float = 0.0) -> Rule:
    return Rule(tuple(terms.items()), value, value)


def at_most(terms: Mapping[str, float], value: float = 0.0) -> Rule:
    return Rule(tuple(terms.items()), None, value)


def at_least(terms: Mapping[str, float], value: float = 0.0) -> Rule:
    return Rule(tuple(terms.items()), value, None)


Cell = tuple[str, str]  # (group key, kind)


@dataclass
class Release:
    """Counts per atom of several kinds, to be published for `groups`.

    `base[kind]` names the count a kind is part of (`ORGANISERS` for the top one): its share
    is taken of it, and a count whose complement in the base is 1–4 is withheld. Every kind
    counts organisers, so no count in an atom exceeds the atom's organisers.
    """

    organisers: dict[AtomKey, int]
    groups: list[Group]
    kinds: list[str]
    base: dict[str, str]
    rules: list[Rule]
    counts: dict[AtomKey, dict[str, int]]
    # (kinds in the programme, kinds audited in it): kinds outside a block's programme are
    # fixed at their true values there (see _Auditor). One block of everything by default.
    blocks: list[tuple[list[str], list[str]]] | None = None
    # The kinds published for each breakdown; every kind for every group by default.
    published: dict[Breakdown, list[str]] | None = None
    # Kinds worth more to readers (the headline figures): withheld to protect others last.
    keep: frozenset[str] = frozenset()
    values: dict[Cell, int] = field(init=False)
    narrow: list[Cell] = field(init=False, default_factory=list)
    group_organisers: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.values = {}
        self.group_organisers = {}
        for group in self.groups:
            members = [a for a in self.organisers if group.contains(a)]
            self.group_organisers[group.key] = sum(self.organisers[a] for a in members)
            for kind in self.kinds:
                self.values[(group.key, kind)] = sum(
                    self.counts.get(a, {}).get(kind, 0) for a in members
                )

    def kinds_for(self, group: Group) -> list[str]:
        if self.published is None or group.breakdown not in self.published:
            return self.kinds
        return self.published[group.breakdown]

    def cells(self) -> list[Cell]:
        """Every published cell, group by group in the kinds' order."""
        return [(g.key, k) for g in self.groups for k in self.kinds_for(g)]

    def base_value(self, cell: Cell) -> int:
        key, kind = cell
        base = self.base[kind]
        if base == ORGANISERS:
            return self.group_organisers[key]
        return self.values[(key, base)]

    def primary(self) -> dict[Cell, Reason]:
        """Counts of 1–4, counts whose complement is 1–4, and every part of a withheld base."""
        hidden: dict[Cell, Reason] = {}
        cells = self.cells()
        for cell in cells:
            value, base = self.values[cell], self.base_value(cell)
            if is_small(value):
                hidden[cell] = Reason.SMALL
            elif is_small(base - value) and self.base[cell[1]] != ORGANISERS:
                # Of the register's organisers, those that did not respond (or take part) are
                # not protected: that is no answer, and the response rate is the publication's
                # first quality figure. Of the respondents, a small rest is an answer.
                hidden[cell] = Reason.PROTECT
        for cell in cells:  # bases come before their parts
            key, kind = cell
            base = self.base[kind]
            if base != ORGANISERS and (key, base) in hidden and cell not in hidden:
                hidden[cell] = Reason.PROTECT
        return hidden

    def required_width(self, cell: Cell, hidden: Mapping[Cell, Reason]) -> int:
        """What a reader knows without the figures: a count lies between 0 and its base."""
        key, kind = cell
        base = self.base[kind]
        if base == ORGANISERS or (key, base) in hidden:
            known = self.group_organisers[key]
        else:
            known = self.values[(key, base)]
        return min(PROTECTION_WIDTH, known)

    def protect(self, *, audit: bool = True) -> dict[Cell, Reason]:
        """Primary suppression, then complementary suppression until every withheld count is
        protected against everything published with it (see the module's docstring)."""
        hidden = self.primary()
        if not audit:
            return hidden
        for block, audited in self.blocks or [(self.kinds, self.kinds)]:
            if {kind for _key, kind in hidden} & set(audited):
                self.narrow += _Auditor(self, block).complete(hidden, audited=set(audited))
        return hidden


def _cost(release: Release, cell: Cell) -> tuple:
    """What withholding a figure loses: national figures last, headline figures (`keep`)
    next to last; then counts large enough to hide a small one behind (a withheld 0 protects
    nothing and needs protecting itself), smallest first."""
    key, kind = cell
    value = release.values[cell]
    return (
        key == NATIONAL.key,
        kind in release.keep,
        value < PROTECTION_WIDTH,
        value,
        release.kinds.index(kind),
        key,
    )


class _Auditor:
    """The reader's linear programme for one block of kinds: counts per atom, bounded by the
    atom's organisers and tied by the rules; each published count is an equality, each
    withheld one is free. Its minimum and maximum of a withheld count are what a reader can
    deduce. Counts of kinds outside the block are fixed at their true values, as if the reader
    knew them in every atom: that only narrows the intervals, so a count protected here is
    protected against a reader who knows less, and the blocks stay small."""

    EPS = 1e-6

    def __init__(self, release: "Release", block: Sequence[str]):
        self.release = release
        atoms = sorted(release.organisers)
        inside = set(block)
        self.column = {(a, k): i for i, (a, k) in enumerate((a, k) for a in atoms for k in block)}
        inf = highspy.kHighsInf
        columns: list[list[tuple[int, float]]] = [[] for _ in self.column]
        lower: list[float] = []
        upper: list[float] = []

        def add_row(terms: list[tuple[int, float]], lo, hi) -> int:
            row = len(lower)
            for col, coefficient in terms:
                columns[col].append((row, coefficient))
            lower.append(-inf if lo is None else lo)
            upper.append(inf if hi is None else hi)
            return row

        for atom in atoms:
            known = release.counts.get(atom, {})
            for rule in release.rules:
                if not any(k in inside for k, _c in rule.coefficients):
                    continue
                terms = [(self.column[(atom, k)], c) for k, c in rule.coefficients if k in inside]
                constant = sum(c * known.get(k, 0) for k, c in rule.coefficients if k not in inside)
                add_row(
                    terms,
                    None if rule.lower is None else rule.lower - constant,
                    None if rule.upper is None else rule.upper - constant,
                )
        self.row: dict[Cell, int] = {}
        self.cell_columns: dict[Cell, list[int]] = {}
        for group in release.groups:
            members = [a for a in atoms if group.contains(a)]
            for kind in block:
                if kind not in release.kinds_for(group):
                    continue
                cell = (group.key, kind)
                cols = [self.column[(a, kind)] for a in members]
                self.cell_columns[cell] = cols
                value = release.values[cell]
                self.row[cell] = add_row([(c, 1.0) for c in cols], value, value)
        self.cell_of_row = {row: cell for cell, row in self.row.items()}

        lp = highspy.HighsLp()
        lp.num_col_ = len(self.column)
        lp.num_row_ = len(lower)
        lp.col_cost_ = np.zeros(lp.num_col_)
        lp.col_lower_ = np.zeros(lp.num_col_)
        lp.col_upper_ = np.array(
            [float(release.organisers[a]) for a in atoms for _k in block], dtype=float
        )
        lp.row_lower_ = np.array(lower, dtype=float)
        lp.row_upper_ = np.array(upper, dtype=float)
        starts, index, values = [0], [], []
        for entries in columns:
            for row, coefficient in entries:
                index.append(row)
                values.append(coefficient)
            starts.append(len(index))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(values, dtype=float)
        self.highs = _highs()
        self.highs.passModel(lp)
        self.objective: list[int] = []

    def hide(self, cell: Cell) -> None:
        if cell in self.row:
            inf = highspy.kHighsInf
            self.highs.changeRowBounds(self.row[cell], -inf, inf)

    def _solve(self, cell: Cell, sense) -> tuple[float, list[float]]:
        highs = self.highs
        if self.objective:
            highs.changeColsCost(
                len(self.objective),
                np.array(self.objective, dtype=np.int32),
                np.zeros(len(self.objective)),
            )
        self.objective = self.cell_columns[cell]
        if self.objective:
            highs.changeColsCost(
                len(self.objective),
                np.array(self.objective, dtype=np.int32),
                np.ones(len(self.objective)),
            )
        highs.changeObjectiveSense(sense)
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"disclosure audit: {highs.getModelStatus()} for {cell}")
        return highs.getInfo().objective_function_value, list(highs.getSolution().row_dual)

    def interval(self, cell: Cell) -> tuple[float, float, list[float], list[float]]:
        low, low_duals = self._solve(cell, highspy.ObjSense.kMinimize)
        high, high_duals = self._solve(cell, highspy.ObjSense.kMaximize)
        return low, high, low_duals, high_duals

    def complete(self, hidden: dict[Cell, Reason], *, audited: set[str]) -> list[Cell]:
        """Withhold more counts until each withheld count of an audited kind is protected;
        returns those that only the register and the answers' structure narrow."""
        release = self.release
        for cell in hidden:
            self.hide(cell)
        queue = sorted(
            (c for c in hidden if c in self.row and c[1] in audited),
            key=lambda c: _cost(release, c),
        )
        rows: dict[str, int] = defaultdict(int)  # withheld counts per group in this block
        columns: dict[str, int] = defaultdict(int)  # and per kind
        for key, kind in queue:
            rows[key] += 1
            columns[kind] += 1

        def cost(cell: Cell) -> tuple:
            """Prefer a count that closes a rectangle with withheld ones: its group and its
            kind already have a withheld count, so no new group or kind needs a partner."""
            national, headline, small, *rest = _cost(release, cell)
            reuse = (rows[cell[0]] > 0) + (columns[cell[1]] > 0)
            return (national, headline, small, -reuse, *rest)

        narrow = []
        while queue:
            cell = queue.pop(0)
            while True:
                low, high, low_duals, high_duals = self.interval(cell)
                width = math.floor(high + self.EPS) - math.ceil(low - self.EPS)
                if width >= release.required_width(cell, hidden):
                    break
                binding = {
                    self.cell_of_row[row]
                    for duals in (low_duals, high_duals)
                    for row, dual in enumerate(duals)
                    if abs(dual) > self.EPS and row in self.cell_of_row
                }
                candidates = [c for c in binding if c not in hidden]
                if not candidates:
                    narrow.append(cell)
                    break
                chosen = min(candidates, key=cost)
                hidden[chosen] = Reason.PROTECT
                rows[chosen[0]] += 1
                columns[chosen[1]] += 1
                self.hide(chosen)
                if chosen[1] in audited:
                    queue.append(chosen)
        return narrow


_banner_shown = False


def _highs() -> "highspy.Highs":
    """A quiet solver. HiGHS prints its banner to standard output when the first instance of a
    process is made, which would land in commands' output and logs: that once, it goes nowhere."""
    global _banner_shown
    if _banner_shown:
        highs = highspy.Highs()
    else:
        fd = 1  # the process's standard output, whatever sys.stdout is now
        saved, devnull = os.dup(fd), os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        try:
            highs = highspy.Highs()
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            os.close(devnull)
        _banner_shown = True
    # Between solves only the objective changes, so the last basis stays primal feasible: the
    # primal simplex (strategy 4) starts from it, where the dual simplex would first have to
    # repair dual feasibility. About three times faster on a national round.
    options = (("output_flag", False), ("presolve", "off"), ("solver", "simplex"))
    for name, value in (*options, ("simplex_strategy", 4)):
        highs.setOptionValue(name, value)
    return highs


# ---------------------------------------------------------------- 3. means


@dataclass
class Magnitude:
    """Whole-number answers in one atom: how many, their sum and the two largest."""

    count: int = 0
    total: int = 0
    largest: tuple[int, ...] = ()

    def add(self, other: "Magnitude") -> "Magnitude":
        return Magnitude(
            self.count + other.count,
            self.total + other.total,
            tuple(sorted(self.largest + other.largest, reverse=True)[:2]),
        )

    @classmethod
    def of(cls, values: Iterable[int]) -> "Magnitude":
        values = list(values)
        return cls(len(values), sum(values), tuple(sorted(values, reverse=True)[:2]))


def _publishable(m: Magnitude) -> bool:
    if m.count < MEAN_MIN_ANSWERS:
        return False
    return m.total <= 0 or sum(m.largest) <= DOMINANCE_SHARE * m.total


def round_mean(value: float) -> float:
    """Two significant digits: precise enough to compare groups, too coarse to recover one
    answer from the difference of two means."""
    if value == 0:
        return 0.0
    digits = MEAN_DIGITS - 1 - math.floor(math.log10(abs(value)))
    return round(value, digits)


def protect_means(
    groups: Sequence[Group], atoms: Mapping[AtomKey, Magnitude], *, counts_hidden: set[str]
) -> dict[str, float | Reason]:
    """A rounded mean per group key, or the reason it is withheld.

    Withheld: a group whose number of answers is withheld (`counts_hidden`: the mean would
    give it away), with too few answers or dominated by its two largest; a group whose answers
    differ from the country's, or from a group of the other breakdown, by 1–4 (the difference
    of the two means' sums would give those few answers). Within each breakdown, the groups
    withheld together must pass the same rules, since the national sum minus the published
    ones gives their sum.
    """
    totals = group_magnitudes(groups, atoms)
    result: dict[str, float | Reason] = {}
    national = groups[0]
    for group in groups:
        m = totals[group.key]
        close = group is not national and is_small(totals[national.key].count - m.count)
        if group.key in counts_hidden or not _publishable(m) or close:
            result[group.key] = Reason.MEAN
    types = [g for g in groups if g.breakdown == Breakdown.TYPE]
    counties = [g for g in groups if g.breakdown == Breakdown.COUNTY]
    for a in types:
        for b in counties:
            if a.key in result or b.key in result:
                continue
            apart = sum(
                m.count for atom, m in atoms.items() if a.contains(atom) != b.contains(atom)
            )
            if is_small(apart):
                smaller = min((a, b), key=lambda g: (totals[g.key].count, g.key))
                result[smaller.key] = Reason.MEAN
    if national.key not in result:
        for members in (types, counties):
            while True:
                withheld = [g for g in members if g.key in result]
                if not withheld or len(withheld) == len(members):
                    break
                together = Magnitude()
                for g in withheld:
                    together = together.add(totals[g.key])
                if _publishable(together) and len(withheld) > 1:
                    break
                shown = [g for g in members if g.key not in result]
                smallest = min(shown, key=lambda g: (totals[g.key].count, g.code))
                result[smallest.key] = Reason.MEAN
    for group in groups:
        if group.key not in result:
            m = totals[group.key]
            result[group.key] = round_mean(m.total / m.count)
    return result


def group_magnitudes(
    groups: Sequence[Group], atoms: Mapping[AtomKey, Magnitude]
) -> dict[str, Magnitude]:
    found: dict[str, Magnitude] = defaultdict(Magnitude)
    for group in groups:
        for atom, magnitude in atoms.items():
            if group.contains(atom):
                found[group.key] = found[group.key].add(magnitude)
    return found
