"""Open data without a key: exactly the open-data files' records (reporting's builders, so the
numbers and their suppression are the publications'), a page at a time."""

from django.core.cache import cache
from django.utils.translation import gettext as _
from ninja import Field as F
from ninja import Query, Router, Schema

from readiness.models import round_code
from reporting import aggregates, exports, publication
from reporting.cache import data_version, make_key

from .paging import DEFAULT_LIMIT, MAX_LIMIT, make_token, next_url, read_token
from .problems import Problem
from .schemas import FundingPage, PublishedRounds, ReadinessPage

router = Router(tags=["Öppna data"])


class Paging(Schema):
    limit: int = F(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Values per page")
    pageToken: str | None = F(None, max_length=2000, description="nextPageToken of the last page")


class ReadinessFilter(Paging):
    round: str | None = F(None, max_length=200, description="A published round's code")
    breakdown: str | None = F(None, pattern="^(national|organiser_type|county)$")
    groupCode: str | None = F(None, max_length=20, description="Organiser type or county code")
    indicator: str | None = F(None, max_length=40, description="Indicator code")


def _records(name: str, version: str, build) -> list[dict]:
    """The open data's records as JSON values, built once per version of what they show."""
    key = make_key(f"api-{name}", version=version)
    found = cache.get(key)
    if found is None:
        found = [{k: exports.json_number(v) for k, v in r.items()} for r in build()]
        cache.set(key, found, timeout=None)
    return found


def readiness_records() -> tuple[list[dict], str]:
    published = publication.publications()
    version = publication.version(published)
    return _records("readiness", version, publication.open_records), version


def funding_records() -> tuple[list[dict], str]:
    version = data_version("programme")
    return _records("funding", version, aggregates.open_programme_records), version


def page_of(request, records: list[dict], paging: Paging, scope: str) -> dict:
    start = read_token(paging.pageToken, scope=scope) or 0
    if not isinstance(start, int) or start < 0:
        raise Problem("invalid-page-token", _("Start from the first page again."))
    end = start + paging.limit
    token = make_token(after=end, scope=scope) if end < len(records) else None
    return {
        "count": len(records),
        "values": records[start:end],
        "nextPage": next_url(request, token),
        "nextPageToken": token,
    }


@router.get(
    "/readiness",
    response=ReadinessPage,
    url_name="opendata-readiness",
    summary="Läs beredskapens öppna data",
    auth=None,
)
def open_readiness(request, filters: Query[ReadinessFilter]):
    """Every published round's figures in long format, as skoldigistod-beredskap.json."""
    records, version = readiness_records()
    wanted = {
        "breakdown": filters.breakdown,
        "group_code": filters.groupCode,
        "indicator_code": filters.indicator,
    }
    selected = [
        r
        for r in records
        if (filters.round is None or round_code(r["round"]) == filters.round)
        and all(value is None or r[name] == value for name, value in wanted.items())
    ]
    scope = f"readiness:{version}:{filters.round}:{filters.breakdown}:{filters.groupCode}:"
    scope += str(filters.indicator)
    return page_of(request, selected, filters, scope)


@router.get(
    "/rounds",
    response=PublishedRounds,
    url_name="opendata-rounds",
    summary="Lista de publicerade omgångarna",
    auth=None,
)
def open_rounds(request):
    """The published rounds and their codes (for `round=`)."""
    from readiness.models import ReportingRound

    published = publication.publications()
    rounds = {
        r.pk: r for r in ReportingRound.objects.filter(pk__in=[p.round_id for p in published])
    }
    values = [
        {
            "code": rounds[p.round_id].code,
            "name": rounds[p.round_id].name,
            "opens": rounds[p.round_id].opens_on,
            "closes": rounds[p.round_id].closes_on,
            "published": p.published_at.date(),
        }
        for p in published
    ]
    return {"count": len(values), "values": values}


@router.get(
    "/funding",
    response=FundingPage,
    url_name="opendata-funding",
    summary="Läs finansieringens öppna data",
    auth=None,
)
def open_funding(request, paging: Query[Paging]):
    """Each agreement's funding and spending per year, as skoldigistod-finansiering.json."""
    records, version = funding_records()
    return page_of(request, records, paging, f"funding:{version}")
