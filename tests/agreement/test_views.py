"""What the pages show to whom, and that list pages stay at a fixed number of queries.

Who may open which URL is the global access matrix's (tests/test_access_matrix.py)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreement import selectors
from agreement.models import Activity
from portal.models import AuditEvent
from tests.agreement.factories import (
    ActivityBudgetFactory,
    ActivityFactory,
    CommitmentFactory,
    CostFactory,
    DeliverableFactory,
    MilestoneFactory,
    PartnerFactory,
    ProgressUpdateFactory,
)
from tests.principals.factories import PrincipalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(agreement):
    activity = ActivityFactory(agreement=agreement, initiatives=list(agreement.initiatives.all()))
    return {
        "agreement": agreement,
        "activity": activity,
        "fundingyear": agreement.funding_years.first(),
        "commitment": CommitmentFactory(agreement=agreement),
        "initiative": agreement.initiatives.first(),
        "partner": PartnerFactory(),
        "milestone": MilestoneFactory(activity=activity),
        "deliverable": DeliverableFactory(activity=activity),
        "cost": CostFactory(activity=activity),
    }


def test_government_viewer_sees_pages_without_edit_links(login, records, government):
    client = login(government)
    for name in ["agreement-detail", "activity-detail"]:
        key = name.split("-")[0]
        html = client.get(reverse(f"agreement:{name}", args=[records[key].pk])).content.decode()
        assert "/andra/" not in html and "/ny/" not in html and "/nytt/" not in html
        assert '<form method="post"' not in html
        assert "Historik" in html
    html = client.get(reverse("agreement:activity-list")).content.decode()
    assert "Ny insats" not in html


def test_staff_sees_edit_links(login, records, staff):
    html = login(staff).get(records["activity"].get_absolute_url()).content.decode()
    assert reverse("agreement:activity-update", args=[records["activity"].pk]) in html
    assert reverse("agreement:cost-create", args=[records["activity"].pk]) in html


def test_overview_shows_funding_reach_milestones_and_final_report(login, staff, agreement):
    today = datetime.date.today()
    activity = ActivityFactory(agreement=agreement, initiatives=[agreement.initiatives.first()])
    ActivityBudgetFactory(
        activity=activity,
        funding_year=agreement.funding_years.get(year=2021),
        amount=Decimal("1200000"),
    )
    CostFactory(activity=activity, amount=Decimal("300000"), incurred_on=datetime.date(2021, 6, 1))
    MilestoneFactory(
        activity=activity, title="Försenat delmål", due_on=today - datetime.timedelta(3)
    )
    MilestoneFactory(activity=activity, title="Snart delmål", due_on=today + datetime.timedelta(10))
    MilestoneFactory(activity=activity, title="Långt bort", due_on=today + datetime.timedelta(90))
    DeliverableFactory(activity=activity, principals=[PrincipalFactory(), PrincipalFactory()])
    ProgressUpdateFactory(activity=activity, rating="amber")
    html = login(staff).get(agreement.get_absolute_url()).content.decode()
    assert "12\xa0500\xa0000\xa0kr" in html  # allocated in all
    assert "1\xa0200\xa0000\xa0kr" in html  # budgeted 2021
    assert "4\xa0700\xa0000\xa0kr" in html  # remaining 2021
    assert "Försenat delmål" in html and "Snart delmål" in html
    assert "Långt bort" not in html
    assert "2 huvudmän" in html
    assert "Gul" in html  # latest rating of the activity
    assert "28 februari 2023" in html


def test_overview_totals_per_initiative_do_not_double_count(agreement):
    i11, i12, _ = agreement.initiatives.order_by("number")
    both = ActivityFactory(agreement=agreement, initiatives=[i11, i12])
    only = ActivityFactory(agreement=agreement, initiatives=[i11])
    CostFactory(activity=both, amount=Decimal("100"))
    CostFactory(activity=both, amount=Decimal("50"))
    CostFactory(activity=only, amount=Decimal("7"))
    overview = selectors.agreement_overview(agreement)
    spent = {i.number: i.spent for i in overview.initiatives}
    assert spent == {11: Decimal("157"), 12: Decimal("150"), 13: Decimal("0")}
    totals = {i.number: i.spent for i in selectors.initiatives_with_totals()}
    assert totals[11] == Decimal("157") and totals[12] == Decimal("150")


def test_activity_page_shows_timeline_and_history(login, staff, agreement):
    activity = ActivityFactory(agreement=agreement)
    client = login(staff)
    client.post(
        reverse("agreement:milestone-create", args=[activity.pk]),
        {"title": "Delmål ett", "due_on": "2021-06-01"},
    )
    client.post(
        reverse("agreement:progressupdate-create", args=[activity.pk]),
        {"reported_on": "2021-06-02", "rating": "green", "done": "Klart"},
    )
    milestone = activity.milestones.get()
    client.post(
        reverse("agreement:milestone-update", args=[milestone.pk]),
        {"title": "Delmål ett", "due_on": "2021-06-01", "completed_on": "2021-05-30"},
    )
    event = AuditEvent.objects.for_object(milestone).filter(action="changed").get()
    assert event.changes["completed_on"] == [None, "2021-05-30"]
    html = client.get(activity.get_absolute_url()).content.decode()
    assert "Delmål ett" in html and "Klart" in html and "Uppnått" in html
    edit = client.get(reverse("agreement:milestone-update", args=[milestone.pk])).content.decode()
    assert "Historik" in edit and "2021-05-30" in edit


def test_activity_list_filters_and_search(login, staff, agreement):
    today = datetime.date.today()
    i11, i12, _ = agreement.initiatives.order_by("number")
    late = ActivityFactory(agreement=agreement, title="Sen insats", initiatives=[i11])
    MilestoneFactory(activity=late, due_on=today - datetime.timedelta(1))
    red = ActivityFactory(
        agreement=agreement, title="Röd insats", initiatives=[i12], responsible=staff
    )
    ProgressUpdateFactory(activity=red, rating="red")
    ActivityFactory(agreement=agreement, title="Planerad insats", status="planned")
    archived = ActivityFactory(agreement=agreement, title="Arkiverad insats")
    Activity.objects.filter(pk=archived.pk).update(archived_at="2022-01-01T00:00Z")
    client = login(staff)
    url = reverse("agreement:activity-list")

    def titles(**params):
        response = client.get(url, params)
        return sorted(a.title for a in response.context["page"].object_list)

    assert titles() == ["Planerad insats", "Röd insats", "Sen insats"]
    assert titles(archived="on") == [
        "Arkiverad insats",
        "Planerad insats",
        "Röd insats",
        "Sen insats",
    ]
    assert titles(overdue="on") == ["Sen insats"]
    assert titles(rating="red") == ["Röd insats"]
    assert titles(rating="none") == ["Planerad insats", "Sen insats"]
    assert titles(initiative=i11.pk) == ["Sen insats"]
    assert titles(status="planned") == ["Planerad insats"]
    assert titles(responsible=staff.pk) == ["Röd insats"]
    assert titles(q="röd") == ["Röd insats"]


def _grow(agreement, n: int, principals):
    for k in range(n):
        activity = ActivityFactory(
            agreement=agreement, initiatives=list(agreement.initiatives.all()[: 1 + k % 3])
        )
        ActivityBudgetFactory(
            activity=activity, funding_year=agreement.funding_years.get(year=2021), amount=1000
        )
        MilestoneFactory(activity=activity, due_on=datetime.date.today())
        MilestoneFactory(activity=activity, due_on=datetime.date(2021, 1, 1))
        CostFactory(activity=activity)
        ProgressUpdateFactory(activity=activity)
        DeliverableFactory(activity=activity, principals=principals)
    PartnerFactory()


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url_name",
    [
        "agreement-list",
        "agreement-detail",
        "activity-list",
        "initiative-list",
        "partner-list",
        "initiative-detail",
        "start",
    ],
)
def test_query_count_stays_flat_when_data_grows_tenfold(login, staff, agreement, url_name):
    principals = [PrincipalFactory(), PrincipalFactory()]
    client = login(staff)
    if url_name in ("agreement-detail", "initiative-detail"):
        target = agreement if url_name == "agreement-detail" else agreement.initiatives.first()
        url = reverse(f"agreement:{url_name}", args=[target.pk])
    elif url_name == "start":
        url = reverse("portal:staff-home")
    else:
        url = reverse(f"agreement:{url_name}")
    _grow(agreement, 3, principals)
    client.get(url)  # warm the per-process caches (content types, session)
    small = _count(client, url)
    _grow(agreement, 27, principals)
    assert Activity.objects.count() == 30
    assert _count(client, url) == small


def test_start_pages_show_the_agreement_at_a_glance(login, staff, government, agreement):
    activity = ActivityFactory(agreement=agreement)
    MilestoneFactory(activity=activity, due_on=datetime.date(2021, 1, 1))
    html = login(staff).get(reverse("portal:staff-home")).content.decode()
    assert agreement.title in html and "Försenade delmål" in html
    assert "?overdue=on" in html
    html = login(government).get(reverse("portal:government-home")).content.decode()
    assert agreement.title in html and "?overdue=on" not in html


def test_navigation_has_agreements_and_activities(login, staff, government, editor_a):
    html = login(staff).get(reverse("agreement:agreement-list")).content.decode()
    assert "Överenskommelser</a>" in html and "Insatser</a>" in html
    html = login(government).get(reverse("portal:government-home")).content.decode()
    assert "Insatser</a>" in html
    html = login(editor_a).get("/", follow=True).content.decode()
    assert "Insatser</a>" not in html
