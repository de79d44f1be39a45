"""Open data: public, suppressed, documented; the figures match the hand-made data set."""

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from readiness.models import Assessment, ReportingRound
from reporting.exports import PROGRAMME_FIELDS, READINESS_FIELDS
from tests.agreement.factories import (
    ActivityBudgetFactory,
    ActivityFactory,
    AgreementFactory,
    CostFactory,
    FundingYearFactory,
)
from tests.reporting.factories import principals, publish_closed, readiness_dataset, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    dataset = readiness_dataset()
    publish_closed()
    return dataset


def _records(client, name="readiness"):
    response = client.get(reverse(f"reporting:opendata-{name}", args=["json"]))
    assert response.status_code == 200
    return response.json()


def _find(records, **wanted):
    found = [r for r in records if all(r[k] == v for k, v in wanted.items())]
    assert len(found) == 1, (wanted, found)
    return found[0]


def test_page_is_public_and_links_the_schema(client, data):
    response = client.get(reverse("reporting:opendata"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("reporting:opendata-schema") in page
    assert (
        "Våren" in page
        and "Hösten" in page
        and "Nu" not in page.split("Omgångar som ingår:")[1][:80]
    )
    schema = client.get(reverse("reporting:opendata-schema"))
    assert schema.status_code == 200 and "suppressed" in schema.content.decode()


def test_readiness_json_has_the_published_figures_of_closed_rounds(client, data):
    body = _records(client)
    records = body["records"]
    assert body["suppression_threshold"] == 5
    assert {r["round"] for r in records} == {"Våren", "Hösten"}  # not the open round
    national = _find(records, round="Hösten", breakdown="national", measure="submitted")
    assert (national["organisers"], national["base"], national["share_percent"]) == (18, 23, 78.3)
    data.main.refresh_from_db()
    assert national["round_published"] == data.main.published_at.date().isoformat()
    ready = _find(records, round="Hösten", breakdown="national", measure="dnp_ready")
    assert (ready["organisers"], ready["base"], ready["share_percent"]) == (11, 18, 61.1)
    # 15 of Stockholm county's 17 organisers are municipalities: figures by type would give
    # away the two regions, so the types are not published for this round.
    assert not [
        r
        for r in records
        if r["round"] == "Hösten" and r["breakdown"] != "national" and r["breakdown"] != "county"
    ]
    assert not [r for r in records if r["breakdown"] == "organiser_type" and r["round"] == "Hösten"]
    skane = _find(records, round="Hösten", breakdown="county", group_code="12", measure="dnp_ready")
    assert skane["suppressed"] is True and skane["suppression_reason"] == "protect"  # 5 of 6
    assert skane["group_members"] == "12" and skane["organisers"] is None
    own = _find(records, round="Hösten", measure="answer", indicator_code="idp", answer_code="own")
    assert (own["organisers"], own["share_percent"]) == (8, 44.4)
    none = _find(
        records, round="Hösten", measure="answer", indicator_code="idp", answer_code="none"
    )
    assert none["organisers"] is None and none["suppression_reason"] == "small"
    mean = _find(
        records, round="Hösten", breakdown="national", measure="mean", indicator_code="staff-count"
    )
    assert mean["mean"] is None and mean["suppression_reason"] == "mean"  # two answers
    achieved = _find(
        records,
        round="Hösten",
        breakdown="county",
        group_code="01",
        measure="achieved",
        indicator_code="staff-eid-share",
    )
    assert achieved["base"] == 12 and achieved["suppressed"] is False


def test_no_names_or_organisation_numbers(client, data):
    text = client.get(reverse("reporting:opendata-readiness", args=["csv"])).content.decode()
    for principal in data.kommuner + data.enskilda:
        assert principal.name not in text
        assert principal.organisation_number not in text


def test_readiness_csv_matches_json(client, data):
    response = client.get(reverse("reporting:opendata-readiness", args=["csv"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == [f[0] for f in READINESS_FIELDS]
    assert len(rows) == len(_records(client)["records"])
    row = next(
        r
        for r in rows
        if r["round"] == "Hösten" and r["breakdown"] == "national" and r["measure"] == "dnp_ready"
    )
    assert (row["organisers"], row["share_percent"], row["suppressed"]) == ("11", "61,1", "false")


def test_programme_funding(client):
    agreement = AgreementFactory(title="Överenskommelsen")
    fy = FundingYearFactory(agreement=agreement, year=2021, allocated=Decimal("5000000"))
    activity = ActivityFactory(agreement=agreement)
    ActivityBudgetFactory(activity=activity, funding_year=fy, amount=Decimal("400000"))
    CostFactory(activity=activity, amount=Decimal("125000.50"))
    records = _records(client, "programme")["records"]
    assert records == [
        {
            "agreement": "Överenskommelsen",
            "year": 2021,
            "allocated_sek": 5000000,
            "budgeted_sek": 400000,
            "spent_sek": 125000.5,
            "remaining_sek": 4874999.5,
        }
    ]
    body = client.get(reverse("reporting:opendata-programme", args=["csv"])).content
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert Decimal(rows[0]["spent_sek"].replace(",", ".")) == Decimal("125000.5")  # decimal comma
    assert "." not in rows[0]["spent_sek"]
    assert list(rows[0]) == [f[0] for f in PROGRAMME_FIELDS]


def test_unknown_format_is_404(client, data):
    assert client.get(reverse("reporting:opendata-readiness", args=["xml"])).status_code == 404


def test_every_field_is_documented():
    doc = (Path(settings.BASE_DIR) / "docs" / "open-data.md").read_text(encoding="utf-8")
    for name, _kind, _meaning in READINESS_FIELDS + PROGRAMME_FIELDS:
        assert f"| `{name}` |" in doc, name


def test_query_count_is_flat(client, data, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting.cache import clear
    from reporting.publication import forget

    url = reverse("reporting:opendata-readiness", args=["json"])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    extra = principals(30)
    for n in range(3):  # three more closed rounds, each with thirty more submissions
        reporting_round = ReportingRound.objects.create(
            name=f"Extra {n}",
            opens_on=data.earlier.opens_on - datetime.timedelta(days=100 * (n + 1)),
            closes_on=data.earlier.closes_on - datetime.timedelta(days=100 * (n + 1)),
            framework_version=data.framework,
        )
        for principal in extra:
            submit(principal, reporting_round, {"idp": "own", "mfa": "achieved"})
    publish_closed()
    clear()
    forget()
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


def test_files_change_only_when_a_round_is_published(client, data, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from readiness.services import assessment_return

    url = reverse("reporting:opendata-readiness", args=["json"])
    first = client.get(url).json()
    with CaptureQueriesContext(connection) as warm:
        again = client.get(url).json()
    assert again == first
    assert len(warm.captured_queries) == 1  # the list of publications
    assessment = Assessment.objects.filter(round=data.main, state="submitted").first()
    assessment_return(assessment=assessment, comment="Rätta", actor=staff)
    assert client.get(url).json() == first  # a correction after publication is not published
    ReportingRound.objects.filter(pk=data.open.pk).update(
        closes_on=datetime.date.today() - datetime.timedelta(days=1)
    )
    publish_closed()
    changed = client.get(url).json()
    assert {r["round"] for r in changed["records"]} == {"Våren", "Hösten", "Nu"}
    assert [r for r in changed["records"] if r["round"] == "Hösten"] == [
        r for r in first["records"] if r["round"] == "Hösten"
    ]
