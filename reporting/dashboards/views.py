"""The readiness and programme dashboards, their exports, and the public open-data page.

Views only read the filters and hand them to `aggregates`; every table is built once here
and rendered as a chart, an HTML table, a CSV and an XLSX from that one object.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from agreement.models import Agreement
from agreement.models import Rating as ActivityRating
from portal import spreadsheets
from portal.permissions import (
    MANAGE_ROUNDS,
    VIEW_AGGREGATES,
    VIEW_PRINCIPAL_DATA,
    VIEW_PROGRAMME,
    permission_required,
)
from principals.models import Municipality, Principal
from readiness.models import ReportingRound

from . import aggregates, charts, disclosure, exports, publication
from . import cache as page_cache
from .aggregates import SIZE_BANDS, ReadinessFilters
from .disclosure import Breakdown, Figure
from .exports import (
    AMOUNT,
    DECIMAL,
    INT,
    PERCENT,
    YEAR,
    Column,
    Table,
    format_cell,
    response_for,
)

FORMATS = ("csv", "xlsx")
# Only the large pages that show no secrets are compressed (`gzip_page`): compressing a page
# that shows a secret (a two-step setup key, recovery codes) beside reflected input invites BREACH.


def _pct(figure: Figure) -> str:
    return format_cell(figure, PERCENT)


def _num(figure: Figure) -> str:
    return format_cell(figure, INT)


def _bar_value(figure: Figure) -> float | None:
    return None if figure.suppressed or figure.value is None else float(figure.value)


# ---------------------------------------------------------------- readiness

PREVIEW = ("vy", "publicerad")  # staff see a round as outside readers do, withheld cells marked


def _previewing(request) -> bool:
    return request.GET.get(PREVIEW[0]) == PREVIEW[1] and request.user.has_perm(VIEW_PRINCIPAL_DATA)


def _published_view(request) -> bool:
    """Outside readers only ever see publications; staff when they ask to preview them."""
    return disclosure.is_outside_reader(request.user) or _previewing(request)


def _indicator_choices(indicators) -> list[tuple[str, str]]:
    """Indicators by their questions (codes mean nothing to readers), shortened at a word."""
    return [(i.code, i.short_question) for i in indicators if i.answer_type != i.AnswerType.TEXT]


class ReadinessFilterForm(forms.Form):
    omgang = forms.TypedChoiceField(
        label=gettext_lazy("Reporting round"), coerce=int, required=False
    )
    typ = forms.ChoiceField(label=gettext_lazy("Organiser type"), required=False)
    lan = forms.ChoiceField(label=gettext_lazy("County"), required=False)
    kommun = forms.ChoiceField(label=gettext_lazy("Municipality"), required=False)
    storlek = forms.ChoiceField(label=gettext_lazy("Size (pupils)"), required=False)
    indikator = forms.ChoiceField(label=gettext_lazy("Indicator for the trend"), required=False)

    def __init__(self, data, *, rounds, indicators, published: bool = False):
        super().__init__(data)
        self.fields["omgang"].choices = [(r.pk, r.name) for r in rounds]
        self.fields["typ"].choices = [("", _("All types")), *Principal.OrganiserType.choices]
        self.fields["lan"].choices = [("", _("All counties")), *aggregates.county_choices()]
        if published:
            # Outside readers get published groups only: no municipalities or size bands.
            del self.fields["kommun"], self.fields["storlek"]
        else:
            self.fields["kommun"].choices = [
                ("", _("All municipalities")),
                *aggregates.municipality_choices(),
            ]
            self.fields["storlek"].choices = [("", _("All sizes"))] + [
                (key, label) for key, label, _low, _high in SIZE_BANDS
            ]
        self.fields["indikator"].choices = _indicator_choices(indicators)

    def value(self, name, default=None):
        if not self.is_bound or name not in self.fields:
            return default
        self.is_valid()
        return self.cleaned_data.get(name) or default


def _trend_indicator(form, indicators) -> str:
    valid_codes = [c for c, _l in form.fields["indikator"].choices]
    code = form.value("indikator", "")
    if code not in valid_codes:
        code = next((i.code for i in indicators if i.is_dnp), valid_codes[0] if valid_codes else "")
    return code


def _bound(form_class, request, chosen, indicator_code, shown=None, **kwargs):
    """The form as submitted, showing the round, indicator and (`shown`) filters the page
    shows where the request did not choose them, so the form always says what the page shows."""
    data = request.GET.copy()
    for name, value in (shown or {}).items():
        data[name] = value
    if chosen is not None and not data.get("omgang"):
        data["omgang"] = chosen.pk
    if indicator_code and data.get("indikator") != indicator_code:
        data["indikator"] = indicator_code
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


def _live_state(request) -> dict:
    """Staff: every figure as it is now, for any filter."""
    rounds = aggregates.rounds_to_show()
    by_framework = aggregates.indicators_of(r.framework_version_id for r in rounds)
    chosen_pk = request.GET.get("omgang")
    chosen = next((r for r in rounds if str(r.pk) == chosen_pk), None)
    chosen = chosen or aggregates.default_round(rounds)
    indicators = by_framework.get(chosen.framework_version_id, []) if chosen else []
    form = ReadinessFilterForm(
        request.GET if request.GET else None, rounds=rounds, indicators=indicators
    )
    filters = ReadinessFilters(
        organiser_type=form.value("typ", ""),
        county=form.value("lan", ""),
        municipality=form.value("kommun", ""),
        size_band=form.value("storlek", ""),
    )
    indicator_code = _trend_indicator(form, indicators)
    overview = aggregates.readiness_overview(
        reporting_round=chosen, filters=filters, indicators=indicators
    )
    trend = aggregates.readiness_trend(
        rounds=rounds,
        indicator_code=indicator_code,
        filters=filters,
        indicators_by_framework=by_framework,
    )
    form = _bound(
        ReadinessFilterForm, request, chosen, indicator_code, rounds=rounds, indicators=indicators
    )
    preview = ""
    if chosen is not None and chosen.published_at is not None:
        query = request.GET.copy()
        query[PREVIEW[0]] = PREVIEW[1]
        preview = query.urlencode()
    return {
        "form": form,
        "round": chosen,
        "rounds": rounds,
        "overview": overview,
        "trend": trend,
        "published_view": False,
        "preview_query": preview,
        "may_publish": chosen is not None
        and chosen.published_at is None
        and chosen.status == chosen.Status.CLOSED
        and request.user.has_perm(MANAGE_ROUNDS),
        "blocks": _readiness_blocks(overview, trend, distributions=True),
    }


def _resolve_group(request, form, published, counties) -> tuple[str, list[str], dict]:
    """The published group a filter asks for, or the nearest one, with what the page says and
    the filters as the page applies them."""
    notices = []
    typ, lan = form.value("typ", ""), form.value("lan", "")
    kommun, storlek = request.GET.get("kommun", ""), request.GET.get("storlek", "")
    if kommun:
        municipality = Municipality.objects.select_related("county").filter(code=kommun).first()
        if municipality is not None and not lan:
            lan = municipality.county.code
        notices.append(
            _(
                "Figures for single municipalities are not published, since most municipalities "
                "have too few organisers; the page shows the county instead."
            )
        )
    if storlek:
        notices.append(
            _("Figures by number of pupils are not published; the page shows all sizes.")
        )
    if typ and lan:
        notices.append(
            _(
                "Figures for one organiser type within one county are not published: such "
                "groups are too small. The page shows the county; choose “All counties” to see "
                "the organiser type in the whole country."
            )
        )
        typ = ""
    national = disclosure.NATIONAL.key
    shown = {"typ": typ, "lan": lan}
    for breakdown, code in ((Breakdown.COUNTY, lan), (Breakdown.TYPE, typ)):
        if not code:
            continue
        group = published.group_for(breakdown, code)
        if group is None:
            notices.append(
                _("There are no published figures for that choice; the page shows the country.")
            )
            return national, notices, {"typ": "", "lan": ""}
        if group.merged:
            notices.append(
                _(
                    "Your choice has too few organisers to be shown on its own, so it is shown "
                    "together with others: %(group)s."
                )
                % {"group": group.label(counties)}
            )
        return group.key, notices, shown
    return national, notices, shown


def _published_state(request, *, reveal: bool) -> dict:
    """Outside readers (and staff previewing them): the stored publications only."""
    published = publication.publications(with_withheld=reveal)
    rounds = {
        r.pk: r
        for r in ReportingRound.objects.filter(pk__in=[p.round_id for p in published])
        .select_related("framework_version")
        .order_by()
    }
    newest_first = [rounds[p.round_id] for p in reversed(published)]
    by_framework = aggregates.indicators_of(r.framework_version_id for r in rounds.values())
    chosen_pk = request.GET.get("omgang")
    chosen = next((r for r in newest_first if str(r.pk) == chosen_pk), None)
    chosen = chosen or (newest_first[0] if newest_first else None)
    indicators = by_framework.get(chosen.framework_version_id, []) if chosen else []
    kwargs = {"rounds": newest_first, "indicators": indicators, "published": True}
    form = ReadinessFilterForm(request.GET if request.GET else None, **kwargs)
    indicator_code = _trend_indicator(form, indicators)
    state = {
        "round": chosen,
        "rounds": newest_first,
        "published_view": True,
        "reveal": reveal,
        "blocks": {},
    }
    if chosen is None:
        state["form"] = _bound(ReadinessFilterForm, request, chosen, indicator_code, **kwargs)
        return state
    current = next(p for p in published if p.round_id == chosen.pk)
    counties = publication.county_names()
    key, notices, shown = _resolve_group(request, form, current, counties)
    overview = publication.overview(
        current,
        key=key,
        reporting_round=chosen,
        indicators=indicators,
        counties=counties,
        reveal=reveal,
    )
    trend = publication.trend(
        published,
        key=key,
        indicator_code=indicator_code,
        rounds=rounds,
        indicators_by_framework=by_framework,
        reveal=reveal,
    )
    group = current.group(key)
    live = request.GET.copy()
    live.pop(PREVIEW[0], None)
    state.update(
        {
            "form": _bound(
                ReadinessFilterForm, request, chosen, indicator_code, shown=shown, **kwargs
            ),
            "overview": overview,
            "trend": trend,
            "publication": current,
            "group_key": key,
            "group_label": group.label(counties),
            "notices": notices,
            "live_query": live.urlencode(),
            "blocks": _readiness_blocks(
                overview,
                trend,
                distributions=key == disclosure.NATIONAL.key,
                group=(key, group.label(counties)),
            ),
        }
    )
    return state


def _readiness_state(request) -> dict:
    if _published_view(request):
        return _published_state(request, reveal=_previewing(request))
    return _live_state(request)


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


def _readiness_blocks(overview, trend, *, distributions: bool, group=None) -> dict:
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


def _all_tables(blocks: dict) -> dict[str, Table]:
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


def _page_key(request, name: str, *parts, version: str | None = None) -> str:
    """Cache key of a page's body: the query string as given and who may see what."""
    outside = disclosure.is_outside_reader(request.user)
    return page_cache.make_key(name, request.GET.urlencode(), outside, *parts, version=version)


def _body(request, template: str, state: dict, export_url: str) -> str:
    return render_to_string(
        template,
        {
            **state,
            "query": request.GET.urlencode(),
            "export_url": export_url,
            "threshold": disclosure.THRESHOLD,
        },
    )


@dataclass(frozen=True)
class Dashboard:
    """What tells the dashboards apart; showing one and exporting its tables work alike."""

    name: str  # in cache keys
    file_prefix: str  # downloads are named prefix-table-<file_part(state)>
    state: Callable[[HttpRequest], dict]
    file_part: Callable[[dict], str]
    body_template: str
    page_template: str
    export_url: str
    # The cache version of a request's figures: None for the data version (live figures).
    version: Callable[[HttpRequest], str | None] = lambda request: None


def _dashboard_page(request, dashboard: Dashboard) -> HttpResponse:
    body = page_cache.fragment(
        _page_key(request, f"{dashboard.name}-page", version=dashboard.version(request)),
        lambda: _body(
            request, dashboard.body_template, dashboard.state(request), dashboard.export_url
        ),
    )
    return render(request, dashboard.page_template, {"body": body})


def _dashboard_export(request, dashboard: Dashboard, table: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404

    def build() -> HttpResponse:
        state = dashboard.state(request)
        found = _all_tables(state["blocks"]).get(table)
        if found is None:
            raise Http404
        name = f"{dashboard.file_prefix}-{table}-{dashboard.file_part(state)}"
        return response_for(found, fmt, name)

    key = _page_key(
        request, f"{dashboard.name}-export", table, fmt, version=dashboard.version(request)
    )
    return page_cache.response(key, build)


def _readiness_version(request) -> str | None:
    """Pages built from publications change only when a round is published."""
    if not _published_view(request):
        return None
    return publication.version(publication.publications(with_withheld=_previewing(request)))


READINESS = Dashboard(
    name="readiness",
    file_prefix="beredskap",
    state=_readiness_state,
    file_part=lambda state: slugify(state["round"].name) if state["round"] else "ingen-omgang",
    body_template="reporting/partials/dash_readiness_body.html",
    page_template="reporting/dashboard_readiness.html",
    export_url="reporting:readiness-export",
    version=_readiness_version,
)


@require_GET
@gzip_page
@permission_required(VIEW_AGGREGATES)
def readiness_dashboard(request):
    return _dashboard_page(request, READINESS)


@require_GET
@permission_required(VIEW_AGGREGATES)
def readiness_export(request, table: str, fmt: str):
    return _dashboard_export(request, READINESS, table, fmt)


@permission_required(MANAGE_ROUNDS)
def round_publish(request, pk: int):
    """Staff publish a closed round's figures: a confirmation page, then the publication."""
    reporting_round = get_object_or_404(ReportingRound, pk=pk)
    if request.method == "POST":
        try:
            publication.publication_create(reporting_round=reporting_round, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The figures of %(round)s are published. Outside readers now see them.")
                % {"round": reporting_round.name},
            )
        return redirect(f"{reverse('reporting:readiness-dashboard')}?omgang={reporting_round.pk}")
    submitted = reporting_round.assessments.filter(
        state=reporting_round.assessments.model.State.SUBMITTED,
        current__isnull=False,
        principal__in=Principal.objects.active(),
    ).count()
    return render(
        request,
        "reporting/round_publish.html",
        {
            "round": reporting_round,
            "submitted": submitted,
            "organisers": Principal.objects.active().count(),
            "closed": reporting_round.status == reporting_round.Status.CLOSED,
        },
    )


# ---------------------------------------------------------------- programme


class ProgrammeFilterForm(forms.Form):
    overenskommelse = forms.TypedChoiceField(
        label=gettext_lazy("Agreement"), coerce=int, required=False
    )

    def __init__(self, data, *, agreements):
        super().__init__(data)
        self.fields["overenskommelse"].choices = [(a.pk, a.title) for a in agreements]


def _programme_state(request) -> dict:
    agreements = list(Agreement.objects.order_by("-starts_on", "title"))
    form = ProgrammeFilterForm(request.GET if request.GET else None, agreements=agreements)
    chosen = None
    if form.is_bound and form.is_valid() and form.cleaned_data.get("overenskommelse"):
        chosen = next(a for a in agreements if a.pk == form.cleaned_data["overenskommelse"])
    if chosen is None:
        active = [a for a in agreements if a.status == Agreement.Status.ACTIVE]
        chosen = (active or agreements or [None])[0]
    if not form.is_bound:
        form = ProgrammeFilterForm(
            {"overenskommelse": chosen.pk if chosen else ""}, agreements=agreements
        )
        form.is_valid()
    reveal = _previewing(request)
    outside = disclosure.is_outside_reader(request.user) or reveal
    overview = aggregates.programme_overview(agreement=chosen, outside=outside, reveal=reveal)
    return {
        "form": form,
        "agreement": chosen,
        "overview": overview,
        "outside": outside,
        "reveal": reveal,
        "blocks": _programme_blocks(overview) if chosen else {},
    }


def _kr(value) -> str:
    return format_cell(value, AMOUNT)


def _programme_blocks(o) -> dict:
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


PROGRAMME = Dashboard(
    name="programme",
    file_prefix="program",
    state=_programme_state,
    file_part=lambda state: str(state["agreement"].starts_on.year) if state["agreement"] else "",
    body_template="reporting/partials/dash_programme_body.html",
    page_template="reporting/dashboard_programme.html",
    export_url="reporting:programme-export",
)


@require_GET
@gzip_page
@permission_required(VIEW_PROGRAMME)
def programme_dashboard(request):
    return _dashboard_page(request, PROGRAMME)


@require_GET
@permission_required(VIEW_PROGRAMME)
def programme_export(request, table: str, fmt: str):
    return _dashboard_export(request, PROGRAMME, table, fmt)


# ---------------------------------------------------------------- open data


@require_GET
@gzip_page
def opendata_page(request):
    published = publication.publications()
    names = dict(
        ReportingRound.objects.filter(pk__in=[p.round_id for p in published]).values_list(
            "pk", "name"
        )
    )
    published = [names[p.round_id] for p in published]
    body = page_cache.fragment(
        page_cache.make_key("opendata-page", published),
        lambda: render_to_string(
            "reporting/partials/dash_opendata_body.html",
            {
                "schemas": [
                    (_("Readiness figures (skoldigistod-beredskap)"), exports.READINESS_FIELDS),
                    (
                        _("Funding and spending (skoldigistod-finansiering)"),
                        exports.PROGRAMME_FIELDS,
                    ),
                ],
                "threshold": disclosure.THRESHOLD,
                "rounds": published,
            },
        ),
    )
    return render(request, "reporting/opendata_index.html", {"body": body})


def _opendata_response(name: str, fields, records, fmt: str, generated=None):
    if fmt == "json":
        generated = generated or datetime.datetime.now().astimezone()
        return JsonResponse(
            {
                "dataset": name,
                "generated": generated.isoformat(timespec="seconds"),
                "suppression_threshold": disclosure.THRESHOLD,
                "schema": reverse("reporting:opendata-schema"),
                "fields": [f[0] for f in fields],
                "records": [
                    {k: exports.json_number(v) for k, v in record.items()} for record in records
                ],
            },
            json_dumps_params={"ensure_ascii": False, "indent": 1},
        )
    if fmt != "csv":
        raise Http404
    response = HttpResponse(
        exports.records_csv(fields, records), content_type=spreadsheets.CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@gzip_page
def opendata_readiness(request, fmt: str):
    """Every published round; the file changes only when a round is published, and
    "generated" is when the newest of them was."""
    if fmt not in ("json", "csv"):
        raise Http404
    published = publication.publications()
    return page_cache.response(
        page_cache.make_key("opendata-readiness", fmt, version=publication.version(published)),
        lambda: _opendata_response(
            "skoldigistod-beredskap",
            exports.READINESS_FIELDS,
            publication.open_records(),
            fmt,
            generated=published[-1].published_at if published else None,
        ),
    )


@require_GET
@gzip_page
def opendata_programme(request, fmt: str):
    if fmt not in ("json", "csv"):
        raise Http404
    return page_cache.response(
        page_cache.make_key("opendata-programme", fmt),
        lambda: _opendata_response(
            "skoldigistod-finansiering",
            exports.PROGRAMME_FIELDS,
            aggregates.open_programme_records(),
            fmt,
        ),
    )


@require_GET
def opendata_schema(request):
    """docs/open-data.md as plain text, so the page can link to the documented schema."""
    path = Path(settings.BASE_DIR) / "docs" / "open-data.md"
    return HttpResponse(
        path.read_text(encoding="utf-8"), content_type="text/markdown; charset=utf-8"
    )
