"""The dashboards through the client: access, figures shown, suppression, filters, query counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from principals.models import Principal
from tests.agreement.factories import (
    ActivityBudgetFactory,
    ActivityFactory,
    AgreementFactory,
    CostFactory,
    DeliverableFactory,
    FundingYearFactory,
    InitiativeFactory,
    MilestoneFactory,
    ProgressUpdateFactory,
)
from tests.reporting.factories import principals, readiness_dataset, submit

pytestmark = pytest.mark.django_db

READINESS = reverse("reporting:readiness-dashboard")
PROGRAMME = reverse("reporting:programme-dashboard")


@pytest.fixture
def data():
    return readiness_dataset()


@pytest.fixture
def programme():
    """2021: 5 000 000 allocated; initiative 11 budget 300 000, spent 120 000 in two quarters."""
    agreement = AgreementFactory(title="Digitaliseringsöverenskommelsen")
    fy = FundingYearFactory(agreement=agreement, year=2021, allocated=Decimal("5000000"))
    FundingYearFactory(agreement=agreement, year=2022, allocated=Decimal("5000000"))
    i11 = InitiativeFactory(number=11)
    agreement.initiatives.add(i11)
    activity = ActivityFactory(agreement=agreement, initiatives=[i11])
    ActivityBudgetFactory(activity=activity, funding_year=fy, amount=Decimal("300000"))
    CostFactory(activity=activity, incurred_on=datetime.date(2021, 2, 1), amount=Decimal("20000"))
    CostFactory(activity=activity, incurred_on=datetime.date(2021, 8, 1), amount=Decimal("100000"))
    MilestoneFactory(
        activity=activity, due_on=datetime.date(2021, 6, 1), completed_on=datetime.date(2021, 5, 1)
    )
    MilestoneFactory(
        activity=activity, due_on=datetime.date(2021, 6, 1), completed_on=datetime.date(2021, 7, 1)
    )
    MilestoneFactory(activity=activity, due_on=datetime.date(2021, 9, 1))
    MilestoneFactory(activity=activity, due_on=datetime.date.today() + datetime.timedelta(30))
    ProgressUpdateFactory(activity=activity, reported_on=datetime.date(2021, 4, 1), rating="green")
    ProgressUpdateFactory(activity=activity, reported_on=datetime.date(2021, 5, 1), rating="amber")
    kommuner = principals(6, organiser_type=Principal.OrganiserType.KOMMUN)
    enskild = principals(4, organiser_type=Principal.OrganiserType.ENSKILD)
    DeliverableFactory(activity=activity, principals=kommuner[:5] + enskild[:2])
    return agreement


def test_anonymous_goes_to_login(client):
    for url in (READINESS, PROGRAMME, reverse("reporting:readiness-export", args=["typ", "csv"])):
        response = client.get(url)
        assert response.status_code == 302
        assert "/konto/logga-in/" in response.url


def test_organiser_is_refused(login, editor_a):
    client = login(editor_a)
    assert client.get(READINESS).status_code == 403
    assert client.get(PROGRAMME).status_code == 403
    assert client.get(reverse("reporting:programme-export", args=["ar", "csv"])).status_code == 403


def test_staff_sees_every_figure(login, staff, data):
    response = login(staff).get(READINESS)
    assert response.status_code == 200
    page = response.content.decode().replace("&nbsp;", "\xa0")
    assert "Hösten" in page  # the latest closed round is the default
    assert "61,1\xa0%" in page  # DNP-ready share
    assert "78,3\xa0%" in page  # response rate
    assert "färre än 5" not in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'role="img"' in page
    assert 'style="' not in page


def test_government_sees_suppressed_figures(login, government, data):
    response = login(government).get(READINESS)
    page = response.content.decode().replace("&nbsp;", "\xa0")
    assert response.status_code == 200
    assert "färre än 5" in page
    assert "61,1\xa0%" in page
    # Regions: 2 organisers, so nothing about them but the count.
    region_row = page.split('<th scope="row">Region</th>')[1].split("</tr>")[0]
    assert region_row.count("färre än 5") == 4


def test_filters_change_the_figures(login, staff, data):
    page = login(staff).get(READINESS, {"typ": "KOMMUN"}).content.decode().replace("&nbsp;", "\xa0")
    assert "50,0\xa0%" in page  # 5 of 10 municipalities DNP-ready
    page = (
        login(staff)
        .get(READINESS, {"lan": "12", "omgang": data.earlier.pk})
        .content.decode()
        .replace("&nbsp;", "\xa0")
    )
    assert "Våren" in page


def test_bad_filter_value_is_reported_and_ignored(login, staff, data):
    response = login(staff).get(READINESS, {"typ": "NONSENSE"})
    assert response.status_code == 200
    page = response.content.decode().replace("&nbsp;", "\xa0")
    assert "error-summary" in page
    assert "61,1\xa0%" in page


def test_readiness_query_count_is_flat(login, staff, data, django_assert_num_queries):
    client = login(staff)
    client.get(READINESS)  # warm the session and permission caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(READINESS, {"indikator": "fed"}).status_code == 200
    more_rounds = (
        readiness_dataset.__wrapped__ if hasattr(readiness_dataset, "__wrapped__") else None
    )
    assert more_rounds is None
    many = principals(40, organiser_type=Principal.OrganiserType.KOMMUN)
    for p in many:
        submit(p, data.main, {"idp": "own", "mfa": "achieved"})
        submit(p, data.earlier, {"idp": "none", "mfa": "started"})
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(READINESS, {"indikator": "fed"}).status_code == 200


def test_programme_dashboard(login, staff, programme):
    response = login(staff).get(PROGRAMME)
    assert response.status_code == 200
    page = response.content.decode().replace("&nbsp;", "\xa0")
    assert "Digitaliseringsöverenskommelsen" in page
    assert "4\xa0880\xa0000\xa0kr" in page  # 2021 remaining: 5 000 000 − 120 000
    assert "300\xa0000\xa0kr" in page
    assert "2021 K3" in page


def _row(page: str, label: str, table_caption: str) -> str:
    table = page.split(f"<caption>{table_caption}</caption>")[1].split("</table>")[0]
    return table.split(f'<th scope="row">{label}</th>')[1].split("</tr>")[0]


def test_programme_reach_for_staff_and_government(login, staff, government, programme):
    page = login(staff).get(PROGRAMME).content.decode().replace("&nbsp;", "\xa0")
    everyone = _row(page, "Alla huvudmän", "Räckvidd per typ av huvudman")
    assert ">10<" in everyone and ">7<" in everyone and "70,0\xa0%" in everyone
    kommun = _row(page, "Kommun", "Räckvidd per typ av huvudman")
    assert ">6<" in kommun and ">5<" in kommun and "83,3\xa0%" in kommun

    page = login(government).get(PROGRAMME).content.decode().replace("&nbsp;", "\xa0")
    # 7 of 10 took part: 3 did not, so both are withheld; 4 independents are too few.
    everyone = _row(page, "Alla huvudmän", "Räckvidd per typ av huvudman")
    assert ">10<" in everyone and everyone.count("färre än 5") == 2
    assert "70,0" not in page
    enskild = _row(page, "Enskild huvudman", "Räckvidd per typ av huvudman")
    assert enskild.count("färre än 5") == 2


def test_programme_query_count_is_flat(login, staff, programme, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(staff)
    client.get(PROGRAMME)
    with CaptureQueriesContext(connection) as small:
        client.get(PROGRAMME)
    activity = ActivityFactory(agreement=programme)
    for month in range(1, 13):
        CostFactory(activity=activity, incurred_on=datetime.date(2022, month, 3))
        MilestoneFactory(activity=activity, due_on=datetime.date(2022, month, 3))
        ProgressUpdateFactory(activity=activity, reported_on=datetime.date(2022, month, 3))
    DeliverableFactory(activity=activity, principals=principals(20))
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(PROGRAMME)


def test_principal_comparison_section(data, rf):
    from django.http import Http404
    from django.template.loader import render_to_string

    from tests.principals.factories import MembershipFactory

    k1 = data.kommuner[0]
    member = MembershipFactory(principal=k1).user
    request = rf.get("/")
    request.user = member
    html = render_to_string(
        "reporting/partials/dash_principal_compare.html",
        {"principal": k1, "user": member, "request": request},
    ).replace("&nbsp;", "\xa0")
    assert "Jämfört med andra" in html
    assert "Egen drift" in html  # own answer
    assert "61,1\xa0%" in html  # national DNP-ready share
    assert "Uppfyllt i Stockholms län" in html
    assert "färre än 5" in html  # always suppressed for organisers

    with pytest.raises(Http404):
        render_to_string(
            "reporting/partials/dash_principal_compare.html",
            {"principal": data.enskilda[0], "user": member, "request": request},
        )
