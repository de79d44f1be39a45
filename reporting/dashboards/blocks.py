"""The dashboards' blocks: each table built once from the figures, with its chart, so a page
shows it and the CSV and XLSX downloads carry the same object."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from agreement.models import Rating as ActivityRating

from .. import aggregates, charts, disclosure
from ..disclosure import Figure
from ..exports import (
    AMOUNT,
    DECIMAL,
    INT,
    PERCENT,
    YEAR,
    Column,
    Table,
    format_cell,
)


def _pct(figure: Figure) -> str:
    return format_cell(figure, PERCENT)


def _num(figure: Figure) -> str:
    return format_cell(figure, INT)


def _bar_value(figure: Figure) -> float | None:
    return None if figure.suppressed or figure.value is None else float(figure.value)


def _hidden_bars(values: list[Figure]) -> str:
    hidden = sum(1 for v in values if isinstance(v, Figure) and v.suppressed)
    if not hidden:
        return ""
    return ngettext(
        "%(n)s figure is withheld, so its bar is not drawn.",
        "%(n)s figures are withheld, so their bars are not drawn.",
        hidden,
    ) % {"n": hidden}


NOT_PUBLISHED = gettext_lazy(
    "Not published: too few organisers could be shown apart from the others without "
    "revealing small groups, so only the figures for the whole country are published."
)


def _group_block(key: str, caption: str, heading: str, rows, scope: str = "") -> dict:
    table = Table(
        key=key,
        caption=caption,
        columns=[
            Column(heading),
            Column(_("Organisers"), INT),
            Column(_("Submitted"), INT),
            Column(_("Response rate (%)"), PERCENT),
            Column(_("DNP-ready"), INT),
            Column(_("DNP-ready share (%)"), PERCENT),
        ],
        rows=[
            [r.label, r.organisers, r.submitted, r.response_rate, r.dnp_ready, r.dnp_share]
            for r in rows
        ],
        scope=scope,
        empty=NOT_PUBLISHED if scope else "",
    )
    shown = [r for r in rows if not r.dnp_share.suppressed and r.dnp_share.value is not None]
    if shown:
        best = max(shown, key=lambda r: r.dnp_share.value)
        summary = _("The highest DNP-ready share is %(label)s's, %(share)s.") % {
            "label": best.label,
            "share": _pct(best.dnp_share),
        }
    else:
        summary = _("No group has figures that can be shown.")
    chart = charts.bar_chart(
        chart_id=f"chart-{key}",
        title=caption,
        desc=summary,
        categories=[r.label for r in rows],
        series=[
            (_("Response rate"), [_bar_value(r.response_rate) for r in rows]),
            (_("DNP-ready share"), [_bar_value(r.dnp_share) for r in rows]),
        ],
        texts=[[_pct(r.response_rate) for r in rows], [_pct(r.dnp_share) for r in rows]],
        max_value=100,
    )
    return {
        "key": key,
        "title": caption,
        "summary": summary,
        "chart": chart,
        "table": table,
        "hidden_bars": _hidden_bars([f for r in rows for f in (r.response_rate, r.dnp_share)]),
    }


def _share_of(count: Figure, whole: int) -> Figure:
    if count.suppressed:
        value = aggregates.share(count.value, whole) if count.revealed else None
        return Figure.hidden(count.reason, value)
    return Figure(aggregates.share(count.value or 0, whole))


def _indicator_block(result, scope: str = "") -> dict:
    indicator = result.indicator
    key = f"indikator-{indicator.code}"
    is_integer = indicator.answer_type == indicator.AnswerType.INTEGER
    rows = [[o.label, o.count, o.share] for o in result.options]
    if not result.options:
        rows.append([_("Answered"), result.answered, _share_of(result.answered, result.submitted)])
    if result.not_answered is not None:
        na = result.not_answered
        rows.append([_("Not answered"), na, _share_of(na, result.submitted)])
    has_achieved = result.options and indicator.answer_type != indicator.AnswerType.TEXT
    if has_achieved:
        rows.append([_("Meets the indicator"), result.achieved, result.achieved_share])
    columns = [
        Column(_("Answer")),
        Column(_("Organisers"), INT),
        Column(_("Share of submitting organisers (%)"), PERCENT),
    ]
    if is_integer:
        columns.append(Column(_("Mean of the answers"), DECIMAL))
        mean = result.mean if result.mean is not None else Figure(None)
        rows = [[*row, mean if i == 0 else ""] for i, row in enumerate(rows)]
    table = Table(
        key=key,
        caption=indicator.question,
        columns=columns,
        rows=rows,
        scope=scope,
    )
    shown = [o for o in result.options if not o.count.suppressed and o.count.value]
    if result.submitted == 0:
        summary = _("No organiser has submitted answers for this selection.")
    elif shown:
        top = max(shown, key=lambda o: o.count.value)
        summary = _("The most common answer is “%(label)s”, given by %(share)s.") % {
            "label": top.label,
            "share": _pct(top.share),
        }
    elif result.mean is not None and not result.mean.suppressed and result.mean.value is not None:
        summary = _("The mean answer is %(mean)s, among %(n)s organisers that answered.") % {
            "mean": format_cell(result.mean, DECIMAL),
            "n": _num(result.answered),
        }
    else:
        summary = _("Figures are withheld where fewer than %(n)s organisers gave an answer.") % {
            "n": disclosure.THRESHOLD
        }
    if has_achieved and not result.achieved.suppressed and result.achieved_share.value is not None:
        summary += " " + _("%(share)s meet the indicator.") % {"share": _pct(result.achieved_share)}
    chart = None
    hidden_bars = ""
    if result.options:
        shares = [r[2] for r in rows]
        chart = charts.bar_chart(
            chart_id=f"chart-{key}",
            title=table.caption,
            desc=summary,
            categories=[str(r[0]) for r in rows],
            series=[("", [_bar_value(v) for v in shares])],
            texts=[[_pct(v) for v in shares]],
            max_value=100,
        )
        hidden_bars = _hidden_bars(shares)
    return {
        "key": key,
        "title": indicator.question,
        "code": indicator.code,
        "is_dnp": indicator.is_dnp,
        "summary": summary,
        "chart": chart,
        "table": table,
        "hidden_bars": hidden_bars,
    }


def _area_block(index: int, area: str, results, scope: str, group_label: str) -> dict:
    """A published group's figures for one area: how many meet each indicator (whole answer
    distributions are published for the whole country only)."""
    key = f"uppfyller-{index}"
    rows = []
    for result in results:
        indicator = result.indicator
        if indicator.answer_type in (indicator.AnswerType.TEXT, indicator.AnswerType.INTEGER):
            continue
        rows.append([indicator.question, result.achieved, result.achieved_share])
    table = Table(
        key=key,
        caption=_("Meeting the indicators, %(area)s: %(group)s")
        % {"area": area, "group": group_label},
        columns=[
            Column(_("Indicator")),
            Column(_("Organisers that meet it"), INT),
            Column(_("Share of submitting organisers (%)"), PERCENT),
        ],
        rows=rows,
        scope=scope,
    )
    return {"key": key, "title": area, "table": table} if rows else {}


def _means_block(results, scope: str, group_label: str) -> dict:
    rows = [
        [r.indicator.question, r.answered, r.mean or Figure(None)]
        for r in results
        if r.indicator.answer_type == r.indicator.AnswerType.INTEGER
    ]
    if not rows:
        return {}
    table = Table(
        key="medelvarden",
        caption=_("Whole-number answers: %(group)s") % {"group": group_label},
        columns=[
            Column(_("Question")),
            Column(_("Organisers that answered"), INT),
            Column(_("Mean of the answers"), DECIMAL),
        ],
        rows=rows,
        scope=scope,
    )
    return {"key": "medelvarden", "title": table.caption, "table": table}


def _trend_blocks(trend, scope: str = "") -> list[dict]:
    points = trend.points
    labels = [p.round.name for p in points]
    blocks = []
    dnp_table = Table(
        key="trend-dnp",
        caption=_("DNP-ready share per round"),
        columns=[
            Column(_("Reporting round")),
            Column(_("Submitted"), INT),
            Column(_("DNP-ready"), INT),
            Column(_("DNP-ready share (%)"), PERCENT),
        ],
        rows=[[p.round.name, p.submitted, p.dnp_ready, p.dnp_share] for p in points],
        scope=scope,
    )
    known = [p for p in points if _bar_value(p.dnp_share) is not None]
    if len(known) >= 2:
        summary = _("The DNP-ready share went from %(first)s in %(a)s to %(last)s in %(b)s.") % {
            "first": _pct(known[0].dnp_share),
            "a": known[0].round.name,
            "last": _pct(known[-1].dnp_share),
            "b": known[-1].round.name,
        }
    else:
        summary = _("There are not yet two rounds with figures to compare.")
    blocks.append(
        {
            "key": "trend-dnp",
            "title": dnp_table.caption,
            "summary": summary,
            "table": dnp_table,
            "hidden_bars": _hidden_bars([p.dnp_share for p in points]),
            "chart": charts.line_chart(
                chart_id="chart-trend-dnp",
                title=str(dnp_table.caption),
                desc=summary,
                x_labels=labels,
                series=[(_("DNP-ready share"), [_bar_value(p.dnp_share) for p in points])],
                y_max=100,
                y_format=lambda v: f"{v:.0f} %",
            ),
        }
    )
    indicator = trend.indicator
    if indicator is None:
        return blocks
    option_labels = []
    for p in points:
        if p.options:
            option_labels = [o.label for o in p.options]
    has_achieved = indicator.answer_type not in (
        indicator.AnswerType.TEXT,
        indicator.AnswerType.INTEGER,
    )
    columns = [Column(_("Reporting round")), Column(_("Submitted"), INT)] + [
        Column(_("%(answer)s (%%)") % {"answer": label}, PERCENT) for label in option_labels
    ]
    if has_achieved:
        columns.append(Column(_("Meets the indicator (%)"), PERCENT))
    rows = []
    for p in points:
        shares = [o.share for o in p.options] if p.options else [Figure(None)] * len(option_labels)
        rows.append(
            [p.round.name, p.submitted, *shares, *([p.achieved_share] if has_achieved else [])]
        )
    table = Table(
        key="trend-indicator",
        caption=_("Answers to “%(question)s” per round") % {"question": indicator.question},
        columns=columns,
        rows=rows,
        scope=scope,
    )
    series_labels = [*option_labels, *([_("Meets the indicator")] if has_achieved else [])]
    series = [
        (label, [_bar_value(row[2 + k]) for row in rows]) for k, label in enumerate(series_labels)
    ]
    known = [p for p in points if _bar_value(p.achieved_share) is not None]
    if len(known) >= 2:
        summary = _("The share meeting the indicator went from %(first)s to %(last)s.") % {
            "first": _pct(known[0].achieved_share),
            "last": _pct(known[-1].achieved_share),
        }
    else:
        summary = _("There are not yet two rounds with figures to compare.")
    blocks.append(
        {
            "key": "trend-indicator",
            "title": table.caption,
            "summary": summary,
            "table": table,
            "hidden_bars": _hidden_bars([v for row in rows for v in row[2:]]),
            "chart": charts.line_chart(
                chart_id="chart-trend-indicator",
                title=str(table.caption),
                desc=summary,
                x_labels=labels,
                series=series,
                y_max=100,
                y_format=lambda v: f"{v:.0f} %",
            ),
        }
    )
    return blocks


def readiness_blocks(overview, trend, *, distributions: bool, group=None) -> dict:
    """Every table of the page, built once: the page, the CSV and the XLSX show these.

    `group` is (key, label) of the published group a page built from a publication shows;
    `distributions` whether whole answer distributions are shown (not for a published group).
    """
    scope, label = group or ("", "")
    columns = [
        Column(_("Reporting round")),
        Column(_("Organisers"), INT),
        Column(_("Submitted"), INT),
        Column(_("Response rate (%)"), PERCENT),
        Column(_("DNP-ready"), INT),
        Column(_("DNP-ready share (%)"), PERCENT),
    ]
    row = [
        overview.round.name if overview.round else "",
        overview.organisers,
        overview.submitted,
        overview.response_rate,
        overview.dnp_ready,
        overview.dnp_share,
    ]
    if group:
        columns.insert(0, Column(_("Group")))
        row.insert(0, label)
    summary_table = Table(
        key="sammanfattning", caption=_("Summary"), columns=columns, rows=[row], scope=scope
    )
    national = disclosure.NATIONAL.key if group else ""
    areas: list[tuple[str, list[dict]]] = []
    by_area: list[tuple[str, list]] = []
    for result in overview.indicators:
        title = result.indicator.area.title
        if not by_area or by_area[-1][0] != title:
            by_area.append((title, []))
        by_area[-1][1].append(result)
    if distributions:
        for title, results in by_area:
            areas.append((title, [_indicator_block(r, scope) for r in results]))
    else:
        for index, (title, results) in enumerate(by_area, start=1):
            block = _area_block(index, title, results, scope, label)
            if block:
                areas.append((title, [block]))
        means = _means_block(overview.indicators, scope, label)
        if means:
            areas.append((means["title"], [means]))
    return {
        "summary": {"key": "sammanfattning", "table": summary_table},
        "by_type": _group_block(
            "typ",
            _("Response and DNP readiness by organiser type"),
            _("Organiser type"),
            overview.by_type,
            national,
        ),
        "by_county": _group_block(
            "lan",
            _("Response and DNP readiness by county"),
            _("County"),
            overview.by_county,
            national,
        ),
        "areas": areas,
        "trends": _trend_blocks(trend, scope),
    }


def all_tables(blocks: dict) -> dict[str, Table]:
    tables = {}
    for value in blocks.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, tuple):
                for block in item[1]:
                    tables[block["key"]] = block["table"]
            elif isinstance(item, dict) and "table" in item:
                tables[item["key"]] = item["table"]
    return tables


def _kr(value) -> str:
    return format_cell(value, AMOUNT)


def programme_blocks(o) -> dict:
    money_columns = [
        Column(_("Allocated"), AMOUNT),
        Column(_("Budgeted"), AMOUNT),
        Column(_("Spent"), AMOUNT),
        Column(_("Remaining"), AMOUNT),
    ]
    years = Table(
        key="ar",
        caption=_("Funding per year"),
        columns=[Column(_("Year"), YEAR), *money_columns],
        rows=[[r.label, r.allocated, r.budgeted, r.spent, r.remaining] for r in o.years]
        + (
            [
                [
                    o.totals.label,
                    o.totals.allocated,
                    o.totals.budgeted,
                    o.totals.spent,
                    o.totals.remaining,
                ]
            ]
            if o.totals
            else []
        ),
    )
    years_summary = _(
        "Of %(allocated)s allocated, %(spent)s has been spent and %(left)s remains."
    ) % {
        "allocated": _kr(o.totals.allocated),
        "spent": _kr(o.totals.spent),
        "left": _kr(o.totals.remaining),
    }
    initiatives = Table(
        key="initiativ",
        caption=_("Budget and spending per year and initiative"),
        columns=[
            Column(_("Year"), YEAR),
            Column(_("Initiative")),
            Column(_("Budgeted"), AMOUNT),
            Column(_("Spent"), AMOUNT),
            Column(_("Remaining of budget"), AMOUNT),
        ],
        rows=[[str(r.year), r.label, r.budgeted, r.spent, r.remaining] for r in o.by_initiative],
    )
    quarters = Table(
        key="kvartal",
        caption=_("Spending per quarter"),
        columns=[
            Column(_("Quarter")),
            Column(_("Spent"), AMOUNT),
            Column(_("Spent so far"), AMOUNT),
        ],
        rows=[[q["quarter"], q["spent"], q["cumulative"]] for q in o.spend_by_quarter],
    )
    if o.spend_by_quarter:
        biggest = max(o.spend_by_quarter, key=lambda q: q["spent"])
        quarters_summary = _("Spending was highest in %(quarter)s, %(amount)s.") % {
            "quarter": biggest["quarter"],
            "amount": _kr(biggest["spent"]),
        }
    else:
        quarters_summary = _("No spending has been recorded.")
    status_columns = [
        Column(_("Done on time"), INT),
        Column(_("Done late"), INT),
        Column(_("Overdue"), INT),
        Column(_("Upcoming"), INT),
    ]
    milestones = Table(
        key="delmal",
        caption=_("Milestones by year due"),
        columns=[Column(_("Year due"), YEAR), *status_columns],
        rows=[[m.label, m.on_time, m.late, m.overdue, m.upcoming] for m in o.milestones]
        + [
            [
                o.milestone_totals.label,
                o.milestone_totals.on_time,
                o.milestone_totals.late,
                o.milestone_totals.overdue,
                o.milestone_totals.upcoming,
            ]
        ],
    )
    t = o.milestone_totals
    milestone_summary = _(
        "%(on_time)s milestones were done on time, %(late)s late; %(overdue)s are overdue and "
        "%(upcoming)s upcoming."
    ) % {"on_time": t.on_time, "late": t.late, "overdue": t.overdue, "upcoming": t.upcoming}
    rating_labels = dict(ActivityRating.choices)
    ratings = Table(
        key="betyg",
        caption=_("Progress updates per quarter by rating"),
        columns=[Column(_("Quarter"))]
        + [Column(rating_labels[r], INT) for r in ActivityRating.values],
        rows=[[q["quarter"], *[q[r] for r in ActivityRating.values]] for q in o.ratings_by_quarter],
    )
    if o.ratings_by_quarter:
        last = o.ratings_by_quarter[-1]
        ratings_summary = _("In %(quarter)s: %(green)s green, %(amber)s amber and %(red)s red.") % {
            "quarter": last["quarter"],
            **{r: last[r] for r in ActivityRating.values},
        }
    else:
        ratings_summary = _("No progress updates have been written.")

    def reach_table(key, caption, heading, rows):
        return Table(
            key=key,
            caption=caption,
            columns=[
                Column(heading),
                Column(_("Organisers"), INT),
                Column(_("Took part"), INT),
                Column(_("Share that took part (%)"), PERCENT),
            ],
            rows=[[r.label, r.organisers, r.reached, r.share] for r in rows],
            empty=NOT_PUBLISHED if o.outside else "",
        )

    reach_summary = _(
        "%(n)s of %(total)s organisers (%(share)s) took part in at least one deliverable."
    ) % {
        "n": _num(o.reach_total.reached),
        "total": _num(Figure(o.reach_total.organisers)),
        "share": _pct(o.reach_total.share),
    }
    reach_type = reach_table(
        "nad-typ",
        _("Reach by organiser type"),
        _("Organiser type"),
        [o.reach_total, *o.reach_by_type],
    )
    reach_county = reach_table("nad-lan", _("Reach by county"), _("County"), o.reach_by_county)

    def reach_chart(key, table, rows):
        return charts.bar_chart(
            chart_id=f"chart-{key}",
            title=str(table.caption),
            desc=reach_summary,
            categories=[r.label for r in rows],
            series=[("", [_bar_value(r.share) for r in rows])],
            texts=[[_pct(r.share) for r in rows]],
            max_value=100,
        )

    def number(v: float) -> str:
        return number_format(v, 0, force_grouping=True)

    return {
        "years": {
            "key": "ar",
            "title": years.caption,
            "summary": years_summary,
            "table": years,
            "chart": charts.bar_chart(
                chart_id="chart-ar",
                title=str(years.caption),
                desc=years_summary,
                categories=[r.label for r in o.years],
                series=[
                    (_("Allocated"), [float(r.allocated) for r in o.years]),
                    (_("Budgeted"), [float(r.budgeted) for r in o.years]),
                    (_("Spent"), [float(r.spent) for r in o.years]),
                ],
                texts=[
                    [_kr(r.allocated) for r in o.years],
                    [_kr(r.budgeted) for r in o.years],
                    [_kr(r.spent) for r in o.years],
                ],
            ),
        },
        "initiatives": {"key": "initiativ", "title": initiatives.caption, "table": initiatives},
        "quarters": {
            "key": "kvartal",
            "title": quarters.caption,
            "summary": quarters_summary,
            "table": quarters,
            "chart": charts.line_chart(
                chart_id="chart-kvartal",
                title=str(quarters.caption),
                desc=quarters_summary,
                x_labels=[q["quarter"] for q in o.spend_by_quarter],
                series=[
                    (_("Spent so far"), [float(q["cumulative"]) for q in o.spend_by_quarter]),
                    (_("Spent in the quarter"), [float(q["spent"]) for q in o.spend_by_quarter]),
                ],
                y_format=lambda v: f"{number(v)} kr",
            ),
        },
        "milestones": {
            "key": "delmal",
            "title": milestones.caption,
            "summary": milestone_summary,
            "table": milestones,
            "chart": charts.bar_chart(
                chart_id="chart-delmal",
                title=str(milestones.caption),
                desc=milestone_summary,
                categories=[str(c.label) for c in status_columns],
                series=[("", [t.on_time, t.late, t.overdue, t.upcoming])],
                texts=[[str(t.on_time), str(t.late), str(t.overdue), str(t.upcoming)]],
            ),
        },
        "ratings": {
            "key": "betyg",
            "title": ratings.caption,
            "summary": ratings_summary,
            "table": ratings,
            "chart": charts.line_chart(
                chart_id="chart-betyg",
                title=str(ratings.caption),
                desc=ratings_summary,
                x_labels=[q["quarter"] for q in o.ratings_by_quarter],
                series=[
                    (rating_labels[r], [q[r] for q in o.ratings_by_quarter])
                    for r in ActivityRating.values
                ],
                colours=[charts.RATING_COLOURS[r] for r in ActivityRating.values],
                y_format=number,
            ),
        },
        "reach_type": {
            "key": "nad-typ",
            "title": reach_type.caption,
            "summary": reach_summary,
            "table": reach_type,
            "chart": reach_chart("nad-typ", reach_type, [o.reach_total, *o.reach_by_type]),
            "hidden_bars": _hidden_bars([r.share for r in [o.reach_total, *o.reach_by_type]]),
        },
        "reach_county": {
            "key": "nad-lan",
            "title": reach_county.caption,
            "summary": reach_summary,
            "table": reach_county,
            "chart": reach_chart("nad-lan", reach_county, o.reach_by_county),
            "hidden_bars": _hidden_bars([r.share for r in o.reach_by_county]),
        },
    }
