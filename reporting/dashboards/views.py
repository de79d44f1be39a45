"""The readiness and programme dashboards and their exports. Views read the filters, hand them
to `aggregates` (live figures, staff) or the publications (outside readers), and render the
blocks; a page's body is cached under the data or publication version."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agreement.models import Agreement
from portal.permissions import (
    MANAGE_ROUNDS,
    VIEW_AGGREGATES,
    VIEW_PRINCIPAL_DATA,
    VIEW_PROGRAMME,
    permission_required,
)
from principals.models import Municipality, Principal
from readiness.models import ReportingRound

from .. import aggregates, disclosure, publication
from .. import cache as page_cache
from ..aggregates import ReadinessFilters
from ..disclosure import Breakdown
from ..exports import (
    response_for,
)
from .blocks import all_tables, programme_blocks, readiness_blocks
from .forms import (
    ProgrammeFilterForm,
    ReadinessFilterForm,
    bound_form,
    chosen_indicator,
    trend_indicator,
)

FORMATS = ("csv", "xlsx")


# ---------------------------------------------------------------- readiness

PREVIEW = ("vy", "publicerad")  # staff see a round as outside readers do, withheld cells marked


def _previewing(request) -> bool:
    return request.GET.get(PREVIEW[0]) == PREVIEW[1] and request.user.has_perm(VIEW_PRINCIPAL_DATA)


def _published_view(request) -> bool:
    """Outside readers only ever see publications; staff when they ask to preview them."""
    return disclosure.is_outside_reader(request.user) or _previewing(request)


def _live_state(request) -> dict:
    """Staff: every figure as it is now, for any filter."""
    rounds = aggregates.rounds_to_show()
    by_framework = aggregates.indicators_of_rounds(rounds)
    chosen_pk = request.GET.get("omgang")
    chosen = next((r for r in rounds if str(r.pk) == chosen_pk), None)
    chosen = chosen or aggregates.default_round(rounds)
    indicators = by_framework.get(chosen.framework_version_id, []) if chosen else []
    # One form, bound to what the page shows: the round and indicator as chosen above (the
    # others' values are checked field by field, so they are read from it as asked).
    indicator_code = chosen_indicator(request.GET.get("indikator", ""), indicators)
    form = bound_form(
        ReadinessFilterForm, request, chosen, indicator_code, rounds=rounds, indicators=indicators
    )
    filters = ReadinessFilters(
        organiser_type=form.value("typ", ""),
        county=form.value("lan", ""),
        municipality=form.value("kommun", ""),
        size_band=form.value("storlek", ""),
    )
    overview = aggregates.readiness_overview(
        reporting_round=chosen, filters=filters, indicators=indicators
    )
    trend = aggregates.readiness_trend(
        rounds=rounds,
        indicator_code=indicator_code,
        filters=filters,
        indicators_by_framework=by_framework,
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
        "blocks": readiness_blocks(overview, trend, distributions=True),
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
    by_framework = aggregates.indicators_of_rounds(rounds.values())
    chosen_pk = request.GET.get("omgang")
    chosen = next((r for r in newest_first if str(r.pk) == chosen_pk), None)
    chosen = chosen or (newest_first[0] if newest_first else None)
    indicators = by_framework.get(chosen.framework_version_id, []) if chosen else []
    kwargs = {"rounds": newest_first, "indicators": indicators, "published": True}
    form = ReadinessFilterForm(request.GET if request.GET else None, **kwargs)
    indicator_code = trend_indicator(form, indicators)
    state = {
        "round": chosen,
        "rounds": newest_first,
        "published_view": True,
        "reveal": reveal,
        "blocks": {},
    }
    if chosen is None:
        state["form"] = bound_form(ReadinessFilterForm, request, chosen, indicator_code, **kwargs)
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
            "form": bound_form(
                ReadinessFilterForm, request, chosen, indicator_code, shown=shown, **kwargs
            ),
            "overview": overview,
            "trend": trend,
            "publication": current,
            "group_key": key,
            "group_label": group.label(counties),
            "notices": notices,
            "live_query": live.urlencode(),
            "blocks": readiness_blocks(
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
        state = _published_state(request, reveal=_previewing(request))
    else:
        state = _live_state(request)
    form = state["form"]
    # The filters list the rounds, indicators and 290 municipalities: rendered once per query
    # until one of those changes, not again after every submission (called by the template,
    # so the exports never render it).
    key = page_cache.make_key(
        "readiness-filters",
        request.GET.urlencode(),
        state["published_view"],
        _previewing(request),
        version=page_cache.structure_version(),
    )
    state["filters_html"] = lambda: page_cache.fragment(
        key, lambda: render_to_string("partials/form_fields.html", {"form": form})
    )
    return state


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
        found = all_tables(state["blocks"]).get(table)
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
        "blocks": programme_blocks(overview) if chosen else {},
    }


PROGRAMME = Dashboard(
    name="programme",
    file_prefix="program",
    state=_programme_state,
    file_part=lambda state: str(state["agreement"].starts_on.year) if state["agreement"] else "",
    body_template="reporting/partials/dash_programme_body.html",
    page_template="reporting/dashboard_programme.html",
    export_url="reporting:programme-export",
    # Submissions and other readiness changes leave the programme's figures as they are.
    version=lambda request: page_cache.data_version("programme"),
)


@require_GET
@permission_required(VIEW_PROGRAMME)
def programme_dashboard(request):
    return _dashboard_page(request, PROGRAMME)


@require_GET
@permission_required(VIEW_PROGRAMME)
def programme_export(request, table: str, fmt: str):
    return _dashboard_export(request, PROGRAMME, table, fmt)
