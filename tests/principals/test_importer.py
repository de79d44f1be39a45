import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.models import AuditEvent
from principals.importer import parse_bytes, run_import
from principals.models import Principal, SchoolUnit
from readiness import tally
from readiness.models import Assessment
from readiness.services import assessment_submit, framework_load_default
from reporting import aggregates
from reporting import cache as reporting_cache
from tests.principals.factories import MembershipFactory, PrincipalFactory
from tests.readiness.conftest import complete_answers
from tests.readiness.factories import ReportingRoundFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("import_skolverket", *args, stdout=out)
    return out.getvalue()


def test_dry_run_reports_and_writes_nothing(fixture_path):
    out = run(fixture_path("organizers.json"), fixture_path("school_units.json"), "--dry-run")
    assert "Skapade: 6. Ändrade: 0." in out
    assert "Torrkörning: ingenting skrevs." in out
    assert Principal.objects.count() == 0
    assert SchoolUnit.objects.count() == 0


def test_import_creates_records_with_source_and_audit_then_second_run_changes_nothing(
    fixture_path,
):
    out = run(fixture_path("organizers.json"), fixture_path("school_units.json"))
    assert "Skapade: 6. Ändrade: 0. Markerade som inaktiva: 0. Oförändrade: 0." in out
    assert "av 6 poster" in out  # progress line
    stockholm = Principal.objects.get(organisation_number="299901-8001")
    assert stockholm.name == "Testkommun Stockholm"
    assert stockholm.organiser_type == "KOMMUN"
    assert stockholm.county.code == "01"
    assert [m.code for m in stockholm.municipalities.all()] == ["0180"]
    assert stockholm.source.startswith("Skolverket: organizers.json")
    assert stockholm.last_imported_at is not None
    friskola = Principal.objects.get(organisation_number="559900-0014")
    assert friskola.county is None  # two counties: not derivable
    unit = SchoolUnit.objects.get(code="90000003")
    assert unit.principal == friskola
    assert unit.status == "VILANDE"
    assert unit.school_types == ["GR", "FTH"]
    assert str(unit.end_date) == "2030-06-30"
    assert SchoolUnit.objects.get(code="90000002").principal.organisation_number == "299912-8008"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORTED).count() == 6
    assert "Hoppade över okänt fält ”website” i 1 post(er)." in out
    assert "Hoppade över okänt fält ”addresses” i 1 post(er)." in out

    events = AuditEvent.objects.count()
    before = list(Principal.objects.values_list("id", "version", "updated_at", "last_imported_at"))
    out = run(fixture_path("organizers.json"), fixture_path("school_units.json"))
    assert "Skapade: 0. Ändrade: 0. Markerade som inaktiva: 0. Oförändrade: 6." in out
    assert AuditEvent.objects.count() == events
    after = list(Principal.objects.values_list("id", "version", "updated_at", "last_imported_at"))
    assert after == before


def test_full_import_deactivates_missing_records_records_changes_and_never_deletes(
    fixture_path,
):
    run(fixture_path("organizers.json"), fixture_path("school_units.json"))
    demo = PrincipalFactory(is_demo=True)
    out = run(fixture_path("register_v2.json"), "--full")
    assert "Markerade som inaktiv (saknas i den fullständiga importen): 299912-8008" in out
    assert "Markerade som inaktiv (saknas i den fullständiga importen): 90000002" in out
    assert Principal.objects.count() == 4
    sundsvall = Principal.objects.get(organisation_number="299912-8008")
    assert sundsvall.status == Principal.Status.INACTIVE
    demo.refresh_from_db()
    assert demo.status == Principal.Status.ACTIVE  # demo data is never part of the register
    gone = SchoolUnit.objects.get(code="90000002")
    assert gone.in_register is False
    changed = Principal.objects.get(organisation_number="299901-8001")
    assert changed.email == "ny-adress@testkommun.example"
    event = AuditEvent.objects.filter(
        action=AuditEvent.Action.CHANGED, object_id=str(changed.pk)
    ).get()
    assert event.changes == {"email": ["skola@testkommun.example", "ny-adress@testkommun.example"]}
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DEACTIVATED, object_id=str(sundsvall.pk)
    ).exists()
    unit = SchoolUnit.objects.get(code="90000003")
    assert unit.status == "UPPHORT"
    # the same full import again: nothing more happens
    out = run(fixture_path("register_v2.json"), "--full")
    assert "Skapade: 0. Ändrade: 0. Markerade som inaktiva: 0." in out


def test_without_full_missing_records_are_left_alone_and_the_import_says_so(fixture_path):
    run(fixture_path("organizers.json"), fixture_path("school_units.json"))
    out = run(fixture_path("register_v2.json"))
    assert "Inte en fullständig import (--full)" in out
    assert Principal.objects.filter(status="inactive").count() == 0


def test_invalid_records_reject_the_whole_file_and_list_every_problem(fixture_path):
    with pytest.raises(CommandError, match="Ingenting importerades: 5 problem"):
        out = StringIO()
        call_command("import_skolverket", fixture_path("invalid_records.json"), stdout=out)
    text = out.getvalue()
    assert Principal.objects.count() == 0
    assert (
        "invalid_records.json, post 1, fält organizationNumber, värde ”559900-0015”: "
        "”559900-0015” är inte ett giltigt organisationsnummer: kontrollsiffran är fel." in text
    )
    assert "post 2, fält municipalities, värde ”9999”: Okänd kommunkod." in text
    assert "post 3, fält displayName, värde ””: Ett obligatoriskt fält saknas." in text
    assert "post 5, fält organizationNumber, värde ”559900-0048”" in text
    assert "förekommer två gånger i filen (först i" in text
    assert "post 6, fält organizerType, värde ”FORETAG”: Okänd huvudmannatyp" in text


def test_skip_invalid_writes_the_valid_records_and_lists_the_rejected(fixture_path):
    out = run(fixture_path("invalid_records.json"), "--skip-invalid")
    assert list(Principal.objects.values_list("organisation_number", flat=True)) == ["559900-0048"]
    assert "Avvisade: 5." in out


def test_malformed_and_unreadable_files_are_reported(fixture_path, tmp_path):
    with pytest.raises(CommandError, match="är inte giltig JSON"):
        run(fixture_path("malformed.json"))
    with pytest.raises(CommandError, match="Kan inte läsa"):
        run(str(tmp_path / "missing.json"))
    odd = tmp_path / "odd.csv"
    odd.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="varken JSON eller en CSV-fil"):
        run(str(odd))
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        "organizationNumber;displayName;organizerType\n1;Å;KOMMUN\n".encode("latin-1")
    )
    with pytest.raises(CommandError, match="UTF-8"):
        run(str(latin))
    shape = tmp_path / "shape.json"
    shape.write_text('{"foo": []}', encoding="utf-8")
    with pytest.raises(CommandError, match="ser inte ut som Skolverkets register"):
        run(str(shape))
    assert Principal.objects.count() == 0


def test_csv_files_are_imported_with_documented_columns(fixture_path):
    out = run(fixture_path("organisers.csv"), fixture_path("school_units.csv"), "--skip-invalid")
    principal = Principal.objects.get(organisation_number="559900-0063")
    assert principal.pupils == 420
    assert principal.phone == "08-555 00 00"
    assert sorted(m.code for m in principal.municipalities.all()) == ["0114", "0180"]
    assert principal.county.code == "01"
    assert SchoolUnit.objects.get(code="90000011").status == "PLANERAD"
    assert SchoolUnit.objects.get(code="90000010").school_types == ["GR", "FTH"]
    assert "school_units.csv, rad 4, fält schoolUnitCode, värde ”1234567”" in out
    assert "school_units.csv, rad 5, fält startDate, värde ”2019-13-01”" in out
    assert "Hoppade över okänt fält ”comment”" in out


def test_units_may_refer_to_organisers_already_in_the_register(fixture_path):
    run(fixture_path("organizers.json"))
    out = run(fixture_path("school_units.json"))
    assert "Skapade: 3." in out


def test_unit_validation_problems(db):
    content = b"""{"schoolUnits": [
      {"schoolUnitCode": "90000100", "displayName": "A", "status": "STANGD",
       "schoolUnitType": "X", "schoolTypes": ["GR", "ZZ"], "municipalityCode": "0000",
       "organizerOrganizationNumber": "559900-0014", "startDate": "2020-01-01",
       "endDate": "2019-01-01"},
      {"schoolUnitCode": "90000100", "organizerOrganizationNumber": "123"},
      {"displayName": "B"},
      "text"
    ]}"""
    PrincipalFactory(organisation_number="559900-0014")
    parsed = parse_bytes(content, "units.json")
    from principals.importer import build_plan

    plan = build_plan(parsed)
    reasons = {(p.position.split(", ")[-1], p.field) for p in plan.problems}
    assert ("post 1", "status") in reasons
    assert ("post 1", "schoolUnitType") in reasons
    assert ("post 1", "schoolTypes") in reasons
    assert ("post 1", "municipalityCode") in reasons
    assert ("post 1", "endDate") in reasons
    assert ("post 2", "displayName") in reasons
    assert ("post 2", "organizerOrganizationNumber") in reasons
    assert ("post 3", "schoolUnitCode") in reasons
    assert ("post 3", "organizerOrganizationNumber") in reasons
    assert ("post 4", "") in reasons


def test_reactivation_and_unit_moving_to_another_organiser(fixture_path):
    run(fixture_path("organizers.json"), fixture_path("school_units.json"))
    Principal.objects.filter(organisation_number="299912-8008").update(status="inactive")
    content = b"""{"organizers": [{"organizationNumber": "299912-8008",
      "displayName": "Testkommun Sundsvall", "organizerType": "KOMMUN",
      "municipalities": ["2281"]}],
      "schoolUnits": [{"schoolUnitCode": "90000003", "displayName": "Friskolan Test",
      "organizerOrganizationNumber": "299912-8008"}]}"""
    plan = run_import(parse_bytes(content, "move.json"), source="test")
    assert len(plan.changed) == 2
    assert Principal.objects.get(organisation_number="299912-8008").status == "active"
    unit = SchoolUnit.objects.get(code="90000003")
    assert unit.principal.organisation_number == "299912-8008"
    assert unit.status == "AKTIV"  # status defaults to AKTIV when not given


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_file_at_once_leave_the_result_of_one(postgres_only, fixture_path):
    with open(fixture_path("organizers.json"), "rb") as fh:
        organisers = fh.read()
    with open(fixture_path("school_units.json"), "rb") as fh:
        units = fh.read()
    barrier = threading.Barrier(2)
    plans, errors = [], []

    def worker():
        try:
            parsed = parse_bytes(organisers, "organizers.json")
            parse_bytes(units, "school_units.json", parsed)
            barrier.wait()
            plans.append(run_import(parsed, source="thread"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(len(p.created) for p in plans) == [0, 6]
    assert sorted(p.unchanged for p in plans) == [0, 6]
    assert Principal.objects.count() == 3
    assert SchoolUnit.objects.count() == 3
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORTED).count() == 6


def test_an_import_that_deactivates_an_organiser_takes_its_answers_out(fixture_path):
    """The import changes the register in bulk; the staff figures follow (readiness/tally.py)."""
    framework = framework_load_default(actor="test")[0]
    call_command(
        "import_skolverket",
        fixture_path("organizers.json"),
        fixture_path("school_units.json"),
        stdout=StringIO(),
    )
    reporting_round = ReportingRoundFactory(framework_version=framework)
    tally.ensure_tallied([reporting_round.pk])
    leaving = Principal.objects.get(organisation_number="299912-8008")
    staying = Principal.objects.get(organisation_number="299901-8001")
    for principal in (leaving, staying):
        assessment_submit(
            principal=principal,
            reporting_round=reporting_round,
            answers=complete_answers(framework),
            seen_version=Assessment._meta.get_field("version").default,
            actor=MembershipFactory(principal=principal).user,
        )

    def submitted():
        reporting_cache.clear()
        overview = aggregates.readiness_overview(reporting_round=reporting_round)
        return overview.submitted.value

    assert submitted() == 2
    call_command("import_skolverket", fixture_path("register_v2.json"), "--full", stdout=StringIO())
    assert submitted() == 1
    assert (
        submitted()
        == aggregates.readiness_overview_live(reporting_round=reporting_round).submitted.value
    )
