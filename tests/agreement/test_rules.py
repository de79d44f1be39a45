"""Every rule of the work programme, through the forms: a Swedish message and nothing saved."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from agreement.models import Activity, ActivityBudget, Agreement, Cost, FundingYear
from portal.models import AuditEvent
from tests.agreement.factories import (
    ActivityBudgetFactory,
    ActivityFactory,
    CostFactory,
    MilestoneFactory,
    ProgressUpdateFactory,
)

pytestmark = pytest.mark.django_db


def activity_data(**overrides):
    data = {
        "title": "Stöd till huvudmännen",
        "description": "",
        "status": "planned",
        "planned_start": "2021-02-01",
        "planned_end": "2021-11-30",
        "actual_start": "",
        "actual_end": "",
    }
    data.update(overrides)
    return data


def test_activity_cannot_end_before_it_starts(login, staff, agreement):
    url = reverse("agreement:activity-create", args=[agreement.pk])
    response = login(staff).post(
        url, activity_data(planned_start="2021-05-01", planned_end="2021-04-30")
    )
    assert response.status_code == 200
    assert "Insatsen kan inte sluta innan den börjar." in response.content.decode()
    assert not Activity.objects.exists()
    assert not AuditEvent.objects.exists()


def test_activity_with_valid_dates_and_budget_is_saved_and_recorded(login, staff, agreement):
    url = reverse("agreement:activity-create", args=[agreement.pk])
    response = login(staff).post(url, activity_data(budget_2021="250 000,50"))
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()
    assert activity.budgets.get().amount == Decimal("250000.50")
    event = AuditEvent.objects.for_object(activity).get()
    assert event.action == "created" and event.actor == staff
    assert event.changes["title"] == [None, "Stöd till huvudmännen"]


def test_us_style_date_is_refused(login, staff, agreement):
    url = reverse("agreement:activity-create", args=[agreement.pk])
    response = login(staff).post(url, activity_data(planned_start="2/1/2021"))
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert not Activity.objects.exists()


def test_budgets_of_a_year_cannot_exceed_its_funding(login, staff, agreement):
    ActivityBudgetFactory(
        activity=ActivityFactory(agreement=agreement),
        funding_year=agreement.funding_years.get(year=2020),
        amount=Decimal("2000000"),
    )
    url = reverse("agreement:activity-create", args=[agreement.pk])
    response = login(staff).post(url, activity_data(budget_2020="600000"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "skulle överskrida årets medel" in html
    assert "500\xa0000\xa0kr" in html  # what is left to budget
    assert Activity.objects.count() == 1
    assert ActivityBudget.objects.count() == 1


def test_budget_exactly_at_the_allocation_is_accepted(login, staff, agreement):
    url = reverse("agreement:activity-create", args=[agreement.pk])
    response = login(staff).post(url, activity_data(budget_2020="2500000"))
    assert response.status_code == 302


def test_raising_a_budget_on_edit_is_checked_against_other_activities(login, staff, agreement):
    fy = agreement.funding_years.get(year=2021)
    ActivityBudgetFactory(
        activity=ActivityFactory(agreement=agreement), funding_year=fy, amount=Decimal("4000000")
    )
    activity = ActivityFactory(agreement=agreement)
    ActivityBudgetFactory(activity=activity, funding_year=fy, amount=Decimal("1000000"))
    url = reverse("agreement:activity-update", args=[activity.pk])
    data = activity_data(version=activity.version, budget_2021="1000001")
    response = login(staff).post(url, data)
    assert "skulle överskrida årets medel" in response.content.decode()
    assert activity.budgets.get().amount == Decimal("1000000")
    data["budget_2021"] = "1000000"
    data["title"] = "Nytt namn"
    assert login(staff).post(url, data).status_code == 302


def test_lowering_an_allocation_below_what_is_budgeted_is_refused(login, staff, agreement):
    fy = agreement.funding_years.get(year=2021)
    ActivityBudgetFactory(
        activity=ActivityFactory(agreement=agreement), funding_year=fy, amount=Decimal("3000000")
    )
    url = reverse("agreement:fundingyear-update", args=[fy.pk])
    response = login(staff).post(url, {"year": "2021", "allocated": "2000000"})
    assert "tilldelningen kan inte vara lägre" in response.content.decode()
    fy.refresh_from_db()
    assert fy.allocated == Decimal("5000000")


@pytest.mark.parametrize("amount", ["0", "-100", "0,00"])
def test_cost_must_be_greater_than_zero(login, staff, agreement, amount):
    activity = ActivityFactory(agreement=agreement)
    url = reverse("agreement:cost-create", args=[activity.pk])
    response = login(staff).post(
        url, {"incurred_on": "2021-03-01", "amount": amount, "category": "events"}
    )
    assert "Beloppet måste vara större än noll." in response.content.decode()
    assert not Cost.objects.exists()


def test_cost_date_must_fall_in_a_funding_year(login, staff, agreement):
    activity = ActivityFactory(agreement=agreement)
    url = reverse("agreement:cost-create", args=[activity.pk])
    response = login(staff).post(
        url, {"incurred_on": "2023-01-10", "amount": "1000", "category": "events"}
    )
    html = response.content.decode()
    assert "Datumet måste ligga inom något av överenskommelsens finansieringsår" in html
    assert "2020, 2021, 2022" in html
    assert not Cost.objects.exists()


def test_cost_with_decimal_comma_is_saved_and_shown_the_swedish_way(login, staff, agreement):
    activity = ActivityFactory(agreement=agreement)
    client = login(staff)
    response = client.post(
        reverse("agreement:cost-create", args=[activity.pk]),
        {"incurred_on": "2021-03-01", "amount": "12 345,50", "category": "events"},
    )
    assert response.status_code == 302
    assert Cost.objects.get().amount == Decimal("12345.50")
    page = client.get(activity.get_absolute_url()).content.decode()
    assert "12\xa0345,50\xa0kr" in page


def test_editing_a_cost_to_zero_is_refused(login, staff, agreement):
    cost = CostFactory(activity=ActivityFactory(agreement=agreement))
    url = reverse("agreement:cost-update", args=[cost.pk])
    response = login(staff).post(
        url, {"incurred_on": "2021-03-01", "amount": "0", "category": "events"}
    )
    assert "Beloppet måste vara större än noll." in response.content.decode()
    cost.refresh_from_db()
    assert cost.amount == Decimal("10000")


@pytest.mark.parametrize("year", ["2019", "2023"])
def test_funding_year_outside_the_period_is_refused(login, staff, agreement, year):
    url = reverse("agreement:fundingyear-create", args=[agreement.pk])
    response = login(staff).post(url, {"year": year, "allocated": "1000"})
    assert "Året måste ligga inom överenskommelsens period (2020–2022)." in (
        response.content.decode()
    )
    assert agreement.funding_years.count() == 3


def test_second_funding_year_for_the_same_year_is_refused(login, staff, agreement):
    url = reverse("agreement:fundingyear-create", args=[agreement.pk])
    response = login(staff).post(url, {"year": "2021", "allocated": "1000"})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert agreement.funding_years.count() == 3


def test_shortening_the_period_past_a_funding_year_is_refused(login, staff, agreement):
    url = reverse("agreement:agreement-update", args=[agreement.pk])
    response = login(staff).post(
        url,
        {
            "title": agreement.title,
            "government_party": agreement.government_party,
            "counterparty": agreement.counterparty,
            "signed_on": "2020-11-13",
            "starts_on": "2020-11-13",
            "ends_on": "2021-12-31",
            "final_report_due": "2022-02-28",
            "status": "active",
        },
    )
    assert "Finansieringsåren 2022 skulle hamna utanför perioden." in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.ends_on == datetime.date(2022, 12, 31)


def test_agreement_period_cannot_end_before_it_starts(login, staff):
    response = login(staff).post(
        reverse("agreement:agreement-create"),
        {
            "title": "Ny",
            "government_party": "Regeringen",
            "counterparty": "SKR",
            "signed_on": "2024-01-01",
            "starts_on": "2024-06-01",
            "ends_on": "2024-01-01",
            "final_report_due": "2025-02-28",
            "status": "active",
        },
    )
    assert "Perioden kan inte sluta innan den börjar." in response.content.decode()
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("factory", [CostFactory, ProgressUpdateFactory])
def test_deleting_an_activity_with_costs_or_updates_is_refused_and_archive_offered(
    login, staff, agreement, factory
):
    activity = ActivityFactory(agreement=agreement)
    factory(activity=activity)
    url = reverse("agreement:activity-delete", args=[activity.pk])
    client = login(staff)
    html = client.get(url).content.decode()
    assert "Arkivera den i stället" in html
    assert reverse("agreement:activity-archive", args=[activity.pk]) in html
    response = client.post(url)
    assert response.status_code == 409
    assert Activity.objects.filter(pk=activity.pk).exists()
    client.post(reverse("agreement:activity-archive", args=[activity.pk]))
    activity.refresh_from_db()
    assert activity.archived_at is not None
    assert AuditEvent.objects.for_object(activity).filter(action="archived").exists()


def test_activity_without_costs_or_updates_can_be_deleted(login, staff, agreement):
    activity = ActivityFactory(agreement=agreement)
    MilestoneFactory(activity=activity)
    response = login(staff).post(reverse("agreement:activity-delete", args=[activity.pk]))
    assert response.status_code == 302
    assert not Activity.objects.exists()
    event = AuditEvent.objects.get(action="deleted")
    assert event.object_repr == activity.title and event.actor == staff


def test_funding_year_with_costs_cannot_be_deleted(login, staff, agreement):
    CostFactory(
        activity=ActivityFactory(agreement=agreement), incurred_on=datetime.date(2021, 5, 1)
    )
    fy = agreement.funding_years.get(year=2021)
    response = login(staff).post(reverse("agreement:fundingyear-delete", args=[fy.pk]))
    assert response.status_code == 409
    assert "Utfall har registrerats under det här finansieringsåret." in (response.content.decode())
    assert FundingYear.objects.filter(pk=fy.pk).exists()


def test_agreement_with_activities_cannot_be_deleted(login, staff, agreement):
    ActivityFactory(agreement=agreement)
    response = login(staff).post(reverse("agreement:agreement-delete", args=[agreement.pk]))
    assert response.status_code == 409
    assert Agreement.objects.filter(pk=agreement.pk).exists()


def test_progress_updates_have_no_edit_page(login, staff, agreement):
    update = ProgressUpdateFactory(activity=ActivityFactory(agreement=agreement))
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("agreement:progressupdate-update", args=[update.pk])
    html = login(staff).get(update.activity.get_absolute_url()).content.decode()
    assert "/lagesrapporter/" in html  # only the link to write a new one
    assert f"/lagesrapporter/{update.pk}/" not in html


def test_a_correction_is_a_new_update_and_the_latest_rating_wins(login, staff, agreement):
    activity = ActivityFactory(agreement=agreement)
    ProgressUpdateFactory(activity=activity, rating="green", reported_on=datetime.date(2021, 4, 1))
    client = login(staff)
    response = client.post(
        reverse("agreement:progressupdate-create", args=[activity.pk]),
        {"reported_on": "2021-05-01", "rating": "red", "done": "Rättelse", "risks": "Försenat"},
    )
    assert response.status_code == 302
    assert activity.updates.count() == 2
    listed = Activity.objects.with_latest_rating().get(pk=activity.pk)
    assert listed.latest_rating == "red"
    assert activity.updates.first().author == staff
