"""The history reads like a record a person wrote: names, field labels and values as people
write them, worked out when shown from the raw values events store."""

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse

from agreement import services as agreement_services
from agreement.models import Activity, FundingYear, Initiative, Partner
from portal import audit
from portal.models import AuditEvent
from principals.models import Principal, SchoolUnit
from reporting.models import FinalReport
from tests.agreement.factories import InitiativeFactory, PartnerFactory
from tests.portal.factories import UserFactory, staff_user

NBSP = "\xa0"


def _field(model, name):
    return audit.history_field(model, name)


# ---- values -----------------------------------------------------------------------------------


def test_an_amount_is_shown_in_kronor_with_non_breaking_spaces():
    assert audit.value_shown(_field(FundingYear, "allocated"), "1250000.00") == (
        f"1{NBSP}250{NBSP}000{NBSP}kr"
    )


def test_a_date_is_shown_the_swedish_way():
    assert audit.value_shown(_field(Activity, "planned_start"), "2026-03-05") == "5 mars 2026"


def test_a_time_is_shown_in_swedish_local_time():
    stored = str(datetime.datetime(2026, 3, 5, 9, 30, tzinfo=datetime.UTC))
    assert audit.value_shown(_field(Activity, "archived_at"), stored) == "5 mars 2026 10:30"


def test_a_choice_is_shown_by_its_label_and_an_old_stored_label_as_it_was():
    status = _field(Initiative, "status")
    assert audit.value_shown(status, "in_preparation") == "Bereds / arbete pågår"
    assert audit.value_shown(status, "Beslutad") == "Beslutad"


def test_yes_no_and_empty():
    may_be_named = _field(Principal, "may_be_named")
    assert audit.value_shown(may_be_named, True) == "Ja"
    assert audit.value_shown(may_be_named, False) == "Nej"
    assert audit.value_shown(_field(Initiative, "comment"), "") == "(tomt)"
    assert audit.value_shown(_field(Initiative, "comment"), None) == "(tomt)"


def test_a_foreign_key_is_shown_by_the_name_it_was_recorded_with():
    assert audit.value_shown(_field(SchoolUnit, "principal"), "Testskolan AB") == "Testskolan AB"
    municipalities = _field(Principal, "municipalities")
    assert audit.value_shown(municipalities, ["Danderyd", "Solna"]) == "Danderyd, Solna"


def test_markdown_is_shown_as_plain_text():
    body = "# Rubrik\n\nDet här är **viktigt** och [en länk](https://example.se).\n\n- ett"
    label, old, new = audit.changes_shown(FinalReport, {"body": [None, body]})[0]
    assert label == "Text" and old == "(tomt)"
    assert new == "Rubrik Det här är viktigt och en länk. ett"


def test_a_field_that_no_longer_exists_shows_its_raw_value():
    rows = audit.changes_shown(Initiative, {"gone_field": ["in_progress", "1250000.00"]})
    assert rows == [("gone_field", "in_progress", "1250000.00")]


def test_a_budget_per_year_has_its_label_and_kronor_old_keys_too():
    rows = audit.changes_shown(
        Activity, {"budget_2021": ["100000.00", "250000"], "Budget 2022": [None, "5.50"]}
    )
    assert rows == [
        ("Budget 2021", f"100{NBSP}000{NBSP}kr", f"250{NBSP}000{NBSP}kr"),
        ("Budget 2022", "(tomt)", f"5,50{NBSP}kr"),
    ]


def test_the_version_step_is_bookkeeping_and_not_shown():
    rows = audit.changes_shown(Activity, {"version": [1, 2], "title": ["A", "B"]})
    assert rows == [("Titel", "A", "B")]


# ---- who --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("import_skolverket", "Systemet (inläsning av Skolverkets register)"),
        ("load_demo", "Systemet (demodata)"),
        ("send_reminders", "Systemet (påminnelser)"),
        ("personal_data (begäran om personuppgifter)", "Systemet (begäran om personuppgifter)"),
        ("", "Systemet"),
    ],
)
def test_a_command_is_shown_as_the_system(code, shown):
    assert audit.actor_shown(None, code, None) == shown


@pytest.mark.django_db
def test_a_person_is_shown_by_name_never_by_user_name():
    user = UserFactory(username="kalle123", first_name="Karl", last_name="Berg")
    assert audit.actor_shown(user, "kalle123", None) == "Karl Berg"


@pytest.mark.django_db
def test_without_a_name_the_address_only_to_those_who_may_see_it(staff):
    nameless = UserFactory(
        username="anna@exempel.se", email="anna@exempel.se", first_name="", last_name=""
    )
    other_reader = UserFactory(username="other")
    assert audit.actor_shown(nameless, "anna@exempel.se", staff) == "anna@exempel.se"
    assert audit.actor_shown(nameless, "anna@exempel.se", nameless) == "anna@exempel.se"
    shown = audit.actor_shown(nameless, "anna@exempel.se", other_reader)
    assert shown == "En användare (e-postadress dold)"


# ---- pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_initiatives_history_shows_names_and_labels(login):
    lena = staff_user(username="lena.l", first_name="Lena", last_name="Lindgren")
    nameless = staff_user(username="kalle", email="kalle@skr.example", first_name="", last_name="")
    initiative = InitiativeFactory(number=7, title="Digital kompetens")
    agreement_services.initiative_update(
        actor=lena,
        initiative=initiative,
        fields={"status": Initiative.Status.IN_PREPARATION, "lead_actor": "Skolverket"},
    )
    agreement_services.initiative_update(
        actor=nameless, initiative=initiative, fields={"comment": "Se **beslutet**."}
    )
    url = reverse("agreement:initiative-detail", args=[initiative.pk])
    page = login(lena).get(url).content.decode()
    history = page[page.index('id="history-title"') :]
    assert "Lena Lindgren" in history and "lena.l" not in history
    assert ">kalle@skr.example<" in history and ">kalle<" not in history
    assert "Status" in history and "Bereds / arbete pågår" in history
    assert "Aktör" in history and "(tomt)" in history
    assert "in_preparation" not in history and "lead_actor" not in history
    assert page.count(">Historik</h2>") == 1


@pytest.mark.django_db
def test_a_partners_change_in_the_portal_is_in_its_history(login):
    per = staff_user(username="per.p", first_name="Per", last_name="Persson")
    partner = PartnerFactory(name="Inera")
    response = login(per).post(
        reverse("agreement:partner-update", args=[partner.pk]),
        {"name": "Inera AB", "description": "", "website": "https://inera.se"},
    )
    assert response.status_code == 302
    event = audit.history_for(partner).get()
    assert event.actor == per and event.changes["name"] == ["Inera", "Inera AB"]
    page = login(per).get(reverse("agreement:partner-detail", args=[partner.pk])).content.decode()
    history = page[page.index('id="history-title"') :]
    assert "Per Persson" in history and "per.p" not in history
    assert "Webbplats" in history and "(tomt)" in history and "https://inera.se" in history
    assert Partner.objects.get().name == "Inera AB"


@pytest.mark.django_db
def test_an_old_event_with_raw_values_still_renders(login, staff):
    initiative = InitiativeFactory(number=3)
    AuditEvent.objects.create(
        actor=None,
        actor_label="load_agreement_2020",
        action=AuditEvent.Action.CHANGED,
        content_type_id=audit.ContentType.objects.get_for_model(Initiative).pk,
        object_id=str(initiative.pk),
        object_repr=str(initiative),
        changes={"status": ["Beslutad", "not_started"], "removed_field": [1, 2]},
    )
    page = login(staff).get(initiative.get_absolute_url()).content.decode()
    assert "Systemet (inläsning av överenskommelsen 2020)" in page
    assert "Beslutad" in page and "Ej påbörjad" in page and "removed_field" in page


@pytest.mark.django_db
def test_the_final_report_page_has_one_history_heading(login, staff):
    from tests.agreement.factories import AgreementFactory

    agreement = AgreementFactory()
    report = FinalReport.objects.create(agreement=agreement)
    page = login(staff).get(report.get_absolute_url()).content.decode()
    assert page.count(">Historik</h2>") == 1


@pytest.mark.django_db
def test_the_versions_page_names_who_saved_each_version(login, principal_a, editor_a, reader_a):
    from tests.readiness.factories import AssessmentFactory, submitted_version

    editor_a.first_name, editor_a.last_name = "Eva", "Ek"
    editor_a.save()
    assessment = AssessmentFactory(principal=principal_a)
    submitted_version(assessment, {}, user=editor_a)
    url = reverse(
        "readiness:assessment-history",
        kwargs={"principal_pk": principal_a.pk, "round_pk": assessment.round.pk},
    )
    page = login(reader_a).get(url).content.decode()
    assert "<td>Eva Ek</td>" in page and "editor-a" not in page


def test_every_command_that_records_events_has_a_readable_system_actor():
    """A new command that records with its own code must say what the system did."""
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"""\bactor\s*=\s*"([^"]+)"|^ACTOR\s*=\s*"([^"]+)\"""", re.MULTILINE)
    codes = set()
    for path in root.glob("*/**/*.py"):
        if {".venv", "tests", "migrations"} & set(path.relative_to(root).parts):
            continue
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            codes.add(match.group(1) or match.group(2))
    assert {"import_skolverket", "load_demo", "send_reminders"} <= codes
    assert sorted(codes - set(audit.SYSTEM_ACTORS)) == []
