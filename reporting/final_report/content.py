"""The one context builder of the final report: HTML preview, PDF, XLSX and the JSON snapshot.

Every generated number is a cell of a `Table`; templates print `cell.display`, the XLSX writes
`cell.value`, and the snapshot stores `cell.value`, so the formats cannot disagree. Narrative
Markdown is rendered and sanitised here, once, so no output can carry a script.
"""

import datetime
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import markdown
import nh3
from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import pgettext

from agreement import selectors as agreement_selectors
from agreement.models import Activity, Agreement, Cost, Deliverable, Milestone
from portal import formatting, spreadsheets
from portal.models import DemoDataset
from portal.spreadsheets import AMOUNT, DATE, INT, PERCENT, YEAR, Column
from principals.models import Principal
from readiness.models import Assessment, Indicator, ReportingRound

from .. import aggregates, charts, disclosure, publication
from ..models import FinalReport, ReportSection

# Sections every report starts with: key, kind, text required, English title (translated).
DEFAULT_SECTIONS = [
    ("summary", ReportSection.Kind.NARRATIVE, True, "Summary"),
    ("assignment", ReportSection.Kind.GENERATED, False, "The assignment"),
    ("implementation", ReportSection.Kind.GENERATED, False, "Implementation"),
    ("results", ReportSection.Kind.GENERATED, True, "Results"),
    ("finance", ReportSection.Kind.GENERATED, True, "Financial report"),
    ("conclusions", ReportSection.Kind.NARRATIVE, True, "Conclusions and recommendations"),
    ("appendices", ReportSection.Kind.GENERATED, False, "Appendices"),
]


def default_section_title(key: str) -> str:
    titles = {
        "summary": pgettext("final report", "Summary"),
        "assignment": pgettext("final report", "The assignment"),
        "implementation": pgettext("final report", "Implementation"),
        "results": pgettext("final report", "Results"),
        "finance": pgettext("final report", "Financial report"),
        "conclusions": pgettext("final report", "Conclusions and recommendations"),
        "appendices": pgettext("final report", "Appendices"),
    }
    return titles[key]


def initiative_heading(initiative) -> str:
    return f"{pgettext('final report', 'Initiative')} {initiative.number}: {initiative.title}"


# ---------------------------------------------------------------- narrative text

ALLOWED_TAGS = {
    "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "em", "strong",
    "a", "blockquote", "code", "pre", "hr",
}  # fmt: skip
HEADING = re.compile(r"<(/?)h([1-6])>")


def render_markdown(text: str, *, heading_level: int = 3) -> str:
    """Markdown to sanitised HTML; its headings start at `heading_level` to keep the outline."""
    raw = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    clean = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return _outline(clean, heading_level)


def _outline(html: str, top: int) -> str:
    """Headings start at `top` and never skip a level, whatever levels the writer chose."""
    levels = [int(m[2]) for m in HEADING.finditer(html) if not m[1]]
    if not levels:
        return html
    shift = top - min(levels)
    mapped, last = [], top - 1
    for level in levels:
        new = min(6, level + shift, last + 1)
        mapped.append(new)
        last = new
    opened = iter(mapped)
    stack: list[int] = []

    def swap(match: re.Match) -> str:
        if match[1]:
            return f"</h{stack.pop()}>" if stack else match[0]
        stack.append(next(opened))
        return f"<h{stack[-1]}>"

    return HEADING.sub(swap, html)


# ---------------------------------------------------------------- tables


@dataclass
class Cell:
    value: Any
    display: str
    numeric: bool


@dataclass
class Table:
    """One generated table: a caption, typed columns and rows of raw values."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    footer: list[Any] | None = None
    note: str = ""
    # Long lists of names (the participating organisers) print as a list in columns: easier to
    # read than one dense paragraph, and laid out far faster than a table of a thousand rows.
    compact: bool = False

    def _cells(self, row: list[Any]) -> list[Cell]:
        cells = []
        for column, value in zip(self.columns, row, strict=True):
            if value is None or value == "":
                cells.append(Cell(None, "–" if column.numeric else "", column.numeric))
            elif column.numeric and isinstance(value, str):
                cells.append(Cell(None, value, True))  # a withheld figure's label
            else:
                cells.append(Cell(value, spreadsheets.shown(value, column.kind), column.numeric))
        return cells

    @property
    def cell_rows(self) -> list[list[Cell]]:
        return [self._cells(row) for row in self.rows]

    @property
    def column_labels(self) -> str:
        return ", ".join(c.label for c in self.columns)

    @property
    def list_items(self) -> list[tuple[str, str]]:
        """A compact table's rows as (first cell, the other cells joined) for a list."""
        return [
            (row[0].display, " · ".join(c.display for c in row[1:] if c.display))
            for row in self.cell_rows
        ]

    @property
    def footer_cells(self) -> list[Cell] | None:
        return self._cells(self.footer) if self.footer else None

    def snapshot(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "columns": [c.label for c in self.columns],
            "kinds": [c.kind for c in self.columns],
            "rows": [[json_value(v) for v in row] for row in self.rows],
            "footer": [json_value(v) for v in self.footer] if self.footer else None,
            "note": self.note,
        }


def json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


# ---------------------------------------------------------------- the content


@dataclass
class Chart:
    title: str
    svg: str
    description: str = ""


@dataclass
class Part:
    """A section or a per-initiative subsection as it is printed."""

    anchor: str
    number: str
    title: str
    section: ReportSection | None = None
    body_html: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    items: list[tuple[str, str]] = field(default_factory=list)
    items_title: str = ""
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    children: list["Part"] = field(default_factory=list)


@dataclass
class ReportContent:
    report: FinalReport
    agreement: Agreement
    generated_at: datetime.datetime
    parts: list[Part]
    is_demo: bool = False

    @property
    def tables(self) -> list[Table]:
        found = []

        def walk(parts):
            for part in parts:
                found.extend(part.tables)
                walk(part.children)

        walk(self.parts)
        return found

    def snapshot(self) -> dict[str, Any]:
        agreement = self.agreement
        return {
            "agreement": {
                "id": agreement.pk,
                "title": agreement.title,
                "registration_number": agreement.registration_number,
                "period": [agreement.starts_on.isoformat(), agreement.ends_on.isoformat()],
                "final_report_due": agreement.final_report_due.isoformat(),
            },
            "generated_at": self.generated_at.isoformat(),
            "tables": {table.key: table.snapshot() for table in self.tables},
        }

    def snapshot_json(self) -> str:
        return json.dumps(self.snapshot(), sort_keys=True, ensure_ascii=False, indent=1)


def build(report: FinalReport, *, now: datetime.datetime | None = None) -> ReportContent:
    """Everything the report shows, always in Swedish (it is a Swedish public record)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _build(report, now or timezone.now())


def _build(report: FinalReport, now: datetime.datetime) -> ReportContent:
    agreement = report.agreement
    sections = list(report.sections.select_related("initiative").order_by("order", "pk"))
    per_initiative = {s.initiative_id: s for s in sections if s.initiative_id}
    data = _Data(agreement)
    parts = []
    number = 0
    for section in sections:
        if section.initiative_id:
            continue
        number += 1
        part = Part(
            anchor=f"avsnitt-{section.key}",
            number=str(number),
            title=section.title,
            section=section,
            body_html=render_markdown(section.body, heading_level=3),
        )
        builder = GENERATORS.get(section.key) if section.kind == section.Kind.GENERATED else None
        if builder is not None:
            builder(part, data, per_initiative)
        parts.append(part)
    content = ReportContent(
        report=report,
        agreement=agreement,
        generated_at=now,
        parts=parts,
        # A real agreement's report is demo too when demo activities and organisers fill it.
        is_demo=agreement.is_demo or DemoDataset.objects.exists(),
    )
    for table in content.tables:
        _withheld_note(table)
    return content


class _Data:
    """The queries the generated sections share, each run once."""

    def __init__(self, agreement: Agreement):
        self.agreement = agreement
        self.funding_years = agreement_selectors.funding_years_with_totals(agreement)
        self.initiatives = list(agreement.initiatives.order_by("number"))
        milestones_met = Count("milestones", filter=Q(milestones__completed_on__isnull=False))
        self.activities = list(
            Activity.objects.filter(agreement=agreement)
            .current()
            .annotate(
                milestone_total=Coalesce(
                    Subquery(
                        Milestone.objects.filter(activity=OuterRef("pk"))
                        .order_by()
                        .values("activity")
                        .annotate(n=Count("pk"))
                        .values("n")[:1]
                    ),
                    0,
                ),
                milestones_met=milestones_met,
            )
            .prefetch_related(
                "partners",
                "initiatives",
                Prefetch(
                    "deliverables",
                    queryset=Deliverable.objects.annotate(principal_count=Count("principals"))
                    .select_related("activity")
                    .order_by("delivered_on", "pk"),
                ),
            )
            .order_by("planned_start", "title", "pk")
        )


# ---------------------------------------------------------------- generated sections


def _period(activity: Activity) -> str:
    start = activity.actual_start or activity.planned_start
    end = activity.actual_end or activity.planned_end
    return f"{start.isoformat()} – {end.isoformat()}"


def _activity_table(key: str, title: str, activities: list[Activity]) -> Table:
    return Table(
        key=key,
        title=title,
        columns=[
            Column(pgettext("final report", "Activity")),
            Column(pgettext("final report", "Status")),
            Column(pgettext("final report", "Period")),
            Column(pgettext("final report", "Partners")),
            Column(pgettext("final report", "Milestones met"), INT),
            Column(pgettext("final report", "Milestones"), INT),
            Column(pgettext("final report", "Deliverables"), INT),
        ],
        rows=[
            [
                a.title,
                a.get_status_display(),
                _period(a),
                ", ".join(p.name for p in a.partners.all()),
                a.milestones_met,
                a.milestone_total,
                len(a.deliverables.all()),
            ]
            for a in activities
        ],
    )


def _deliverable_table(key: str, title: str, deliverables: list[Deliverable]) -> Table:
    return Table(
        key=key,
        title=title,
        columns=[
            Column(pgettext("final report", "Date"), DATE),
            Column(pgettext("final report", "Deliverable")),
            Column(pgettext("final report", "Kind")),
            Column(pgettext("final report", "Activity")),
            Column(pgettext("final report", "Participants"), INT),
            Column(pgettext("final report", "Organisers"), INT),
        ],
        rows=[
            [
                d.delivered_on,
                d.title,
                d.get_kind_display(),
                d.activity.title,
                d.participants,
                d.principal_count,
            ]
            for d in deliverables
        ],
    )


def gen_assignment(part: Part, data: _Data, per_initiative) -> None:
    agreement = data.agreement
    part.facts = [
        (pgettext("final report", "Agreement"), agreement.title),
        (
            pgettext("final report", "Parties"),
            " ".join(
                [
                    agreement.government_party,
                    pgettext("final report", "and"),
                    agreement.counterparty,
                ]
            ),
        ),
        (pgettext("final report", "Signed"), date_format(agreement.signed_on, "DATE_FORMAT")),
        (
            pgettext("final report", "Period"),
            f"{date_format(agreement.starts_on, 'DATE_FORMAT')} – "
            f"{date_format(agreement.ends_on, 'DATE_FORMAT')}",
        ),
        (
            pgettext("final report", "Final report due"),
            date_format(agreement.final_report_due, "DATE_FORMAT"),
        ),
    ]
    if agreement.registration_number:
        part.facts.insert(
            1, (pgettext("final report", "Registration number"), agreement.registration_number)
        )
    total = sum((fy.allocated for fy in data.funding_years), Decimal("0"))
    part.tables.append(
        Table(
            key="funding",
            title=pgettext("final report", "Funding per year"),
            columns=[
                Column(pgettext("final report", "Year"), YEAR),
                Column(pgettext("final report", "Allocated"), AMOUNT),
            ],
            rows=[[str(fy.year), fy.allocated] for fy in data.funding_years],
            footer=[pgettext("final report", "Total"), total],
        )
    )
    part.items_title = pgettext("final report", "Commitments")
    part.items = [(c.title, c.text) for c in agreement.commitments.order_by("order", "pk")]
    part.paragraphs = [
        pgettext(
            "final report",
            "Initiatives of the national action plan covered by the agreement: %(list)s.",
        )
        % {"list": "; ".join(f"{i.number}. {i.title}" for i in data.initiatives) or "–"}
    ]


def gen_implementation(part: Part, data: _Data, per_initiative) -> None:
    for position, initiative in enumerate(data.initiatives, start=1):
        activities = [
            a for a in data.activities if any(i.pk == initiative.pk for i in a.initiatives.all())
        ]
        deliverables = sorted(
            (d for a in activities for d in a.deliverables.all()),
            key=lambda d: (d.delivered_on, d.pk),
        )
        section = per_initiative.get(initiative.pk)
        child = Part(
            anchor=f"insats-{initiative.number}",
            number=f"{part.number}.{position}",
            title=initiative_heading(initiative),
            section=section,
            body_html=render_markdown(section.body, heading_level=4) if section else "",
        )
        child.tables = [
            _activity_table(
                f"activities-{initiative.number}",
                pgettext("final report", "Activities, initiative %(n)s") % {"n": initiative.number},
                activities,
            ),
            _deliverable_table(
                f"deliverables-{initiative.number}",
                pgettext("final report", "Deliverables, initiative %(n)s")
                % {"n": initiative.number},
                deliverables,
            ),
        ]
        part.children.append(child)
    unlinked = [a for a in data.activities if not a.initiatives.all()]
    if unlinked:
        part.children.append(
            Part(
                anchor="insats-ovriga",
                number=f"{part.number}.{len(data.initiatives) + 1}",
                title=pgettext("final report", "Other activities"),
                tables=[
                    _activity_table(
                        "activities-other", pgettext("final report", "Other activities"), unlinked
                    ),
                ],
            )
        )


def gen_finance(part: Part, data: _Data, per_initiative) -> None:
    """Allocated, spent and remaining come from aggregates.programme_money (as the dashboards);
    spending by category is added here, since the dashboards do not show it."""
    years, by_initiative, totals = aggregates.programme_money(agreement=data.agreement)
    part.tables.append(
        Table(
            key="finance-years",
            title=pgettext("final report", "Allocated, spent and remaining per funding year"),
            columns=[
                Column(pgettext("final report", "Year"), YEAR),
                Column(pgettext("final report", "Allocated"), AMOUNT),
                Column(pgettext("final report", "Spent"), AMOUNT),
                Column(pgettext("final report", "Remaining"), AMOUNT),
            ],
            rows=[[r.label, r.allocated, r.spent, r.remaining] for r in years],
            footer=[totals.label, totals.allocated, totals.spent, totals.remaining]
            if years
            else None,
            note=pgettext(
                "final report", "Spending counts against the year the cost was incurred."
            ),
        )
    )
    by_year_category: dict[tuple[int, str], Decimal] = {
        (row["incurred_on__year"], row["category"]): row["total"]
        for row in Cost.objects.filter(activity__agreement=data.agreement)
        .values("incurred_on__year", "category")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    zero = Decimal("0")
    year_numbers = [r.year for r in years]
    category_rows = [
        [
            str(category.label),
            *[by_year_category.get((year, category.value), zero) for year in year_numbers],
            sum((by_year_category.get((y, category.value), zero) for y in year_numbers), zero),
        ]
        for category in Cost.Category
    ]
    part.tables.append(
        Table(
            key="finance-categories",
            title=pgettext("final report", "Spent by category and funding year"),
            columns=[
                Column(pgettext("final report", "Category")),
                *[Column(str(year), AMOUNT) for year in year_numbers],
                Column(pgettext("final report", "Total"), AMOUNT),
            ],
            rows=category_rows,
            footer=[
                pgettext("final report", "Total"),
                *[r.spent for r in years],
                totals.spent,
            ],
        )
    )
    part.tables.append(
        Table(
            key="finance-initiatives",
            title=pgettext("final report", "Budget and spending per initiative and year"),
            columns=[
                Column(pgettext("final report", "Initiative")),
                Column(pgettext("final report", "Year"), YEAR),
                Column(pgettext("final report", "Budgeted"), AMOUNT),
                Column(pgettext("final report", "Spent"), AMOUNT),
                Column(pgettext("final report", "Remaining of budget"), AMOUNT),
            ],
            rows=[[r.label, str(r.year), r.budgeted, r.spent, r.remaining] for r in by_initiative],
            note=pgettext(
                "final report",
                "An activity that serves several initiatives is counted under each of them, "
                "so the rows can add up to more than the year's total.",
            ),
        )
    )


class Withheld(str):
    """A withheld figure in a table: the words the dashboards show ("färre än 5", "skyddad"),
    which the snapshot, the PDF and the XLSX carry as text where the number would be."""

    reason: str = ""


def _fig(figure) -> Decimal | int | Withheld | None:
    """A published figure as a table value: its number, the label of why it is withheld, or
    None where there is nothing to show."""
    if figure is None:
        return None
    if figure.suppressed:
        withheld = Withheld(figure.label)
        withheld.reason = figure.reason
        return withheld
    if figure.value is None:
        return None
    if isinstance(figure.value, float):
        return Decimal(str(figure.value))
    return figure.value


def _number(value) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _change(before, after) -> Decimal | None:
    return after - before if _number(before) and _number(after) else None


def _withheld_note(table: "Table") -> None:
    """Say beside a table what each withheld label in it means."""
    reasons = {
        value.reason
        for row in [*table.rows, table.footer or []]
        for value in row
        if isinstance(value, Withheld)
    }
    notes = [disclosure.explanation(reason) for reason in sorted(reasons)]
    table.note = " ".join([table.note, *notes]).strip()


def rounds_of(agreement: Agreement):
    """The reporting rounds an agreement's final report rests on: those that open within the
    agreement's period. Rounds carry dates, not an agreement (readiness knows nothing of
    agreements), so this is the one place that ties the two together."""
    return ReportingRound.objects.filter(
        opens_on__gte=agreement.starts_on, opens_on__lte=agreement.ends_on
    )


def rounds_compared(
    agreement: Agreement,
) -> tuple[publication.Published | None, publication.Published | None]:
    """The first and the latest published round of the agreement's period: a report only shows
    published figures."""
    ids = set(rounds_of(agreement).values_list("pk", flat=True))
    published = [p for p in publication.publications() if p.round_id in ids]
    if not published:
        return None, None
    return published[0], published[-1]


def gen_results(part: Part, data: _Data, per_initiative) -> None:
    """Readiness from the rounds' publications and reach as the dashboards show them."""
    first, latest = rounds_compared(data.agreement)
    if latest is None:
        part.paragraphs.append(
            pgettext(
                "final report",
                "No reporting round in the agreement's period has had its figures published yet.",
            )
        )
    else:
        _readiness(part, first, latest)
    _reach(part, data)


def _overviews(first, latest):
    rounds = {
        r.pk: r
        for r in ReportingRound.objects.filter(pk__in={first.round_id, latest.round_id})
        .select_related("framework_version")
        .order_by()
    }
    by_framework = aggregates.indicators_of(r.framework_version_id for r in rounds.values())
    counties = publication.county_names()

    def one(published):
        reporting_round = rounds[published.round_id]
        return reporting_round, publication.overview(
            published,
            key=disclosure.NATIONAL.key,
            reporting_round=reporting_round,
            indicators=by_framework.get(reporting_round.framework_version_id, []),
            counties=counties,
        )

    return one(first), one(latest)


def _readiness(part: Part, first, latest) -> None:
    (first_round, before), (latest_round, after) = _overviews(first, latest)
    part.paragraphs.append(
        pgettext(
            "final report",
            "Readiness is compared between the first reporting round, %(first)s, and the latest, "
            "%(latest)s, with the figures published when each closed. A share is the share of "
            "the organisers that submitted a self-assessment in the round whose answer counts "
            "as achieved. Figures that would rest on fewer than %(min)s organisers, or from which "
            "such a figure could be worked out, are not shown (–).",
        )
        % {
            "first": first_round.name,
            "latest": latest_round.name,
            "min": disclosure.THRESHOLD,
        }
    )
    earlier = {r.indicator.code: r for r in before.indicators}
    rows = []
    for result in after.indicators:
        if result.indicator.answer_type in (
            Indicator.AnswerType.TEXT,
            Indicator.AnswerType.INTEGER,
        ):
            continue
        old = earlier.get(result.indicator.code)
        s0 = _fig(old.achieved_share) if old else None
        s1 = _fig(result.achieved_share)
        rows.append([result.indicator.question, result.indicator.code, s0, s1, _change(s0, s1)])
    part.tables.append(
        Table(
            key="readiness-indicators",
            title=pgettext("final report", "Share achieved per indicator, first and latest round"),
            columns=[
                Column(pgettext("final report", "Indicator")),
                Column(pgettext("final report", "Code")),
                Column(pgettext("final report", "First round (%)"), PERCENT),
                Column(pgettext("final report", "Latest round (%)"), PERCENT),
                Column(pgettext("final report", "Change (percentage points)"), PERCENT),
            ],
            rows=rows,
        )
    )
    first_by_type = {g.key: g for g in before.by_type}
    latest_by_type = {g.key: g for g in after.by_type}
    dnp_rows = [
        [
            pgettext("final report", "Whole country"),
            _fig(before.submitted),
            _fig(before.dnp_share),
            _fig(after.submitted),
            _fig(after.dnp_share),
        ]
    ]
    keys = list(dict.fromkeys([*latest_by_type, *first_by_type]))
    for key in keys:
        g0, g1 = first_by_type.get(key), latest_by_type.get(key)
        dnp_rows.append(
            [
                (g1 or g0).label,
                _fig(g0.submitted) if g0 else None,
                _fig(g0.dnp_share) if g0 else None,
                _fig(g1.submitted) if g1 else None,
                _fig(g1.dnp_share) if g1 else None,
            ]
        )
    table = Table(
        key="readiness-dnp",
        title=pgettext(
            "final report",
            "Share ready for the digital national tests, national and by organiser type",
        ),
        columns=[
            Column(pgettext("final report", "Group")),
            Column(pgettext("final report", "Submitted, first round"), INT),
            Column(pgettext("final report", "Ready, first round (%)"), PERCENT),
            Column(pgettext("final report", "Submitted, latest round"), INT),
            Column(pgettext("final report", "Ready, latest round (%)"), PERCENT),
        ],
        rows=dnp_rows,
        note=pgettext(
            "final report",
            "Ready means that every indicator tagged DNP (digital national tests) is achieved. "
            "Organiser types with too few organisers are shown together.",
        ),
    )
    part.tables.append(table)
    labels = (pgettext("final report", "First round"), pgettext("final report", "Latest round"))
    series = [(labels[0], [row[2] for row in dnp_rows]), (labels[1], [row[4] for row in dnp_rows])]
    if first_round.pk == latest_round.pk:  # one round so far: one bar per group, not two alike
        series = [(latest_round.name, [row[4] for row in dnp_rows])]
    same_numbers = pgettext("final report", "The same numbers are in the table of the same title.")
    part.charts.append(
        Chart(
            title=table.title,
            svg=charts.bar_chart(
                chart_id="slutredovisning-dnp",
                title=table.title,
                desc=same_numbers,
                categories=[row[0] for row in dnp_rows],
                series=[
                    (name, [float(v) if _number(v) else None for v in vs]) for name, vs in series
                ],
                texts=[
                    [formatting.percent(v) if _number(v) else (v or "–") for v in vs]
                    for _n, vs in series
                ],
                max_value=100,
            ),
            description=same_numbers,
        )
    )


def _reach(part: Part, data: _Data) -> None:
    total, by_type, _by_county = aggregates.programme_reach(agreement=data.agreement, outside=True)
    part.tables.append(
        Table(
            key="reach-organisers",
            title=pgettext(
                "final report", "School organisers reached by the programme's deliverables"
            ),
            columns=[
                Column(pgettext("final report", "Organiser type")),
                Column(pgettext("final report", "Organisers"), INT),
                Column(pgettext("final report", "Took part"), INT),
                Column(pgettext("final report", "Share (%)"), PERCENT),
            ],
            rows=[[r.label, r.organisers, _fig(r.reached), _fig(r.share)] for r in by_type],
            footer=[total.label, total.organisers, _fig(total.reached), _fig(total.share)],
            note=pgettext(
                "final report", "Active organisers that took part in at least one deliverable."
            ),
        )
    )
    by_kind: dict[str, list] = {}
    for d in (d for a in data.activities for d in a.deliverables.all()):
        row = by_kind.setdefault(d.kind, [d.get_kind_display(), 0, 0])
        row[1] += 1
        row[2] += d.participants or 0
    rows = [by_kind[k] for k in Deliverable.Kind.values if k in by_kind]
    part.tables.append(
        Table(
            key="reach-deliverables",
            title=pgettext("final report", "Deliverables and participants, by kind"),
            columns=[
                Column(pgettext("final report", "Kind")),
                Column(pgettext("final report", "Deliverables"), INT),
                Column(pgettext("final report", "Participants"), INT),
            ],
            rows=rows,
            footer=[
                pgettext("final report", "Total"),
                sum(r[1] for r in rows),
                sum(r[2] for r in rows),
            ],
        )
    )


def gen_appendices(part: Part, data: _Data, per_initiative) -> None:
    deliverables = sorted(
        (d for a in data.activities for d in a.deliverables.all()),
        key=lambda d: (d.delivered_on, d.pk),
    )
    part.children.append(
        Part(
            anchor="bilaga-leveranser",
            number=f"{part.number}.1",
            title=pgettext("final report", "Deliverables"),
            tables=[
                _deliverable_table(
                    "appendix-deliverables",
                    pgettext("final report", "All deliverables"),
                    deliverables,
                )
            ],
        )
    )
    part.children.append(_participants(part, data))
    part.children.append(_framework(part, data))


def participating_principals(agreement: Agreement):
    """Organisers that took part in a deliverable of the agreement or sent a self-assessment in
    one of its rounds."""
    reached = Deliverable.principals.through.objects.filter(
        deliverable__activity__agreement=agreement
    ).values("principal_id")
    assessed = Assessment.objects.filter(
        current__isnull=False, round__in=rounds_of(agreement)
    ).values("principal_id")
    return Principal.objects.filter(Q(pk__in=reached) | Q(pk__in=assessed))


def _participants(part: Part, data: _Data) -> Part:
    principals = participating_principals(data.agreement)
    named = list(
        principals.filter(Q(organiser_type__in=Principal.PUBLIC_TYPES) | Q(may_be_named=True))
        .order_by("name", "pk")
        .values_list("name", "organisation_number", "organiser_type")
    )
    private_unnamed = (
        principals.exclude(organiser_type__in=Principal.PUBLIC_TYPES)
        .filter(may_be_named=False)
        .count()
    )
    types = dict(Principal.OrganiserType.choices)
    child = Part(
        anchor="bilaga-huvudman",
        number=f"{part.number}.2",
        title=pgettext("final report", "Participating school organisers"),
        paragraphs=[
            pgettext(
                "final report",
                "Public organisers are named. Independent organisers are named only when they "
                "have agreed to it; the others are counted.",
            )
        ],
    )
    child.tables.append(
        Table(
            key="appendix-organisers",
            title=pgettext("final report", "Participating organisers by name"),
            columns=[
                Column(pgettext("final report", "Organiser")),
                Column(pgettext("final report", "Organisation number")),
                Column(pgettext("final report", "Type")),
            ],
            rows=[[name, number, str(types.get(kind, kind))] for name, number, kind in named],
            compact=True,
        )
    )
    child.tables.append(
        Table(
            key="appendix-organiser-counts",
            title=pgettext("final report", "Participating organisers, counted"),
            columns=[
                Column(pgettext("final report", "Group")),
                Column(pgettext("final report", "Number"), INT),
            ],
            rows=[
                [pgettext("final report", "Named above"), len(named)],
                [pgettext("final report", "Independent organisers not named"), private_unnamed],
            ],
            footer=[pgettext("final report", "Total"), len(named) + private_unnamed],
        )
    )
    return child


def rounds_used(agreement: Agreement) -> list[ReportingRound]:
    """The agreement's rounds with at least one submitted self-assessment, oldest first."""
    return list(
        rounds_of(agreement)
        .filter(assessments__current__isnull=False)
        .distinct()
        .select_related("framework_version")
        .order_by("opens_on", "pk")
    )


def _framework(part: Part, data: _Data) -> Part:
    rounds = rounds_used(data.agreement)
    frameworks = []
    for r in rounds:
        if r.framework_version not in frameworks:
            frameworks.append(r.framework_version)
    indicators = (
        Indicator.objects.filter(framework__in=frameworks)
        .select_related("area", "framework")
        .order_by("framework__created_at", "framework_id", "area__order", "area_id", "order", "pk")
    )
    child = Part(
        anchor="bilaga-indikatorer",
        number=f"{part.number}.3",
        title=pgettext("final report", "The indicator framework used"),
        paragraphs=[
            pgettext("final report", "Framework versions: %(names)s.")
            % {"names": ", ".join(f.name for f in frameworks) or "–"}
        ],
    )
    child.tables.append(
        Table(
            key="appendix-indicators",
            title=pgettext("final report", "Indicators"),
            columns=[
                Column(pgettext("final report", "Framework version")),
                Column(pgettext("final report", "Area")),
                Column(pgettext("final report", "Code")),
                Column(pgettext("final report", "Question")),
                Column(pgettext("final report", "Answer type")),
                Column(pgettext("final report", "Initiative")),
                Column(pgettext("final report", "DNP")),
            ],
            rows=[
                [
                    i.framework.name,
                    i.area.title,
                    i.code,
                    i.question,
                    i.get_answer_type_display(),
                    str(i.initiative),
                    pgettext("final report", "Yes") if i.is_dnp else pgettext("final report", "No"),
                ]
                for i in indicators
            ],
        )
    )
    return child


GENERATORS = {
    "assignment": gen_assignment,
    "implementation": gen_implementation,
    "results": gen_results,
    "finance": gen_finance,
    "appendices": gen_appendices,
}
