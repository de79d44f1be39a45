"""Staff compare what organisers self-reported about their IdP and federations with what the
federations' signed metadata says (reporting/idp_comparison.py); nothing is changed."""

import pytest

from federation.models import IdpAccessRule
from federation.selectors import metadata_idps, organisation_number_from
from portal.models import AuditEvent
from principals.models import Principal
from readiness.models import Assessment, AssessmentVersion
from readiness.services import framework_load_default
from tests.principals.factories import PrincipalFactory, valid_orgnr
from tests.readiness.factories import AssessmentFactory, ReportingRoundFactory, submitted_version

from .comparison import idp_config, keep, signed_metadata

URL = "/rapporter/inloggning-jamforelse/"
KOMMUN_NUMBER = "212000-0142"  # Stockholms stad's number: valid, group 2
SECOND_IDP = "https://idp.andra.example/idp"


@pytest.fixture
def skolfederation(settings, tmp_path):
    """ "skolfederation" (named as the federation question's value) with two IdPs: one that
    gives its organisation number, one that does not; signed with the test federation key."""
    xml = signed_metadata(
        [
            (
                idp_config("http://127.0.0.1:9180", name="Exempelkommunen"),
                "NTRSE-2120000142",
                "exempel.kommun.example",
            ),
            (idp_config("http://127.0.0.1:9181", name="Andra skolan", entity=SECOND_IDP), "", ""),
        ]
    )
    keep(settings, tmp_path, {"skolfederation": xml})


@pytest.fixture
def answers_round(db):
    framework = framework_load_default(actor="test")[0]
    return ReportingRoundFactory(name="Hösten 2026", framework_version=framework)


def answer(principal, reporting_round, *, idp, federation, draft=False):
    assessment = AssessmentFactory(principal=principal, round=reporting_round)
    answers = {"idp": {"value": idp, "comment": ""}, "federation": {"value": federation}}
    if not draft:
        return submitted_version(assessment, answers)
    version = AssessmentVersion.objects.create(
        assessment=assessment,
        number=1,
        kind=AssessmentVersion.Kind.DRAFT,
        framework_version=reporting_round.framework_version,
        answers=answers,
    )
    assessment.draft = version
    assessment.state = Assessment.State.DRAFT
    assessment.save()
    return version


@pytest.fixture
def organisers(answers_round, skolfederation):
    kommun = PrincipalFactory(
        name="Exempelkommunen",
        organisation_number=KOMMUN_NUMBER,
        organiser_type=Principal.OrganiserType.KOMMUN,
    )
    answer(kommun, answers_round, idp="own", federation=["skolfederation"])
    andra = PrincipalFactory(name="Andra skolan AB")
    IdpAccessRule.objects.create(issuer=SECOND_IDP, principal=andra)
    answer(andra, answers_round, idp="none", federation=["none"])
    claims = PrincipalFactory(name="Påstående AB")
    answer(claims, answers_round, idp="service", federation=["skolfederation"], draft=True)
    without = PrincipalFactory(name="Utan inloggning AB")
    answer(without, answers_round, idp="none", federation=["none"])
    silent = PrincipalFactory(name="Tyst skola AB")
    IdpAccessRule.objects.create(issuer=SECOND_IDP, principal=silent)
    PrincipalFactory(name="Ingenting AB")  # neither answers nor an IdP: not listed
    return {"kommun": kommun, "andra": andra, "claims": claims, "without": without}


def rows_of(response):
    return {row.name: row for row in response.context["page"].object_list}


def test_the_metadata_is_read_from_the_signed_copy(skolfederation):
    idps = {idp.entity_id: idp for idp in metadata_idps()}
    kommun = idps["http://127.0.0.1:9180/idp/metadata"]
    assert kommun.federation == "skolfederation"
    assert kommun.name == "Exempelkommunen"
    assert kommun.organisation == "Exempelkommunen"
    assert kommun.organisation_number == KOMMUN_NUMBER
    assert kommun.scopes == ("exempel.kommun.example",)
    assert idps[SECOND_IDP].organisation_number == ""


@pytest.mark.parametrize(
    "value", ["212000-0142", "2120000142", "162120000142", "NTRSE-2120000142", "SE212000014201"]
)
def test_organisation_numbers_in_the_forms_metadata_uses(value):
    assert organisation_number_from(value) == KOMMUN_NUMBER


@pytest.mark.parametrize("value", ["212000-0143", "exempel.kommun.example", "", "19121212-1212"])
def test_what_is_not_an_organisation_number_matches_nothing(value):
    assert organisation_number_from(value) == ""


def test_agreement_disagreement_and_what_cannot_be_confirmed(client, staff, organisers):
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    rows = rows_of(response)
    assert set(rows) == {
        "Exempelkommunen",
        "Andra skolan AB",
        "Påstående AB",
        "Utan inloggning AB",
        "Tyst skola AB",
    }
    kommun = rows["Exempelkommunen"]
    assert kommun.verdict == "agrees"
    assert kommun.idp_answer == "Ja, i egen drift"
    assert kommun.federation_answer == "Skolfederation"
    assert [(m["name"], m["federation"], m["by_number"]) for m in kommun.metadata] == [
        ("Exempelkommunen", "Skolfederation", True)
    ]
    # Matched by the staff-made access rule; the metadata contradicts "no IdP, no federation".
    andra = rows["Andra skolan AB"]
    assert andra.verdict == "disagrees"
    assert [m["by_number"] for m in andra.metadata] == [False]
    assert len([c for c in andra.checks if c.verdict == "disagrees"]) == 2
    # A claim the metadata does not show (the draft is the latest saved answer).
    assert rows["Påstående AB"].verdict == "not-confirmed"
    assert rows["Påstående AB"].state == "Utkast"
    assert rows["Utan inloggning AB"].verdict == "agrees"
    assert rows["Tyst skola AB"].verdict == "no-self-report"

    page = response.content.decode()
    assert "Stämmer inte" in page  # the verdict is in words, not only a colour
    assert "Ingen självskattning" in page
    assert "Ja, i egen drift" in page


def test_the_filter_shows_only_disagreements(client, staff, organisers):
    client.force_login(staff)
    response = client.get(URL, {"visa": "avvikelser"})
    assert list(rows_of(response)) == ["Andra skolan AB"]
    assert response.context["comparison"].counts["disagrees"] == 1


def test_without_kept_metadata_nothing_is_confirmed(client, staff, answers_round, settings):
    settings.FEDERATIONS = []
    claims = PrincipalFactory(name="Påstående AB")
    answer(claims, answers_round, idp="own", federation=["skolfederation"])
    client.force_login(staff)
    response = client.get(URL)
    assert [r.verdict for r in rows_of(response).values()] == ["not-confirmed"]
    assert "Ingen federations metadata" in response.content.decode()


def test_without_a_round_only_the_metadata_is_shown(client, staff, skolfederation):
    silent = PrincipalFactory(name="Tyst skola AB")
    IdpAccessRule.objects.create(issuer=SECOND_IDP, principal=silent)
    client.force_login(staff)
    response = client.get(URL)
    assert [r.verdict for r in rows_of(response).values()] == ["no-self-report"]


@pytest.mark.parametrize("who", ["reader_a", "editor_a", "government"])
def test_organisers_and_the_government_are_refused(client, request, who, organisers):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403


def test_anonymous_goes_to_login(client, organisers):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/konto/logga-in/" in response["Location"]


def _snapshot():
    return (
        list(Assessment.objects.order_by("pk").values()),
        list(AssessmentVersion.objects.order_by("pk").values()),
        list(AuditEvent.objects.order_by("pk").values()),
        list(IdpAccessRule.objects.order_by("pk").values()),
        list(Principal.objects.order_by("pk").values()),
    )


def test_reading_the_comparison_changes_nothing(client, staff, organisers):
    client.force_login(staff)
    before = _snapshot()
    for query in ({}, {"visa": "avvikelser"}, {"visa": "stammer", "sida": "2"}):
        assert client.get(URL, query).status_code == 200
    assert _snapshot() == before


def _many(answers_round, n, start):
    for i in range(n):
        principal = PrincipalFactory(
            name=f"Skola {start + i:05d} AB", organisation_number=valid_orgnr(50_000 + start + i)
        )
        answer(principal, answers_round, idp="own", federation=["skolfederation"])
        if i % 3 == 0:
            IdpAccessRule.objects.create(issuer=SECOND_IDP, principal=principal)


def test_the_number_of_queries_does_not_grow_with_the_organisers(
    client, staff, organisers, answers_round, django_assert_max_num_queries
):
    client.force_login(staff)
    client.get(URL)  # the session and the framework's indicators are read once per process
    _many(answers_round, 5, 0)
    with django_assert_max_num_queries(10) as few:
        client.get(URL)
    _many(answers_round, 120, 100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"sida": "2"})
    assert response.context["page"].number == 2
    assert response.context["page"].paginator.count == 130
