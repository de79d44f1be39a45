"""The disclosure attack: a world with small and lonely groups, everything an outside reader
can fetch from it, and a reader who tries to recover single organisers' answers.

The reader knows the public register (every organiser's type, county, municipalities and
size) and reads the pages, downloads, open data and the final report as published. The
figures are turned into facts about groups of organisers; a linear programme over the atoms
(organisers that no published group tells apart) then gives, for every withheld count, the
interval of values consistent with all of them. Written without reporting's own code, so it
checks the disclosure control rather than repeating it.
"""

import csv
import datetime
import io
import json
import math
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import product

import numpy as np
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from principals.models import County, Municipality, Principal
from readiness.models import Assessment, Indicator, Rating, ReportingRound
from reporting.final_report import content as final_report
from reporting.final_report.services import report_create
from tests.agreement.factories import ActivityFactory, AgreementFactory, DeliverableFactory
from tests.principals.factories import MembershipFactory, PrincipalFactory
from tests.readiness.factories import AreaFactory, FrameworkVersionFactory, IndicatorFactory
from tests.reporting.factories import submit

THRESHOLD = 5
PROTECTION = 5
PERCENT_BANDS = {
    "0-24": "0–24 %",
    "25-49": "25–49 %",
    "50-74": "50–74 %",
    "75-99": "75–99 %",
    "100": "100 %",
}
Types = Indicator.AnswerType
T = Principal.OrganiserType


# ---------------------------------------------------------------- the world


@dataclass
class World:
    framework: object
    indicators: list
    closed: list  # two closed rounds, oldest first
    open: ReportingRound
    principals: list
    editors: dict = field(default_factory=dict)  # principal pk -> user
    agreement: object = None
    report: object = None


def _framework():
    framework = FrameworkVersionFactory(name="Attackramverk")
    area = AreaFactory(framework=framework, title="Inloggning", order=1)
    make = IndicatorFactory
    return framework, [
        make(
            area=area,
            code="idp",
            question="Har huvudmannen en inloggningstjänst?",
            answer_type=Types.SINGLE_CHOICE,
            choices=[
                {"value": "none", "label": "Ingen"},
                {"value": "own", "label": "Egen drift"},
                {"value": "service", "label": "Som tjänst"},
                {"value": "several", "label": "Flera"},
            ],
            achieved_values=["own", "service", "several"],
            tags=["DNP"],
            order=1,
        ),
        make(area=area, code="mfa", question="Flerfaktorinloggning?", tags=["DNP"], order=2),
        make(
            area=area,
            code="fed",
            question="Vilka federationer?",
            answer_type=Types.MULTI_CHOICE,
            choices=[
                {"value": "sf", "label": "Skolfederation"},
                {"value": "mini", "label": "Skolfederation mini"},
                {"value": "swamid", "label": "SWAMID"},
            ],
            achieved_values=["sf", "mini"],
            required=False,
            order=3,
        ),
        make(
            area=area,
            code="eid",
            question="Andel personal med e-legitimation?",
            answer_type=Types.PERCENTAGE,
            required=False,
            order=4,
        ),
        make(
            area=area,
            code="staff",
            question="Antal anställda som behöver e-legitimation?",
            answer_type=Types.INTEGER,
            required=False,
            order=5,
        ),
        make(
            area=area,
            code="sso",
            question="Används samma inloggning i alla system?",
            answer_type=Types.YES_NO,
            order=6,
        ),
    ]


# (county code, organiser type, how many, municipalities each: "own" for one of the county's
# own, or a municipality code shared by all, pupils)
LAYOUT = [
    ("01", T.KOMMUN, 6, "own", 5000),
    ("01", T.REGION, 1, "0180", None),
    ("01", T.ENSKILD, 7, "0180", 200),
    ("12", T.KOMMUN, 5, "own", 3000),
    ("12", T.REGION, 1, "1280", None),
    ("12", T.ENSKILD, 5, "1280", 80),
    ("09", T.KOMMUN, 1, "own", 2500),
    ("09", T.ENSKILD, 2, "0980", 60),
    ("25", T.KOMMUN, 3, "own", 1500),
    ("25", T.SAME, 1, "2584", 150),
    ("", T.STAT, 1, "", None),
    ("", T.HMANUTL, 6, "", 40),  # abroad, so without a county: nearly the same group
]


def _answers(rng: random.Random, level: float, *, rare: bool, outlier: bool) -> dict:
    good = rng.random() < level
    answers = {
        "idp": "several" if rare else (rng.choice(["own", "service"]) if good else "none"),
        "mfa": Rating.ACHIEVED if good else rng.choice([Rating.STARTED, Rating.PLANNED]),
        "sso": "yes" if rng.random() < level else "no",
    }
    if rng.random() < 0.8:
        answers["fed"] = sorted(rng.sample(["sf", "mini", "swamid"], k=rng.randint(1, 2)))
    if rng.random() < 0.85:
        answers["eid"] = 100 if good else rng.randint(0, 99)
    if rng.random() < 0.7 or outlier:
        answers["staff"] = 1_000_000 if outlier else rng.randint(5, 800)
    return answers


def build_world(today: datetime.date) -> World:
    framework, indicators = _framework()
    day = datetime.timedelta(days=1)
    closed = [
        ReportingRound.objects.create(
            name="Våren (attack)",
            opens_on=today - 300 * day,
            closes_on=today - 270 * day,
            framework_version=framework,
        ),
        ReportingRound.objects.create(
            name="Hösten (attack)",
            opens_on=today - 120 * day,
            closes_on=today - 90 * day,
            framework_version=framework,
        ),
    ]
    open_round = ReportingRound.objects.create(
        name="Nu (attack)",
        opens_on=today - 10 * day,
        closes_on=today + 20 * day,
        framework_version=framework,
    )
    principals = []
    for county_code, kind, count, place, pupils in LAYOUT:
        county = County.objects.get(code=county_code) if county_code else None
        own = list(Municipality.objects.filter(county=county).order_by("code")) if county else []
        for i in range(count):
            if place == "own":
                municipalities = [own[i]]
            elif place:
                municipalities = [Municipality.objects.get(code=place)]
            else:
                municipalities = []
            principal = PrincipalFactory(
                name=f"{kind.label} {county_code or 'utan län'} {i}",
                organiser_type=kind,
                county=county,
                pupils=pupils,
                municipalities=municipalities,
            )
            if not municipalities:
                principal.municipalities.clear()
            principals.append(principal)
    rng = random.Random(20261202)
    levels = {p.pk: rng.uniform(0.2, 0.9) for p in principals}
    rare = principals[20].pk  # one organiser gives an answer nobody else gives
    outlier = principals[3].pk
    for index, reporting_round in enumerate([*closed, open_round]):
        for principal in principals:
            share = 0.45 if reporting_round is open_round else 0.82
            always = principal.organiser_type in (T.SAME, T.STAT, T.HMANUTL)
            if always or rng.random() < share:
                level = min(1.0, levels[principal.pk] + 0.2 * index)
                submit(
                    principal,
                    reporting_round,
                    _answers(
                        rng, level, rare=principal.pk == rare, outlier=principal.pk == outlier
                    ),
                )
    editors = {
        p.pk: MembershipFactory(principal=p, user__username=f"attack-{p.pk}").user
        for p in principals
    }
    agreement = AgreementFactory(title="Attacköverenskommelsen")
    activity = ActivityFactory(agreement=agreement)
    reached = [p for i, p in enumerate(principals) if i % 3 == 0 or p.organiser_type == T.SAME]
    DeliverableFactory(activity=activity, principals=reached)
    report = report_create(agreement=agreement, actor="attack test")
    return World(
        framework=framework,
        indicators=indicators,
        closed=closed,
        open=open_round,
        principals=principals,
        editors=editors,
        agreement=agreement,
        report=report,
    )


# ---------------------------------------------------------------- reading pages


class _Tables(HTMLParser):
    """Tables (with their caption and the nearest scope and block key), summaries and the
    group a page says it shows."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.summaries: list[tuple[str, str]] = []  # (block key, text)
        self.group_key = None
        self._table = None
        self._row = None
        self._cell = None
        self._caption = None
        self._summary = None
        self._block = None
        self._scope = None
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "dash-block" in (attrs.get("class") or ""):
            self._block = attrs.get("data-key")
        if attrs.get("data-group-key") is not None and self.group_key is None:
            self.group_key = attrs["data-group-key"]
        if attrs.get("data-scope") is not None:
            self._scope = attrs["data-scope"]
        if tag == "h2" or tag == "h3" or tag == "h4":
            identifier = attrs.get("id") or ""
            if identifier.startswith("h-"):
                self._block = identifier[2:]
        if tag == "p" and "dash-summary" in (attrs.get("class") or ""):
            self._summary = []
        if tag == "table":
            self._table = {
                "caption": "",
                "rows": [],
                "block": self._block,
                "scope": self._scope,
                "classes": attrs.get("class") or "",
            }
        elif self._table is not None:
            if tag == "caption":
                self._caption = []
            elif tag == "tr":
                self._row = []
            elif tag in ("td", "th") and self._row is not None:
                self._cell = []

    def handle_endtag(self, tag):
        if tag == "p" and self._summary is not None:
            self.summaries.append((self._block, " ".join("".join(self._summary).split())))
            self._summary = None
        if self._table is None:
            return
        if tag == "caption" and self._caption is not None:
            self._table["caption"] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table["rows"].append(self._row)
            self._row = None
        elif tag == "table":
            self.tables.append(self._table)
            self._table = None
            self._scope = None

    def handle_data(self, data):
        for target in (self._cell, self._caption, self._summary):
            if target is not None:
                target.append(data)


def parse_page(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    return parser


NUMBER = re.compile(r"^-?[\d\s\u00a0\u202f]+(,\d+)?$")


def number(text: str):
    """A cell as published: a number, None for none ('–' or empty), or HIDDEN."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ").strip()
    for unit in ("%", "kr"):
        text = text.removesuffix(unit).strip()
    if text in ("", "–", "-"):
        return None
    if NUMBER.match(text):
        return float(text.replace(" ", "").replace(",", "."))
    return HIDDEN


class _Hidden:
    def __repr__(self):
        return "HIDDEN"


HIDDEN = _Hidden()
WITHHELD_LABELS = {"färre än 5", "skyddad", "visas inte"}


def form_choices(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for select in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        found[select[1]] = re.findall(r'<option value="([^"]*)"', select[2])
    return found


# ---------------------------------------------------------------- facts


@dataclass(frozen=True)
class Fact:
    """One published figure about a group of organisers (frozenset of principal pks)."""

    round: str  # round name, or "" for programme reach
    group: frozenset
    measure: str  # submitted, dnp_ready, reached, code=option, code:answered, code:mean, ...
    kind: str  # count, share, mean
    value: object  # float, None or HIDDEN
    base: str = ""  # the measure a share is taken of ("organisers" for the register)
    source: str = ""


@dataclass
class Register:
    """What the reader knows of each organiser from the public register."""

    types: dict
    counties: dict
    municipalities: dict
    pupils: dict

    @classmethod
    def now(cls) -> "Register":
        active = Principal.objects.active().prefetch_related("municipalities")
        active = list(active.select_related("county"))
        return cls(
            types={p.pk: p.organiser_type for p in active},
            counties={p.pk: p.county.code if p.county_id else "" for p in active},
            municipalities={p.pk: {m.code for m in p.municipalities.all()} for p in active},
            pupils={p.pk: p.pupils for p in active},
        )

    @property
    def everyone(self) -> frozenset:
        return frozenset(self.types)

    def select(self, *, typ="", lan="", kommun="", storlek="") -> frozenset:
        bands = {
            "upto-100": (0, 100),
            "101-500": (101, 500),
            "501-5000": (501, 5000),
            "over-5000": (5001, None),
        }
        chosen = set()
        for pk in self.types:
            if typ and self.types[pk] != typ:
                continue
            if lan and self.counties[pk] != lan:
                continue
            if kommun and kommun not in self.municipalities[pk]:
                continue
            if storlek:
                pupils = self.pupils[pk]
                if storlek == "unknown":
                    if pupils is not None:
                        continue
                else:
                    low, high = bands[storlek]
                    if pupils is None or pupils < low or (high is not None and pupils > high):
                        continue
            chosen.add(pk)
        return frozenset(chosen)


class Labels:
    """Names as pages print them, to the groups and answers they stand for."""

    def __init__(self, world: World, register: Register, opendata: list[dict]):
        with translation.override("sv"):
            self.types = {str(label): code for code, label in T.choices}
            self.answers = {}
            for indicator in world.indicators:
                for value, label in indicator.options():
                    self.answers[(indicator.code, str(label))] = f"{indicator.code}={value}"
                if indicator.answer_type == Types.PERCENTAGE:
                    for band, label in PERCENT_BANDS.items():
                        self.answers[(indicator.code, label)] = f"{indicator.code}={band}"
        self.counties = {c.name: c.code for c in County.objects.all()}
        self.counties["Län saknas"] = ""
        self.register = register
        self.opendata = opendata
        self.indicator_codes = [i.code for i in world.indicators]
        self.questions = {i.question: i.code for i in world.indicators}

    def group(self, round_name: str, breakdown: str, name: str) -> frozenset | None:
        """The organisers of a row labelled `name` in a table by type or by county."""
        merged = MERGED.match(name)
        if merged:
            names = merged[2].split(", ")
            if merged[1] == "huvudmannatyper":
                codes = {self.types[n] for n in names}
                return frozenset(pk for pk, t in self.register.types.items() if t in codes)
            codes = {self.counties[n] for n in names}
            return frozenset(pk for pk, c in self.register.counties.items() if c in codes)
        for record in self.opendata:
            if (record["round"], record["breakdown"], record["group_name"]) == (
                round_name,
                breakdown,
                name,
            ):
                return self.members(breakdown, record["group_code"], record.get("group_members"))
        if breakdown == "organiser_type" and name in self.types:
            return self.register.select(typ=self.types[name])
        if breakdown == "county" and name in self.counties:
            code = self.counties[name]
            return frozenset(pk for pk, c in self.register.counties.items() if c == code)
        return None

    def members(self, breakdown: str, code: str, members=None) -> frozenset:
        if breakdown == "national":
            return self.register.everyone
        codes = (members or "").split(",") if members else [code]
        if breakdown == "organiser_type":
            return frozenset(pk for pk, t in self.register.types.items() if t in codes)
        return frozenset(pk for pk, c in self.register.counties.items() if c in codes)

    def group_of_key(self, round_name: str, key: str) -> frozenset | None:
        if key == "national":
            return self.register.everyone
        breakdown, _sep, code = key.partition(":")
        code = "" if code == "none" else code
        for record in self.opendata:
            if (record["round"], record["breakdown"], record["group_code"]) == (
                round_name,
                breakdown,
                code,
            ):
                return self.members(breakdown, code, record.get("group_members"))
        return self.members(breakdown, code)


MERGED = re.compile(r"^Övriga (huvudmannatyper|län) \((.*)\)$")
ACHIEVED_SENTENCE = re.compile(r"^([\d\s\u00a0,]+)\s?% uppfyller indikatorn")
MEAN_SENTENCE = re.compile(r"Medelvärdet är ([\d\s ,]+) bland de ([\d\s ]+) huvudmän")


def _num(text: str) -> float:
    return float(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def facts_from_readiness_page(
    html: str,
    *,
    round_name: str,
    page_group: frozenset,
    labels: Labels,
    source: str,
    trend_code: str | None = None,
) -> list[Fact]:
    page = parse_page(html)
    if page.group_key is not None:
        page_group = labels.group_of_key(round_name, page.group_key)
    if trend_code is None:
        selected = re.search(
            r'<select name="indikator".*?<option value="([^"]*)" selected', html, re.S
        )
        trend_code = selected[1] if selected else None
    facts: list[Fact] = []

    def add(group, measure, kind, text, base="", where=source):
        value = number(text) if isinstance(text, str) else text
        facts.append(Fact(round_name, group, measure, kind, value, base, where))

    for table in page.tables:
        rows = table["rows"]
        if not rows:
            continue
        head = rows[0]
        body = [row for row in rows[1:] if len(row) == len(head)]  # not "No figures to show"
        key = table["block"] or ""
        scope = page_group
        if table["scope"] is not None:
            scope = labels.group_of_key(round_name, table["scope"])
        where = f"{source} {key}"
        if key == "sammanfattning":
            for row in body:
                group = scope
                if len(row) > 6:  # a first column naming the group
                    row = row[1:]
                _round, _organisers, submitted, rate, ready, ready_share = row[:6]
                add(group, "submitted", "count", submitted, where=where)
                add(group, "submitted", "share", rate, "organisers", where=where)
                add(group, "dnp_ready", "count", ready, where=where)
                add(group, "dnp_ready", "share", ready_share, "submitted", where=where)
        elif key in ("typ", "lan"):
            breakdown = "organiser_type" if key == "typ" else "county"
            for label, _organisers, submitted, rate, ready, ready_share in body:
                group = labels.group(round_name, breakdown, label)
                if group is None:
                    raise AssertionError(f"unknown group {label!r} in {where}")
                group = group & scope
                add(group, "submitted", "count", submitted, where=where)
                add(group, "submitted", "share", rate, "organisers", where=where)
                add(group, "dnp_ready", "count", ready, where=where)
                add(group, "dnp_ready", "share", ready_share, "submitted", where=where)
        elif key.startswith("indikator-"):
            code = key.removeprefix("indikator-")
            for row in body:
                label = row[0]
                measure = labels.answers.get((code, label))
                kind_of_row = "count"
                if measure is None:
                    measure = {
                        "Inget svar": f"{code}:not_answered",
                        "Har svarat": f"{code}:answered",
                        "Uppfyller indikatorn": f"{code}:achieved",
                        "Medelvärde": f"{code}:mean",
                    }.get(label)
                if measure is None:
                    raise AssertionError(f"unknown row {label!r} in {where}")
                if measure.endswith(":mean"):
                    add(scope, measure, "mean", row[1], where=where)
                    continue
                add(scope, measure, kind_of_row, row[1], where=where)
                if len(row) > 2:
                    add(scope, measure, "share", row[2], "submitted", where=where)
                if len(row) > 3 and head[3].startswith("Medelvärde") and row[3]:
                    add(scope, f"{code}:mean", "mean", row[3], where=where)
        elif key.startswith("uppfyller-") or key == "medelvarden":
            for question, count, value in body:
                code = labels.questions.get(question)
                if code is None:
                    raise AssertionError(f"unknown question {question!r} in {where}")
                if key == "medelvarden":
                    add(scope, f"{code}:answered", "count", count, where=where)
                    add(scope, f"{code}:mean", "mean", value, where=where)
                else:
                    add(scope, f"{code}:achieved", "count", count, where=where)
                    add(scope, f"{code}:achieved", "share", value, "submitted", where=where)
        elif key == "trend-dnp":
            for round_label, submitted, ready, ready_share in body:
                group = (
                    labels.group_of_key(round_label, table["scope"]) if table["scope"] else scope
                )
                facts.append(
                    Fact(round_label, group, "submitted", "count", number(submitted), "", where)
                )
                facts.append(
                    Fact(round_label, group, "dnp_ready", "count", number(ready), "", where)
                )
                facts.append(
                    Fact(
                        round_label,
                        group,
                        "dnp_ready",
                        "share",
                        number(ready_share),
                        "submitted",
                        where,
                    )
                )
        elif key == "trend-indicator":
            for row in body:
                round_label, submitted, *shares = row
                group = (
                    labels.group_of_key(round_label, table["scope"]) if table["scope"] else scope
                )
                facts.append(
                    Fact(round_label, group, "submitted", "count", number(submitted), "", where)
                )
                for header, text in zip(head[2:], shares, strict=True):
                    answer = header.removesuffix(" (%)")
                    measure = None
                    if answer == "Uppfyller indikatorn" and trend_code:
                        facts.append(
                            Fact(
                                round_label,
                                group,
                                f"{trend_code}:achieved",
                                "share",
                                number(text),
                                "submitted",
                                where,
                            )
                        )
                        continue
                    for (c, label), m in labels.answers.items():
                        if label == answer and (trend_code is None or c == trend_code):
                            measure = m
                    if measure is None:
                        raise AssertionError(f"unknown trend column {header!r} in {where}")
                    facts.append(
                        Fact(round_label, group, measure, "share", number(text), "submitted", where)
                    )
    for block, text in page.summaries:
        if not block or not block.startswith("indikator-"):
            continue
        code = block.removeprefix("indikator-")
        for sentence in re.split(r"(?<=\.) ", text):
            match = ACHIEVED_SENTENCE.match(sentence)
            if match:
                add(page_group, f"{code}:achieved", "share", _num(match[1]), "submitted")
            match = MEAN_SENTENCE.search(sentence)
            if match:
                add(page_group, f"{code}:mean", "mean", _num(match[1]))
                add(page_group, f"{code}:answered", "count", _num(match[2]))
    return facts


def facts_from_opendata(records: list[dict], labels: Labels) -> list[Fact]:
    facts = []
    for r in records:
        group = labels.members(r["breakdown"], r["group_code"], r.get("group_members"))
        measure = r["measure"]
        if measure == "organisers":
            continue
        if measure == "answer":
            measure = f"{r['indicator_code']}={r['answer_code']}"
        elif measure in ("achieved", "answered", "not_answered", "mean"):
            measure = f"{r['indicator_code']}:{measure}"
        value = HIDDEN if r["suppressed"] else r["organisers"]
        if measure.endswith(":mean"):
            value = HIDDEN if r["suppressed"] else r.get("mean", r["organisers"])
            facts.append(Fact(r["round"], group, measure, "mean", value, source="open data"))
            continue
        facts.append(Fact(r["round"], group, measure, "count", value, source="open data"))
        share = HIDDEN if r["suppressed"] else r["share_percent"]
        base = "organisers" if measure == "submitted" else "submitted"
        facts.append(Fact(r["round"], group, measure, "share", share, base, "open data"))
    return facts


def facts_from_programme_page(html: str, *, labels: Labels, source: str) -> list[Fact]:
    """Programme reach: organisers that took part in a deliverable, by type and county."""
    page = parse_page(html)
    facts = []
    for table in page.tables:
        key = table["block"] or ""
        if key not in ("nad-typ", "nad-lan"):
            continue
        breakdown = "organiser_type" if key == "nad-typ" else "county"
        for label, _organisers, took_part, share in table["rows"][1:]:
            if label in ("Alla huvudmän", "Hela landet"):
                group = labels.register.everyone
            else:
                group = labels.group("", breakdown, label)
                if group is None:
                    raise AssertionError(f"unknown reach group {label!r} in {source}")
            facts.append(Fact("", group, "reached", "count", number(took_part), "", source))
            facts.append(Fact("", group, "reached", "share", number(share), "organisers", source))
    return facts


def _paragraphs(parts) -> list[str]:
    found = []
    for part in parts:
        found += part.paragraphs
        found += _paragraphs(part.children)
    return found


def _report_rounds(snapshot: dict) -> tuple[str, str]:
    """The first and latest round the report compares, as its text names them."""
    text = snapshot.get("text", "")
    names = list(ReportingRound.objects.values_list("name", flat=True))
    found = sorted((text.find(n), n) for n in names if n in text)
    if not found:
        return "", ""
    return found[0][1], found[-1][1]


def _reported(value):
    """A report cell: a number, or hidden (empty, or a withheld label such as "färre än 5")."""
    if value is None:
        return HIDDEN
    try:
        return float(value)
    except ValueError:
        assert value in WITHHELD_LABELS, (
            f"a report cell that is neither number nor label: {value!r}"
        )
        return HIDDEN


def facts_from_report(snapshot: dict, labels: Labels) -> list[Fact]:
    """The final report's readiness tables (first and latest round) and its reach table."""
    facts = []
    tables = snapshot["tables"]
    first, latest = _report_rounds(snapshot)
    for label, _organisers, took_part, share in [
        *tables.get("reach-organisers", {}).get("rows", []),
        tables.get("reach-organisers", {}).get("footer") or ["Alla huvudmän", 0, None, None],
    ]:
        if label in ("Alla huvudmän", "Totalt", "Hela landet"):
            group = labels.register.everyone
        else:
            group = labels.group("", "organiser_type", label)
            if group is None:
                raise AssertionError(f"unknown report reach group {label!r}")
        value = _reported(took_part)
        facts.append(Fact("", group, "reached", "count", value, "", "report"))
        value = _reported(share)
        facts.append(Fact("", group, "reached", "share", value, "organisers", "report"))
    everyone = labels.register.everyone
    for _question, code, s0, s1, _change in tables.get("readiness-indicators", {}).get("rows", []):
        for name, value in ((first, s0), (latest, s1)):
            value = _reported(value)
            facts.append(
                Fact(name, everyone, f"{code}:achieved", "share", value, "submitted", "report")
            )
    for row in tables.get("readiness-dnp", {}).get("rows", []):
        label, n0, p0, n1, p1 = row
        if label == "Hela landet":
            group = everyone
        else:
            group = labels.group(latest, "organiser_type", label)
            if group is None:
                raise AssertionError(f"unknown report group {label!r}")
        for name, n, p in ((first, n0, p0), (latest, n1, p1)):
            facts.append(
                Fact(
                    name,
                    group,
                    "submitted",
                    "count",
                    _reported(n),
                    source="report",
                )
            )
            facts.append(
                Fact(
                    name,
                    group,
                    "dnp_ready",
                    "share",
                    _reported(p),
                    "submitted",
                    "report",
                )
            )
    return facts


# ---------------------------------------------------------------- collecting


@dataclass
class Snapshot:
    facts: list[Fact]
    register: Register
    # Everything published, as text per source, to compare two snapshots.
    texts: dict[str, str]


def _strip_volatile(text: str) -> str:
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    text = re.sub(r'nonce="[^"]+"', "", text)
    text = re.sub(r'"generated": "[^"]+"', "", text)
    return text


def collect(world: World, *, government, anonymous, organiser_clients=None) -> Snapshot:
    """Everything a government viewer, an organiser and an anonymous visitor can fetch."""
    register = Register.now()
    texts: dict[str, str] = {}
    opendata_response = anonymous.get(reverse("reporting:opendata-readiness", args=["json"]))
    assert opendata_response.status_code == 200
    opendata = opendata_response.json()["records"]
    texts["opendata.json"] = _strip_volatile(json.dumps(opendata, sort_keys=True))
    csv_text = anonymous.get(reverse("reporting:opendata-readiness", args=["csv"])).content
    texts["opendata.csv"] = csv_text.decode("utf-8-sig")
    labels = Labels(world, register, opendata)
    facts = facts_from_opendata(opendata, labels)
    # The open-data CSV says the same as the JSON.
    rows = list(csv.DictReader(io.StringIO(texts["opendata.csv"]), delimiter=";"))
    assert len(rows) == len(opendata)
    # The public API (api/, no key): every page of every open-data list is collected, and its
    # readiness records are taken as facts too (they must be the file's, value for value).
    api_records = {}
    for name in ("readiness", "funding", "rounds"):
        url, values = f"/api/v1/open-data/{name}?limit=1000", []
        while url:
            page = anonymous.get(url)
            assert page.status_code == 200, (url, page.status_code)
            body = page.json()
            values += body["values"]
            url = body.get("nextPage")
        api_records[name] = values
        texts[f"api {name}"] = _strip_volatile(json.dumps(values, sort_keys=True))
    assert api_records["readiness"] == opendata
    facts += facts_from_opendata(api_records["readiness"], labels)

    url = reverse("reporting:readiness-dashboard")
    first = government.get(url)
    assert first.status_code == 200
    choices = form_choices(first.content.decode())
    rounds = [c for c in choices.get("omgang", []) if c]
    round_names = {
        str(r.pk): r.name for r in ReportingRound.objects.filter(pk__in=[int(c) for c in rounds])
    }
    types = [""] + [c for c in choices.get("typ", []) if c]
    counties = [""] + [c for c in choices.get("lan", []) if c]
    municipalities = [""] + [
        c
        for c in choices.get("kommun", [])
        if c and any(c in codes for codes in register.municipalities.values())
    ]
    sizes = [""] + [c for c in choices.get("storlek", []) if c]
    indicators = [c for c in choices.get("indikator", []) if c]
    combos = []
    for typ, lan, kommun, storlek in product(types, counties, municipalities, sizes):
        group = register.select(typ=typ, lan=lan, kommun=kommun, storlek=storlek)
        if group:
            combos.append(({"typ": typ, "lan": lan, "kommun": kommun, "storlek": storlek}, group))
    for round_pk in rounds:
        for params, group in combos:
            query = {"omgang": round_pk, **{k: v for k, v in params.items() if v}}
            response = government.get(url, query)
            assert response.status_code == 200, (query, response.status_code)
            html = response.content.decode()
            texts[f"dashboard {sorted(query.items())}"] = _strip_volatile(html)
            facts += facts_from_readiness_page(
                html,
                round_name=round_names[round_pk],
                page_group=group,
                labels=labels,
                source=f"dashboard {query}",
            )
    # The trend of every indicator, for every group.
    for code in indicators:
        for params, group in combos:
            query = {"indikator": code, **{k: v for k, v in params.items() if v}}
            html = government.get(url, query).content.decode()
            page_facts = facts_from_readiness_page(
                html,
                round_name=round_names.get(str(rounds[0]), "") if rounds else "",
                page_group=group,
                labels=labels,
                source=f"trend {query}",
                trend_code=code,
            )
            facts += [f for f in page_facts if "trend-indicator" in f.source]
    # Downloads of each round's page: their figures join the others, so a download that
    # said more than (or other than) its page would show as a contradiction or a finding.
    for round_pk in rounds:
        default = government.get(url, {"omgang": round_pk}).content.decode()
        page = parse_page(default)
        scopes = {t["block"]: t["scope"] for t in page.tables}
        selected = re.search(
            r'<select name="indikator".*?<option value="([^"]*)" selected', default, re.S
        )
        for key in sorted(set(re.findall(r"/beredskap/export/([a-z0-9-]+)\.csv", default))):
            for fmt in ("csv", "xlsx"):
                response = government.get(
                    reverse("reporting:readiness-export", args=[key, fmt]), {"omgang": round_pk}
                )
                assert response.status_code == 200
                if fmt == "xlsx":
                    texts[f"export {round_pk} {key}.xlsx"] = _xlsx_text(response)
                    continue
                text = response.content.decode("utf-8-sig")
                texts[f"export {round_pk} {key}.csv"] = text
                facts += facts_from_readiness_page(
                    _export_as_page(text, key, scopes.get(key), page.group_key),
                    round_name=round_names[round_pk],
                    page_group=register.everyone,
                    labels=labels,
                    source=f"export {key}.csv",
                    trend_code=selected[1] if selected else None,
                )
    for agreement_id in form_choices(
        government.get(reverse("reporting:programme-dashboard")).content.decode()
    ).get("overenskommelse", []):
        response = government.get(
            reverse("reporting:programme-dashboard"), {"overenskommelse": agreement_id}
        )
        html = response.content.decode()
        texts[f"programme {agreement_id}"] = _strip_volatile(html)
        facts += facts_from_programme_page(html, labels=labels, source=f"programme {agreement_id}")
    content = final_report.build(world.report)
    snapshot = content.snapshot()
    snapshot["text"] = " ".join(_paragraphs(content.parts))
    texts["report"] = json.dumps(
        {k: v for k, v in snapshot["tables"].items() if k.startswith("readiness")},
        sort_keys=True,
    )
    texts["programme report reach"] = json.dumps(
        {k: v for k, v in snapshot["tables"].items() if k.startswith("reach")}, sort_keys=True
    )
    facts += facts_from_report(snapshot, labels)
    if organiser_clients:
        for principal, client in organiser_clients:
            response = client.get(reverse("principals:principal-detail", args=[principal.pk]))
            assert response.status_code == 200
            texts[f"comparison {principal.pk}"] = _strip_volatile(
                _comparison_part(response.content.decode())
            )
            facts += facts_from_comparison(
                response.content.decode(), principal=principal, labels=labels
            )
    return Snapshot(facts=facts, register=register, texts=texts)


def _export_as_page(text: str, key: str, scope, group_key) -> str:
    """A CSV download as the page would show it, so the same reader reads both: numbers in
    Swedish form, the note column and the explanations below the table left out."""
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    head = rows[0]
    width = len(head) - (1 if head[-1] == "Anmärkning" else 0)

    def swedish(value: str) -> str:
        return value.replace(".", ",") if re.fullmatch(r"-?[0-9.]+", value) else value

    cells = []
    for row in rows:
        if len(row) < width:
            break  # the blank line before the explanations
        cells.append("<tr>" + "".join(f"<td>{swedish(v)}</td>" for v in row[:width]) + "</tr>")
    scope_attr = f' data-scope="{scope}"' if scope else ""
    group_attr = f'<p data-group-key="{group_key}"></p>' if group_key else ""
    return (
        f'{group_attr}<section class="dash-block" data-key="{key}"><div{scope_attr}>'
        f"<table>{''.join(cells)}</table></div></section>"
    )


def _xlsx_text(response) -> str:
    book = load_workbook(io.BytesIO(response.content))
    lines = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            lines.append("\t".join("" if v is None else str(v) for v in row))
    return "\n".join(lines)


def _comparison_part(html: str) -> str:
    start = html.find('class="dash-compare"')
    if start < 0:
        return ""
    return html[start : html.find("</section>", start)]


def facts_from_comparison(html: str, *, principal, labels: Labels) -> list[Fact]:
    part = _comparison_part(html)
    if not part:
        return []
    page = parse_page(f"<section {part}</section>")
    round_match = re.search(r"data-round=\"([^\"]+)\"", part)
    facts = []
    if not page.tables:
        return facts
    table = page.tables[0]
    caption = table["caption"]
    round_name = round_match[1] if round_match else caption.split(", ")[-1]
    county_key = re.search(r'data-county-key="([^"]*)"', part)
    everyone = labels.register.everyone
    if county_key:
        county_group = labels.group_of_key(round_name, county_key[1])
    else:
        code = labels.register.counties.get(principal.pk, "")
        county_group = frozenset(pk for pk, c in labels.register.counties.items() if c == code)
    questions = {
        i.question: i.code for i in Indicator.objects.filter(code__in=labels.indicator_codes)
    }
    for row in table["rows"][1:]:
        label = row[0].replace(" DNP", "").strip()
        if label.startswith("Redo för digitala nationella prov"):
            measure = "dnp_ready"
        else:
            code = questions.get(label)
            if code is None:
                continue
            measure = f"{code}:achieved"
        facts.append(
            Fact(round_name, everyone, measure, "share", number(row[3]), "submitted", "comparison")
        )
        facts.append(
            Fact(
                round_name,
                county_group,
                measure,
                "share",
                number(row[4]),
                "submitted",
                "comparison",
            )
        )
    return facts


# ---------------------------------------------------------------- the reader's linear programme


def _structure(indicators) -> tuple[list[str], list[tuple[dict, float | None, float | None]]]:
    """Measures per atom and the relations between them that hold by construction."""
    measures = ["submitted", "dnp_ready"]
    rules: list[tuple[dict, float | None, float | None]] = [
        ({"dnp_ready": 1, "submitted": -1}, None, 0)
    ]
    dnp_achieved = []
    for indicator in indicators:
        code, kind = indicator.code, indicator.answer_type
        options = [f"{code}={v}" for v, _l in indicator.options()]
        if kind == Types.PERCENTAGE:
            options = [f"{code}={b}" for b in PERCENT_BANDS]
        if kind in (Types.INTEGER, Types.TEXT):
            measures += [f"{code}:answered", f"{code}:not_answered"]
            rules.append(
                ({f"{code}:answered": 1, f"{code}:not_answered": 1, "submitted": -1}, 0, 0)
            )
            continue
        achieved = f"{code}:achieved"
        if kind == Types.MULTI_CHOICE:
            answered = f"{code}:answered"
            measures += [*options, answered, f"{code}:not_answered", achieved]
            rules.append(({answered: 1, f"{code}:not_answered": 1, "submitted": -1}, 0, 0))
            for option in options:
                rules.append(({option: 1, answered: -1}, None, 0))
            rules.append(({**dict.fromkeys(options, 1), answered: -1}, 0, None))
            targets = [f"{code}={v}" for v in indicator.achieved_values] or options
            for option in targets:
                rules.append(({option: 1, achieved: -1}, None, 0))
            rules.append(({achieved: 1, **dict.fromkeys(targets, -1)}, None, 0))
            rules.append(({achieved: 1, answered: -1}, None, 0))
        else:
            measures += [*options, f"{code}:not_answered", achieved]
            rules.append(
                ({**dict.fromkeys(options, 1), f"{code}:not_answered": 1, "submitted": -1}, 0, 0)
            )
            if kind == Types.RATING:
                targets = [f"{code}={Rating.ACHIEVED}", f"{code}={Rating.NOT_RELEVANT}"]
            elif kind == Types.YES_NO:
                targets = [f"{code}=yes"]
            elif kind == Types.PERCENTAGE:
                targets = [f"{code}=100"]
            else:
                targets = [f"{code}={v}" for v in indicator.achieved_values] or options
            rules.append(({achieved: 1, **dict.fromkeys(targets, -1)}, 0, 0))
        if indicator.is_dnp:
            dnp_achieved.append(achieved)
            rules.append(({"dnp_ready": 1, achieved: -1}, None, 0))
    if dnp_achieved:
        rules.append(
            (
                {
                    "dnp_ready": 1,
                    **dict.fromkeys(dnp_achieved, -1),
                    "submitted": len(dnp_achieved) - 1,
                },
                0,
                None,
            )
        )
    return measures, rules


@dataclass
class Finding:
    round: str
    group_size: int
    measure: str
    low: float
    high: float
    needed: int
    sources: list

    def __str__(self) -> str:
        return (
            f"{self.round}: {self.measure} of {self.group_size} organisers lies in "
            f"[{self.low:g}, {self.high:g}] (needs width {self.needed}); from {self.sources[:2]}"
        )


def attack(facts: list[Fact], indicators, *, reach: bool = False) -> tuple[list, list]:
    """(findings, contradictions): withheld counts narrowed below the protection interval, and
    figures published with two different values."""
    findings, contradictions = [], []
    by_round: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.group:
            by_round[fact.round].append(fact)
    if reach:
        measures, rules = ["reached"], []
    else:
        measures, rules = _structure(indicators)
    for round_name, round_facts in sorted(by_round.items()):
        found, clash = _attack_round(round_name, round_facts, measures, rules)
        findings += found
        contradictions += clash
    return findings, contradictions


def _atoms(groups: set[frozenset]) -> list[frozenset]:
    """Organisers that no published group tells apart."""
    signature: dict[int, list] = defaultdict(list)
    ordered = sorted(groups, key=lambda g: (len(g), sorted(g)))
    everyone = set().union(*groups) if groups else set()
    for pk in everyone:
        signature[pk] = [i for i, g in enumerate(ordered) if pk in g]
    classes: dict[tuple, set] = defaultdict(set)
    for pk, sig in signature.items():
        classes[tuple(sig)].add(pk)
    return [frozenset(c) for c in classes.values()]


def _attack_round(round_name, facts, measures, rules):
    groups = {f.group for f in facts}
    atoms = _atoms(groups)
    n_atoms, n_measures = len(atoms), len(measures)
    column = {(a, m): a * n_measures + j for a in range(n_atoms) for j, m in enumerate(measures)}
    sizes = [len(a) for a in atoms]
    upper = np.array([sizes[a] for a in range(n_atoms) for _m in measures], dtype=float)
    members = {g: [i for i, a in enumerate(atoms) if a <= g] for g in groups}
    for g in groups:  # every group is a union of atoms
        assert sum(sizes[i] for i in members[g]) == len(g)
    eq_rows, eq_b, ub_rows, ub_b = [], [], [], []

    def row(terms: dict) -> dict:
        return terms

    for a in range(n_atoms):
        for terms, low, high in rules:
            r = {column[(a, m)]: c for m, c in terms.items() if (a, m) in column}
            if low is not None and high is not None and low == high:
                eq_rows.append(r)
                eq_b.append(low)
            else:
                if high is not None:
                    ub_rows.append(r)
                    ub_b.append(high)
                if low is not None:
                    ub_rows.append({k: -v for k, v in r.items()})
                    ub_b.append(-low)

    def cell(group, measure) -> dict:
        if measure == "organisers":
            return {}
        return {column[(a, measure)]: 1.0 for a in members[group]}

    known: dict[tuple, float] = {}
    clash = []
    hidden = []
    for fact in facts:
        if fact.measure not in measures or fact.kind == "mean":
            continue
        key = (fact.group, fact.measure)
        if fact.kind == "count":
            if fact.value is HIDDEN:
                hidden.append(fact)
            elif fact.value is not None:
                if key in known and abs(known[key] - fact.value) > 1e-9:
                    clash.append(f"{round_name}: {fact.measure} is {known[key]} and {fact.value}")
                known[key] = fact.value
    for key, value in known.items():
        eq_rows.append(cell(*key))
        eq_b.append(value)
    for fact in facts:
        if fact.kind != "share" or fact.measure not in measures:
            continue
        if fact.value is HIDDEN:
            hidden.append(fact)
            continue
        if fact.value is None:
            continue
        part = cell(fact.group, fact.measure)
        if fact.base == "organisers":
            whole_terms, whole_const = {}, float(len(fact.group))
        else:
            whole_terms, whole_const = cell(fact.group, fact.base), 0.0
        for sign, bound in ((1, fact.value + 0.05), (-1, fact.value - 0.05)):
            # sign × (part − bound/100 × whole) ≤ 0
            terms = defaultdict(float)
            for k, v in part.items():
                terms[k] += sign * v
            for k, v in whole_terms.items():
                terms[k] -= sign * bound / 100 * v
            ub_rows.append(dict(terms))
            ub_b.append(sign * bound / 100 * whole_const)
    n = n_atoms * n_measures

    def matrix(rows):
        if not rows:
            return None
        data, ri, ci = [], [], []
        for i, r in enumerate(rows):
            for k, v in r.items():
                ri.append(i)
                ci.append(k)
                data.append(v)
        return coo_matrix((data, (ri, ci)), shape=(len(rows), n)).tocsr()

    a_eq, a_ub = matrix(eq_rows), matrix(ub_rows)
    b_eq = np.array(eq_b) if eq_rows else None
    b_ub = np.array(ub_b) if ub_rows else None
    bounds = list(zip(np.zeros(n), upper, strict=True))
    findings = []
    seen = set()
    for fact in hidden:
        key = (fact.group, fact.measure)
        if key in seen or key in known:
            if key in known and key not in seen:
                clash.append(
                    f"{round_name}: {fact.measure} of {len(fact.group)} organisers is withheld "
                    f"in {fact.source} but published elsewhere as {known[key]}"
                )
            seen.add(key)
            continue
        seen.add(key)
        objective = np.zeros(n)
        for k in cell(*key):
            objective[k] = 1.0
        low = linprog(objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
        high = linprog(-objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
        if low.status != 0 or high.status != 0:
            clash.append(f"{round_name}: the published figures contradict each other ({key[1]})")
            continue
        lo, hi = low.fun, -high.fun
        base_known = None
        base_measure = "organisers"
        for f in facts:
            if f.measure == fact.measure and f.base:
                base_measure = f.base
                break
        if fact.measure == "submitted":
            base_measure = "organisers"
        if base_measure == "organisers":
            base_known = len(fact.group)
        else:
            base_known = known.get((fact.group, base_measure), len(fact.group))
        needed = min(PROTECTION, int(base_known))
        width = math.floor(hi + 1e-6) - math.ceil(lo - 1e-6)
        if width < needed:
            findings.append(
                Finding(
                    round_name,
                    len(fact.group),
                    fact.measure,
                    lo,
                    hi,
                    needed,
                    [f.source for f in facts if (f.group, f.measure) == key],
                )
            )
    return findings, clash


def close_pairs(facts: list[Fact], respondents: dict[str, frozenset]) -> list[str]:
    """Published shares or means of groups that differ by 1–4 organisers or respondents."""
    problems = []
    by_round: dict[str, set] = defaultdict(set)
    for fact in facts:
        if fact.kind in ("share", "mean") and fact.value not in (None, HIDDEN) and fact.group:
            by_round[fact.round].add(fact.group)
    for round_name, groups in by_round.items():
        answered = respondents.get(round_name, frozenset())
        ordered = sorted(groups, key=lambda g: (len(g), sorted(g)))
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                organisers = len(a ^ b)
                people = len((a ^ b) & answered)
                if 0 < organisers < THRESHOLD or 0 < people < THRESHOLD:
                    problems.append(
                        f"{round_name}: groups of {len(a)} and {len(b)} organisers both "
                        f"published, differing by {organisers} organisers ({people} respondents)"
                    )
    return problems


MEAN_MIN = 10  # docs/disclosure.md: a mean needs at least ten answers
P_PERCENT = 10  # and no answer may be estimated to within 10 % by the next largest one


def dominated_means(facts: list[Fact]) -> list[str]:
    """Published means that rest on too few answers, or from which the next largest answerer
    could estimate the largest answer to within 10 % (the p % rule), from the true answers."""
    problems = []
    answers: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for name, pk, values in Assessment.objects.filter(
        state=Assessment.State.SUBMITTED, current__isnull=False
    ).values_list("round__name", "principal_id", "current__answers"):
        for code, answer in values.items():
            value = answer.get("value") if isinstance(answer, dict) else None
            if isinstance(value, int) and not isinstance(value, bool):
                answers[(name, code)][pk] = value
    seen = set()
    for fact in facts:
        if fact.kind != "mean" or fact.value in (None, HIDDEN):
            continue
        code = fact.measure.removesuffix(":mean")
        key = (fact.round, fact.group, code)
        if key in seen:
            continue
        seen.add(key)
        values = sorted(
            (v for pk, v in answers[(fact.round, code)].items() if pk in fact.group), reverse=True
        )
        if len(values) < MEAN_MIN:
            problems.append(f"{fact.round}: a mean of {code} from {len(values)} answers")
        elif len(values) >= 2 and sum(values[2:]) < P_PERCENT / 100 * values[0]:
            problems.append(
                f"{fact.round}: the mean of {code} for {len(fact.group)} organisers gives away "
                f"its largest answer ({values[0]}) to within {P_PERCENT} %"
            )
    return problems


def respondents_by_round() -> dict[str, frozenset]:
    found: dict[str, set] = defaultdict(set)
    for name, pk in Assessment.objects.filter(
        state=Assessment.State.SUBMITTED, current__isnull=False
    ).values_list("round__name", "principal_id"):
        found[name].add(pk)
    return {k: frozenset(v) for k, v in found.items()}
