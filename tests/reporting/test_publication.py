"""A closed round's publication: computed once, frozen, audited, and what outside readers get."""

import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from portal.models import AuditEvent
from principals.models import County, Principal
from readiness.models import ReportingRound
from readiness.services import round_extend
from reporting import publication
from reporting.disclosure import Figure, Reason
from reporting.models import RoundPublication
from tests.reporting.factories import publish_closed, readiness_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return readiness_dataset()


def test_the_publication_of_the_hand_made_round(data):
    (earlier, main) = publish_closed()
    assert [earlier.round, main.round] == [data.earlier, data.main]
    published = publication.publications()[-1]
    assert [g.key for g in published.groups] == ["national", "county:01", "county:12"]
    national = "national"
    assert published.figure(national, "submitted") == Figure(18)
    assert published.figure(national, "dnp_ready") == Figure(11)
    assert published.figure(national, "idp=own") == Figure(8)
    assert published.figure(national, "idp=none") == Figure.hidden(Reason.SMALL)
    assert published.figure(national, "idp=service").reason == Reason.PROTECT
    assert published.figure("county:12", "dnp_ready").reason == Reason.PROTECT  # 5 of 6
    assert published.mean("staff-count", national).reason == Reason.MEAN  # two answers
    # A required question's "not answered" is a known 0, not a figure; an optional one is one.
    assert not published.has(national, "idp:not_answered")
    assert published.has(national, "fed:not_answered")
    # Counties get the share meeting each indicator, not whole distributions.
    assert not published.has("county:01", "idp=own")
    assert published.has("county:01", "idp:achieved")


def test_the_stored_figures_hold_no_withheld_value_and_their_checksum(data):
    publish_closed()
    stored = RoundPublication.objects.get(round=data.main)
    assert stored.checksum_matches()
    figures = json.loads(stored.figures_json)
    assert figures["cells"]["national"]["idp=none"] is None
    assert figures["reasons"]["national"]["idp=none"] == "small"
    assert json.loads(stored.withheld_json)["national"]["idp=none"] == 3
    assert "Stockholms län" not in stored.figures_json  # codes, not labels


def test_published_figures_never_move(data, staff):
    from readiness.models import Assessment
    from readiness.services import assessment_return

    publish_closed()
    before = RoundPublication.objects.get(round=data.main).figures_json
    # The register changes (public), and a submission is returned after publication.
    moved = data.enskilda[0]
    moved.county = County.objects.get(code="01")
    moved.save()
    Principal.objects.filter(pk=data.kommuner[0].pk).update(status=Principal.Status.INACTIVE)
    assessment_return(
        assessment=Assessment.objects.filter(round=data.main, state="submitted").first(),
        comment="Rätta",
        actor=staff,
    )
    assert RoundPublication.objects.get(round=data.main).figures_json == before
    assert publication.publications()[-1].figure("national", "submitted") == Figure(18)
    stored = RoundPublication.objects.get(round=data.main)
    with pytest.raises(ValidationError, match="En publicering kan inte ändras"):
        stored.save()
    with pytest.raises(ValidationError, match="En publicering kan inte tas bort"):
        stored.delete()
    with pytest.raises(ValidationError, match="En publicering kan inte ändras"):
        RoundPublication.objects.filter(pk=stored.pk).update(figures_json="{}")


def test_only_closed_rounds_are_published_once_and_then_cannot_reopen(data, staff):
    with pytest.raises(ValidationError, match="stängd"):
        publication.publication_create(reporting_round=data.open, actor=staff)
    publication.publication_create(reporting_round=data.main, actor=staff)
    with pytest.raises(ValidationError, match="redan publicerade"):
        publication.publication_create(reporting_round=data.main, actor=staff)
    event = AuditEvent.objects.for_object(data.main).get(action=AuditEvent.Action.PUBLISHED)
    assert event.actor == staff
    with pytest.raises(ValidationError, match="kan inte förlängas"):
        round_extend(
            reporting_round=data.main,
            closes_on=datetime.date.today() + datetime.timedelta(days=10),
            actor=staff,
        )
    assert ReportingRound.objects.get(pk=data.main.pk).status == ReportingRound.Status.CLOSED


def test_the_daily_command_publishes_what_has_closed_and_is_idempotent(data):
    out = io.StringIO()
    call_command("publish_rounds", stdout=out)
    assert "2 omgång(ar) publicerade." in out.getvalue()
    out = io.StringIO()
    call_command("publish_rounds", stdout=out)
    assert "0 omgång(ar) publicerade." in out.getvalue()
    assert RoundPublication.objects.count() == 2


def test_an_organiser_compares_with_the_latest_publication_only(data):
    k1 = data.kommuner[0]
    assert publication.comparison(principal=k1).round is None
    publish_closed()
    result = publication.comparison(principal=k1)
    assert result.round == data.main and result.submitted and result.own_dnp_ready is True
    assert result.national_dnp_share == Figure(61.1)
    assert result.county_name == "Stockholms län" and result.county_key == "county:01"
    assert result.county_dnp_share.reason == Reason.PROTECT  # Skåne's 5 of 6 would follow
    rows = {r.indicator.code: r for r in result.rows}
    assert rows["idp"].own_answer == "Egen drift" and rows["idp"].own_achieved
    assert rows["idp"].national_share.reason == Reason.PROTECT  # 15 of 18: 3 did not
    absent = publication.comparison(principal=data.kommuner[12])
    assert not absent.submitted and absent.own_dnp_ready is None
    assert absent.national_dnp_share == Figure(61.1)  # the published figures all the same
