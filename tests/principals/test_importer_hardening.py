"""The register importer refuses what is not real, shows moves, and reads every API v2 shape."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import AuditEvent
from principals import orgnr
from principals.importer import parse_bytes, run_import
from principals.models import ImportBatch, Principal, SchoolUnit
from tests.principals.factories import PrincipalFactory, valid_orgnr
from tests.principals.importing import follow

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("import_skolverket", *args, stdout=out)
    return out.getvalue()


def run_failing(*args, match):
    out = StringIO()
    with pytest.raises(CommandError, match=match):
        call_command("import_skolverket", *args, stdout=out)
    return out.getvalue()


# --------------------------------------------------------------------- organisation numbers


@pytest.mark.parametrize(
    "value, expected",
    [
        ("212000-0142", "212000-0142"),  # Stockholms stad (DOMAIN.md)
        ("2120001355", "212000-1355"),  # Göteborgs Stad
        ("16232100-0016", "232100-0016"),  # Region Stockholm, 12-digit form
        ("559900 0014", "559900-0014"),
    ],
)
def test_real_organisation_numbers_are_accepted(value, expected):
    assert orgnr.normalise(value) == expected


@pytest.mark.parametrize(
    "value, code",
    [
        ("000000-0000", "impossible"),
        ("555555-5555", "impossible"),  # passes the check digit, but one repeated digit
        ("012345-6782", "invalid_group"),  # check digit right, group 0
        ("121212-1212", "personal_number"),  # third digit 1: a personnummer
        ("19121212-1212", "personal_number"),
        ("２１２０００-０１４２", "non_ascii_digits"),  # stdnum would read it as 212000-0142
        ("٢١٢٠٠٠-٠١٤٢", "non_ascii_digits"),
        ("559900-0015", "invalid_checksum"),
        ("55990-0014", "invalid_format"),
        ("559900+0014", "invalid_format"),
    ],
)
def test_impossible_organisation_numbers_are_refused_with_the_reason(value, code):
    # No match=: the error code asserted below names the exact reason, whatever the wording.
    with pytest.raises(ValidationError) as caught:
        orgnr.normalise(value)
    assert caught.value.code == code


def test_the_model_refuses_a_personal_identity_number():
    principal = PrincipalFactory.build(organisation_number="121212-1212")
    with pytest.raises(ValidationError, match="organisation_number"):
        principal.full_clean(exclude=["county"])


def test_the_factory_numbers_pass_the_rules():
    assert all(orgnr.normalise(valid_orgnr(n)) for n in range(0, 5000, 7))


def test_a_municipality_with_a_company_number_is_rejected(fixture_path, tmp_path):
    path = tmp_path / "wrong_group.json"
    path.write_text(
        json.dumps(
            {
                "organizers": [
                    {
                        "organizationNumber": "559900-0014",
                        "displayName": "Felkommun",
                        "organizerType": "KOMMUN",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    out = run(str(path), "--dry-run")
    assert "En huvudman av typen KOMMUN är en offentlig organisation" in out
    assert "Avvisade: 1." in out


# --------------------------------------------------------------------- values that are not real

HOSTILE_PROBLEMS = [
    ("organizers, post 1, fält displayName", "Ska vara text, inte en lista."),
    ("organizers, post 2, fält displayName", "Ska vara text, inte ett objekt."),
    ("organizers, post 3, fält displayName, värde ”Radbrytning\\nAB”", "styrtecken"),
    ("organizers, post 4, fält displayName, värde ”Styrtecken\\x07 AB”", "styrtecken"),
    ("organizers, post 5, fält organizationNumber", "innehåller andra siffror än 0–9"),
    ("organizers, post 6, fält municipalities", "Innehåller andra siffror än 0–9"),
    ("organizers, post 7, fält pupils", "Utanför tillåtet intervall: högst 2 147 483 647."),
    ("organizers, post 8, fält pupils", "ska vara ett heltal, 0 eller mer."),
    ("organizers, post 9, fält pupils", "ska vara ett heltal, 0 eller mer."),
    ("organizers, post 10, fält phone", "För långt: 45 tecken, högst 40 får plats."),
    ("schoolUnits, post 1, fält startDate, värde ”2024-W05-1”", "Inte ett kalenderdatum"),
    ("schoolUnits, post 2, fält startDate, värde ”2024-036”", "Inte ett kalenderdatum"),
    ("schoolUnits, post 3, fält schoolUnitCode", "Innehåller andra siffror än 0–9"),
    ("schoolUnits, post 4, fält schoolUnitCode", "Ska vara text, inte ett tal."),
]


def test_hostile_values_are_per_record_problems_in_the_dry_run(fixture_path):
    out = run(fixture_path("hostile_values.json"), "--dry-run")
    for where, reason in HOSTILE_PROBLEMS:
        line = next((line for line in out.splitlines() if where in line), "")
        assert reason in line, (where, reason)
    assert "Avvisade: 14." in out
    out = run(fixture_path("hostile_values.json"), "--dry-run", "--skip-invalid")
    assert "Skapade: 2." in out  # Giltig AB and Giltig enhet
    assert Principal.objects.count() == 0


def test_hostile_values_reject_the_file_and_skip_invalid_really_skips_them(fixture_path):
    run_failing(fixture_path("hostile_values.json"), match="Ingenting importerades: 14 problem")
    assert Principal.objects.count() == 0
    run(fixture_path("hostile_values.json"), "--skip-invalid")
    assert list(Principal.objects.values_list("name", "pupils")) == [("Giltig AB", 1200)]
    unit = SchoolUnit.objects.get()
    assert (unit.code, str(unit.start_date)) == ("90000105", "2024-02-01")


def test_an_over_long_name_is_reported_not_truncated(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(
        "organizationNumber;displayName;organizerType\n559900-0014;" + "Å" * 256 + ";ENSKILD\n",
        encoding="utf-8",
    )
    out = run_failing(str(path), match="Ingenting importerades")
    assert "För långt: 256 tecken, högst 255 får plats." in out
    run(str(path), "--skip-invalid")
    assert Principal.objects.count() == 0


def test_a_number_too_long_for_python_is_a_file_error(tmp_path):
    path = tmp_path / "digits.json"
    path.write_text('{"organizers": [{"pupils": ' + "9" * 5000 + "}]}", encoding="utf-8")
    run_failing(str(path), match="är inte giltig JSON")


def test_the_web_upload_reports_hostile_values_and_skips_them(login, staff, fixture_path):
    client = login(staff)
    with open(fixture_path("hostile_values.json"), "rb") as fh:
        content = fh.read()
    upload = SimpleUploadedFile("hostile_values.json", content)
    response = client.post(reverse("principals:import-upload"), {"file": upload})
    page = follow(client, response)
    assert "Ska vara text, inte en lista." in page
    assert "Radbrytning\\nAB" in page
    assert "Inte ett kalenderdatum" in page
    assert "Importera nu" not in page  # all or nothing
    upload = SimpleUploadedFile("hostile_values.json", content)
    response = client.post(
        reverse("principals:import-upload"), {"file": upload, "skip_invalid": "on"}
    )
    batch = ImportBatch.objects.get(skip_invalid=True)
    client.post(reverse("principals:import-apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert list(Principal.objects.values_list("name", flat=True)) == ["Giltig AB"]
    assert SchoolUnit.objects.count() == 1


# --------------------------------------------------------------------- moves


def _moving_file(tmp_path):
    path = tmp_path / "moves.json"
    path.write_text(
        json.dumps(
            {
                "organizers": [
                    {
                        "organizationNumber": "559900-0014",
                        "displayName": "Friskolan Test AB",
                        "organizerType": "ENSKILD",
                        "municipalities": ["2281"],
                        "email": "ny@friskolan.example",
                    },
                    {
                        "organizationNumber": "299912-8008",
                        "displayName": "Testkommun Sundsvall",
                        "organizerType": "KOMMUN",
                        "municipalities": ["2281"],
                        "email": "ny@sundsvall.example",
                    },
                ]
            }
        ),
        encoding="utf-8",
    )
    return str(path)


def test_the_command_refuses_moves_without_confirm_moves(fixture_path, tmp_path):
    run(fixture_path("organizers.json"))
    path = _moving_file(tmp_path)
    out = run(path, "--dry-run")
    assert "Flyttas (kräver --confirm-moves): 559900-0014 Friskolan Test AB" in out
    assert "Göteborg, Stockholm → Sundsvall" in out
    assert "299912-8008" not in [line for line in out.splitlines() if "Flyttas" in line]
    out = run_failing(path, match="1 huvudm\\(an/än\\) skulle flyttas")
    friskola = Principal.objects.get(organisation_number="559900-0014")
    assert friskola.email == "info@friskolan.example"  # nothing written, not even e-mail
    assert Principal.objects.get(organisation_number="299912-8008").email == ""
    run(path, "--confirm-moves")
    friskola.refresh_from_db()
    assert [m.code for m in friskola.municipalities.all()] == ["2281"]
    assert friskola.county.code == "22"
    event = AuditEvent.objects.get(action="changed", object_id=str(friskola.pk))
    assert event.changes["county"] == [None, "Västernorrlands län"]


def test_a_change_of_type_is_a_move(fixture_path, tmp_path):
    run(fixture_path("organizers.json"))
    path = tmp_path / "type.csv"
    path.write_text(
        "organizationNumber;displayName;organizerType\n299912-8008;Testkommun Sundsvall;REGION\n",
        encoding="utf-8",
    )
    run_failing(str(path), "--skip-invalid", match="skulle flyttas")
    assert Principal.objects.get(organisation_number="299912-8008").organiser_type == "KOMMUN"


def test_the_web_confirmation_lists_moves_and_needs_the_check_box(
    login, staff, fixture_path, tmp_path
):
    run(fixture_path("organizers.json"))
    client = login(staff)
    with open(_moving_file(tmp_path), "rb") as fh:
        upload = SimpleUploadedFile("moves.json", fh.read())
    response = client.post(reverse("principals:import-upload"), {"file": upload})
    batch = ImportBatch.objects.get()
    page = follow(client, response)
    assert "Huvudmän som flyttas" in page
    assert 'name="confirm_moves"' in page
    assert "Jag bekräftar att 1 huvudman flyttas enligt listan" in page
    response = client.post(reverse("principals:import-apply", args=[batch.pk]))
    page = follow(client, response)  # the import's job failed, and says why
    assert "bekräfta huvudmännens flyttar (kryssrutan)" in page
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PLANNED
    assert Principal.objects.get(organisation_number="559900-0014").county is None
    client.post(reverse("principals:import-apply", args=[batch.pk]), {"confirm_moves": "on"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert Principal.objects.get(organisation_number="559900-0014").county.code == "22"


def test_the_web_refuses_moves_that_were_not_shown(login, staff, fixture_path, tmp_path):
    client = login(staff)
    with open(_moving_file(tmp_path), "rb") as fh:
        upload = SimpleUploadedFile("moves.json", fh.read())
    client.post(reverse("principals:import-upload"), {"file": upload})  # nothing moves yet
    batch = ImportBatch.objects.get()
    assert batch.report["moves"] == []
    run(fixture_path("organizers.json"))  # now the same file moves Friskolan
    client.post(reverse("principals:import-apply", args=[batch.pk]), {"confirm_moves": "on"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PLANNED
    assert [m["key"] for m in batch.report["moves"]] == ["559900-0014"]
    assert Principal.objects.get(organisation_number="559900-0014").county is None


# --------------------------------------------------------------------- API v2 shapes


def test_list_answers_say_once_per_file_what_they_lack(fixture_path):
    out = run(
        fixture_path("api_v2_organizers_list.json"),
        fixture_path("api_v2_school_units_list.json"),
    )
    assert (
        "api_v2_school_units_list.json: 5 skolenheter utan huvudmannens organisationsnummer "
        "(listformat) — de kan inte kopplas och importeras inte" in out
    )
    assert "api_v2_organizers_list.json: 2 huvudmän i listformat" in out
    assert out.count("kan inte kopplas") == 1
    assert "Avvisade: 0." in out
    assert Principal.objects.count() == 2
    assert SchoolUnit.objects.count() == 0


def test_units_from_the_list_are_linked_through_organiser_details(fixture_path):
    out = run(
        fixture_path("api_v2_organizer_detail.json"),
        fixture_path("api_v2_school_units_list.json"),
    )
    assert "2 skolenheter utan huvudmannens organisationsnummer kopplades" in out
    assert "3 skolenheter utan huvudmannens organisationsnummer (listformat)" in out
    friskola = Principal.objects.get(organisation_number="559900-0014")
    assert friskola.email == "info@friskolan.example"
    assert friskola.phone == "08-555 01 00"
    assert friskola.county.code == "14"
    assert sorted(friskola.school_units.values_list("code", "status")) == [
        ("90000003", "AKTIV"),
        ("90000004", "PLANERAD"),
    ]


def test_list_units_already_in_the_register_keep_their_organiser(fixture_path):
    run(fixture_path("organizers.json"), fixture_path("school_units.json"))
    SchoolUnit.objects.filter(code="90000003").update(unit_type="CENTRAL")
    out = run(fixture_path("api_v2_school_units_list.json"))
    assert "2 skolenheter utan huvudmannens organisationsnummer finns redan i registret" in out
    unit = SchoolUnit.objects.get(code="90000003")
    assert (unit.status, unit.unit_type) == ("AKTIV", "CENTRAL")  # type not in the list form
    assert unit.principal.organisation_number == "559900-0014"


def test_school_unit_details_link_through_included(fixture_path):
    run(fixture_path("api_v2_organizers_list.json"))
    run(fixture_path("api_v2_school_unit_detail.json"))
    unit = SchoolUnit.objects.get(code="90000005")
    assert unit.principal.organisation_number == "299901-8001"
    assert unit.municipality.code == "0180"
    assert str(unit.start_date) == "2001-08-01"  # the detail answer spells it "startdate"
    out = run(fixture_path("api_v2_school_unit_details.json"))
    assert "Skapade: 1." in out
    assert SchoolUnit.objects.get(code="90000006").status == "VILANDE"


def test_details_of_an_organiser_not_in_the_register_are_a_problem(fixture_path):
    out = run_failing(fixture_path("api_v2_school_unit_detail.json"), match="Ingenting")
    assert "fält included.organizationNumber, värde ”299901-8001”" in out


# --------------------------------------------------------------------- speed


def _register(organisers: int, units_each: int) -> bytes:
    records, units = [], []
    for i in range(organisers):
        number = valid_orgnr(i)
        records.append(
            {
                "organizationNumber": number,
                "displayName": f"Huvudman {i}",
                "organizerType": "ENSKILD",
                "municipalities": ["0180"],
            }
        )
        for k in range(units_each):
            units.append(
                {
                    "schoolUnitCode": f"{20000000 + i * 100 + k}",
                    "displayName": f"Skola {i}-{k}",
                    "organizerOrganizationNumber": number,
                    "municipalityCode": "0180",
                }
            )
    return json.dumps({"organizers": records, "schoolUnits": units}).encode()


def _queries_to_apply(organisers: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        run_import(parse_bytes(_register(organisers, 3), "r.json"), source="test")
    return len(queries)


def test_applying_takes_the_same_number_of_queries_for_more_records():
    small = _queries_to_apply(10)
    large = _queries_to_apply(100)  # the first 10 are then unchanged, 90 new
    assert large == small
    assert AuditEvent.objects.filter(action="imported").count() == 400


def test_the_check_page_shows_what_each_file_could_be_used_for(login, staff, fixture_path):
    client = login(staff)
    with open(fixture_path("api_v2_school_units_list.json"), "rb") as fh:
        upload = SimpleUploadedFile("skolenheter.json", fh.read())
    response = client.post(reverse("principals:import-upload"), {"file": upload})
    page = follow(client, response)
    assert "Vad filerna kunde användas till" in page
    assert (
        "skolenheter.json: 5 skolenheter utan huvudmannens organisationsnummer (listformat)" in page
    )
    assert page.count("kan inte kopplas") == 1
    batch = ImportBatch.objects.get()
    client.post(reverse("principals:import-apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.report["not_linked"] == 5
    assert SchoolUnit.objects.count() == 0
