import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from agreement import demo
from agreement.models import (
    Activity,
    Agreement,
    Commitment,
    Cost,
    Deliverable,
    Initiative,
    Partner,
    ProgressUpdate,
)
from portal.models import AuditEvent
from tests.principals.factories import PrincipalFactory

pytestmark = pytest.mark.django_db


def counts():
    return [
        m.objects.count()
        for m in (Agreement, Initiative, Commitment, Partner, Activity, Cost, ProgressUpdate)
    ] + [AuditEvent.objects.count()]


def test_load_agreement_2020_loads_the_facts_and_is_idempotent():
    call_command("load_agreement_2020", stdout=StringIO())
    first = counts()
    call_command("load_agreement_2020", stdout=StringIO())
    assert counts() == first
    agreement = Agreement.objects.get()
    assert agreement.title.startswith("Digitaliseringens möjligheter")
    assert agreement.signed_on == datetime.date(2020, 11, 13)
    assert agreement.ends_on == datetime.date(2022, 12, 31)
    assert agreement.final_report_due == datetime.date(2023, 2, 28)
    assert "Utbildningsdepartementet" in agreement.government_party
    assert dict(agreement.funding_years.values_list("year", "allocated")) == {
        2020: Decimal("2500000"),
        2021: Decimal("5000000"),
        2022: Decimal("5000000"),
    }
    assert sorted(agreement.initiatives.values_list("number", flat=True)) == [11, 12, 13]
    assert Initiative.objects.count() == 3  # the other 15 are not invented
    assert agreement.commitments.count() == 3
    assert all("inte ett ordagrant citat" in c.source_note for c in agreement.commitments.all())
    names = set(Partner.objects.values_list("name", flat=True))
    assert {"Inera", "SKL Kommentus", "Skolverket", "DIGG", "Internetstiftelsen"} <= names
    assert AuditEvent.objects.filter(actor_label="load_agreement_2020").exists()


def test_loader_does_not_overwrite_staff_edits():
    call_command("load_agreement_2020", stdout=StringIO())
    Initiative.objects.filter(number=11).update(status="decided")
    call_command("load_agreement_2020", stdout=StringIO())
    assert Initiative.objects.get(number=11).status == "decided"


def test_demo_is_labelled_idempotent_and_links_demo_principals():
    PrincipalFactory(is_demo=True)
    PrincipalFactory(is_demo=True)
    demo.load(StringIO())
    first = counts()
    demo.load(StringIO())
    assert counts() == first
    assert Activity.objects.count() == 7
    assert all(a.title.startswith("Demo:") for a in Activity.objects.all())
    assert Agreement.objects.filter(is_demo=True, title__startswith="Demo:").count() == 1
    assert Deliverable.objects.filter(principals__isnull=False).exists()
    assert Activity.objects.with_overdue_count().filter(overdue_milestones__gt=0).exists()


def test_demo_works_without_demo_principals():
    demo.load(StringIO())
    assert Deliverable.objects.exists()
    assert not Deliverable.objects.filter(principals__isnull=False).exists()
