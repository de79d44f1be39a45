"""Open data through the API: the same records as the open-data files, a page at a time."""

import pytest
from django.urls import reverse

from tests.agreement.factories import AgreementFactory, FundingYearFactory
from tests.reporting.factories import publish_closed, readiness_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    dataset = readiness_dataset()
    publish_closed()
    FundingYearFactory(agreement=AgreementFactory(), year=2021)
    return dataset


def all_pages(client, url):
    values, pages = [], 0
    while url:
        page = client.get(url).json()
        values += page["values"]
        count, url = page["count"], page["nextPage"]
        pages += 1
    assert len(values) == count
    return values, pages


def test_readiness_pages_are_exactly_the_open_data_file(client, data):
    file = client.get(reverse("reporting:opendata-readiness", args=["json"])).json()["records"]
    values, pages = all_pages(client, "/api/v1/open-data/readiness?limit=50")
    assert pages > 1
    assert values == file
    assert any(v["suppressed"] and v["organisers"] is None for v in values)


def test_funding_is_exactly_the_open_data_file(client, data):
    file = client.get(reverse("reporting:opendata-programme", args=["json"])).json()["records"]
    values, _pages = all_pages(client, "/api/v1/open-data/funding?limit=1")
    assert values == file


def test_filters_by_round_code_and_breakdown(client, data):
    rounds = client.get("/api/v1/open-data/rounds").json()["values"]
    code = rounds[0]["code"]
    values, _pages = all_pages(
        client, f"/api/v1/open-data/readiness?round={code}&breakdown=county&limit=1000"
    )
    assert values and all(v["breakdown"] == "county" for v in values)
    assert {v["round"] for v in values} == {rounds[0]["name"]}


def test_a_token_from_another_filter_is_refused(client, data):
    first = client.get("/api/v1/open-data/readiness?limit=5").json()
    token = first["nextPageToken"]
    response = client.get(f"/api/v1/open-data/readiness?breakdown=county&pageToken={token}")
    assert response.status_code == 400
    assert response.json()["type"] == "urn:skoldigistod:api:problem:invalid-page-token"
