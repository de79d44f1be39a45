"""The public open-data page and files: the published rounds' figures and the programme's
funding, as CSV and JSON, with their schema."""

import datetime
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal import spreadsheets
from readiness.models import ReportingRound

from .. import aggregates, disclosure, exports, publication
from .. import cache as page_cache

# ---------------------------------------------------------------- open data


@require_GET
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
