"""The dashboards through the client: access, figures shown, suppression, filters, query counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from principals.models import Principal
from readiness.models import ReportingRound
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
from tests.reporting.factories import principals, publish_closed, readiness_dataset, submit

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


def test_government_sees_only_published_rounds(login, government, data):
    client = login(government)
    page = client.get(READINESS).content.decode()
    assert "Ingen uppföljningsomgångs siffror har publicerats ännu" in page
    assert "Hösten" not in page and "78,3" not in page

    publish_closed()
    response = client.get(READINESS)
    page = response.content.decode().replace("&nbsp;", "\xa0")
    assert response.status_code == 200
    assert 'data-group-key="national"' in page
    assert "61,1\xa0%" in page and "78,3\xa0%" in page  # 11 of 18 ready, 18 of 23 submitted
    assert "färre än 5" in page and "skyddad" in page
    assert "Nu" not in page.split('name="omgang"')[1].split("</select>")[0]  # the open round
    # Municipalities are 15 of Stockholm county's 17 organisers: a difference of two, so
    # figures by organiser type are not published, and the page says why.
    by_type = page.split("<caption>Svar och DNP-beredskap per typ av huvudman</caption>")[1]
    assert "Publiceras inte" in by_type.split("</table>")[0]
    stockholm = page.split('<th scope="row">Stockholms län</th>')[1].split("</tr>")[0]
    assert ">17<" in stockholm and ">12<" in stockholm


def test_government_filters_show_the_nearest_published_group(login, government, data):
    publish_closed()
    client = login(government)
    page = client.get(READINESS, {"lan": "12"}).content.decode()
    assert 'data-group-key="county:12"' in page and "Skåne län" in page
    page = client.get(READINESS, {"typ": "KOMMUN", "lan": "01"}).content.decode()
    assert 'data-group-key="county:01"' in page
    assert "publiceras inte" in page  # a type within a county
    assert '<option value="KOMMUN" selected>' not in page  # the form says what is shown
    page = client.get(READINESS, {"kommun": "1280", "storlek": "upto-100"}).content.decode()
    assert 'data-group-key="county:12"' in page  # Malmö's county
    assert "enskilda kommuner publiceras inte" in page and "antal elever publiceras inte" in page
    page = client.get(READINESS, {"typ": "KOMMUN"}).content.decode()
    assert 'data-group-key="national"' in page  # not published by type at all


def test_staff_preview_marks_what_outside_readers_do_not_see(login, staff, data):
    publish_closed()
    client = login(staff)
    page = client.get(READINESS).content.decode()
    assert "Visa omgången så som utomstående läsare ser den" in page
    preview = client.get(READINESS, {"vy": "publicerad"}).content.decode()
    preview = preview.replace("&nbsp;", "\xa0")
    assert 'data-group-key="national"' in preview
    # idp "none": 3 organisers, shown to staff with what outsiders see instead.
    none_row = preview.split("<caption>Inloggningstjänst?</caption>")[1].split("</table>")[0]
    assert "3 (färre än 5)" in none_row


def test_closed_round_can_be_published_from_the_dashboard(login, staff, data):
    from readiness.models import ReportingRound

    client = login(staff)
    page = client.get(READINESS, {"omgang": data.main.pk}).content.decode()
    url = reverse("reporting:round-publish", args=[data.main.pk])
    assert url in page
    confirm = client.get(url).content.decode()
    assert "18 inlämnade självskattningar" in confirm
    response = client.post(url)
    assert response.status_code == 302
    assert ReportingRound.objects.get(pk=data.main.pk).published_at is not None
    again = client.post(url, follow=True).content.decode()
    assert "redan publicerade" in again
    assert client.post(reverse("reporting:round-publish", args=[data.open.pk])).status_code == 302
    assert ReportingRound.objects.get(pk=data.open.pk).published_at is None


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


def _query_counts(client, url, params=None) -> tuple[int, int]:
    """Queries of a request on an empty cache (cold) and of the same request again (warm).

    The warm request reads no figures: of the tables behind them it touches only the one
    query for the data version.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting.cache import clear

    clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(url, params or {}).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get(url, params or {}).status_code == 200
    figures = [
        q["sql"]
        for q in warm.captured_queries
        if "readiness_" in q["sql"] or "agreement_" in q["sql"]
    ]
    assert len(figures) == 1 and "SELECT (SELECT MAX(" in figures[0]
    return len(cold), len(warm)


def test_readiness_query_count_is_flat(login, staff, data):
    client = login(staff)
    client.get(READINESS)  # warm the session and permission caches
    small = _query_counts(client, READINESS, {"indikator": "fed"})
    many = principals(40, organiser_type=Principal.OrganiserType.KOMMUN)
    for p in many:
        submit(p, data.main, {"idp": "own", "mfa": "achieved"})
        submit(p, data.earlier, {"idp": "none", "mfa": "started"})
    assert _query_counts(client, READINESS, {"indikator": "fed"}) == small
    assert small[1] < small[0]


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
    # 7 of 10 took part (that 3 did not is no answer, so it is shown); four independents are
    # too few for a group of their own, and with them merged the only group would be
    # everyone: reach by type is not published.
    everyone = _row(page, "Alla huvudmän", "Räckvidd per typ av huvudman")
    assert ">10<" in everyone and ">7<" in everyone and "70,0\xa0%" in everyone
    assert "83,3" not in page
    assert (
        "Enskild huvudman" not in page.split("Räckvidd per typ av huvudman")[1].split("</table>")[0]
    )


def test_programme_query_count_is_flat(login, staff, programme):
    client = login(staff)
    client.get(PROGRAMME)
    small = _query_counts(client, PROGRAMME)
    activity = ActivityFactory(agreement=programme)
    for month in range(1, 13):
        CostFactory(activity=activity, incurred_on=datetime.date(2022, month, 3))
        MilestoneFactory(activity=activity, due_on=datetime.date(2022, month, 3))
        ProgressUpdateFactory(activity=activity, reported_on=datetime.date(2022, month, 3))
    DeliverableFactory(activity=activity, principals=principals(20))
    assert _query_counts(client, PROGRAMME) == small
    assert small[1] < small[0]


def test_a_returned_submission_leaves_the_cached_page_at_once(login, staff, government, data):
    """Warm pages, then a change through a service: the next request shows the new figures."""
    from django.test import Client

    from readiness.models import Assessment
    from readiness.services import assessment_return

    publish_closed()
    staff_client, government_client = login(staff), Client()
    government_client.force_login(government, backend="portal.backends.PortalModelBackend")
    for client in (staff_client, government_client):
        for _ in range(2):  # the second request is served from the cache
            page = client.get(READINESS).content.decode().replace("&nbsp;", "\xa0")
            assert "78,3\xa0%" in page  # 18 of 23 submitted
    export = staff_client.get(reverse("reporting:readiness-export", args=["typ", "csv"]))
    assessment = Assessment.objects.filter(round=data.main, state="submitted").first()
    assessment_return(assessment=assessment, comment="Rätta svaren", actor=staff)
    page = staff_client.get(READINESS).content.decode().replace("&nbsp;", "\xa0")
    assert "78,3\xa0%" not in page and "73,9\xa0%" in page  # 17 of 23
    again = staff_client.get(reverse("reporting:readiness-export", args=["typ", "csv"]))
    assert again.content != export.content
    # The published figures stay as published: a correction after publication is not one.
    page = government_client.get(READINESS).content.decode().replace("&nbsp;", "\xa0")
    assert "78,3\xa0%" in page and "73,9\xa0%" not in page


def test_a_shared_cache_with_process_copies_shows_changes_at_once(
    login, staff, data, tmp_path, settings
):
    """With a cache outside the process (here files), each process's copy is never stale."""
    from readiness.models import Assessment
    from readiness.services import assessment_return
    from reporting import cache as reporting_cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path),
        }
    }
    assert reporting_cache._layered()
    client = login(staff)
    for _ in range(2):
        assert "78,3&nbsp;%" in client.get(READINESS).content.decode()
    assessment = Assessment.objects.filter(round=data.main, state="submitted").first()
    assessment_return(assessment=assessment, comment="Rätta svaren", actor=staff)
    assert "73,9&nbsp;%" in client.get(READINESS).content.decode()
    reporting_cache.clear()


def test_a_new_submission_shows_at_once(login, staff, data):
    def submitted(page: str) -> str:
        return page.split('<h3>Inskickad</h3><p class="figure">')[1].split("<")[0].strip()

    client = login(staff)
    client.get(READINESS, {"typ": "ENSKILD"})
    assert submitted(client.get(READINESS, {"typ": "ENSKILD"}).content.decode()) == "6"
    newcomer = principals(1, organiser_type=Principal.OrganiserType.ENSKILD)[0]
    submit(newcomer, data.main, {"idp": "own", "mfa": "achieved"})
    assert submitted(client.get(READINESS, {"typ": "ENSKILD"}).content.decode()) == "7"


def test_a_cost_changed_through_the_service_shows_at_once(login, staff, programme):
    from agreement.models import Cost
    from agreement.services import cost_update

    client = login(staff)
    client.get(PROGRAMME)
    page = client.get(PROGRAMME).content.decode().replace("&nbsp;", "\xa0")
    assert "4\xa0880\xa0000\xa0kr" in page
    cost = Cost.objects.get(amount=Decimal("100000"))
    cost_update(actor=staff, cost=cost, fields={"amount": Decimal("50000")})
    page = client.get(PROGRAMME).content.decode().replace("&nbsp;", "\xa0")
    assert "4\xa0930\xa0000\xa0kr" in page and "4\xa0880\xa0000\xa0kr" not in page


def test_a_submission_leaves_the_programme_dashboard_warm_and_a_cost_does_not(
    login, staff, programme, data
):
    from agreement.models import Cost
    from agreement.services import cost_update
    from readiness.services import assessment_return
    from reporting import cache as reporting_cache

    newcomer = principals(1, organiser_type=Principal.OrganiserType.ENSKILD)[0]
    client = login(staff)
    client.get(PROGRAMME)
    version = reporting_cache.data_version("programme")
    everything = reporting_cache.data_version()
    assessment = submit(newcomer, data.main, {"idp": "own", "mfa": "achieved"})
    assessment_return(assessment=assessment, comment="Rätta svaren", actor=staff)
    assert reporting_cache.data_version() != everything  # the readiness figures moved
    assert reporting_cache.data_version("programme") == version
    cost = Cost.objects.get(amount=Decimal("100000"))
    cost_update(actor=staff, cost=cost, fields={"amount": Decimal("50000")})
    assert reporting_cache.data_version("programme") != version
    page = client.get(PROGRAMME).content.decode().replace("&nbsp;", "\xa0")
    assert "4\xa0930\xa0000\xa0kr" in page


def test_pages_are_cached_per_suppression_without_per_request_values(
    login, staff, government, data
):
    import re

    publish_closed()
    staff_client = login(staff)
    staff_pages = [staff_client.get(READINESS).content.decode() for _ in range(2)]
    government_page = login(government).get(READINESS).content.decode()
    assert "färre än 5" in government_page and "färre än 5" not in staff_pages[1]
    # The cached body holds no per-request value: a fresh CSRF token on every response, and
    # each viewer's own name in the header.
    tokens = [
        set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', p)) for p in staff_pages
    ]
    assert all(tokens) and not tokens[0] & tokens[1]
    header = 'class="site-header__user">'
    assert staff_pages[1].split(header)[1].startswith(staff.get_full_name() or staff.username)
    assert government_page.split(header)[1].startswith(
        government.get_full_name() or government.username
    )


def test_principal_comparison_section(data, client):
    from django.urls import reverse

    from tests.principals.factories import MembershipFactory

    k1 = data.kommuner[0]
    member = MembershipFactory(principal=k1).user
    client.force_login(member, backend="portal.backends.PortalModelBackend")

    def render():
        page = client.get(reverse("principals:principal-detail", args=[k1.pk]))
        return page.content.decode().replace("&nbsp;", "\xa0")

    assert "har publicerats ännu" in render()  # nothing published: nothing to compare
    publish_closed()
    html = render()
    assert "Jämfört med andra" in html
    assert "Egen drift" in html  # own answer
    assert "61,1\xa0%" in html  # national DNP-ready share
    assert "Uppfyllt i Stockholms län" in html
    assert "50,0\xa0%" in html  # 6 of 12 in Stockholm ready
    assert "skyddad" in html  # idp: 15 of 18 met it, so 3 did not
    # Another organiser's page, comparison and all, is not there for this member.
    other = client.get(reverse("principals:principal-detail", args=[data.enskilda[0].pk]))
    assert other.status_code == 404


def test_staff_preview_of_reach_shows_withheld_values(login, staff, programme):
    page = login(staff).get(PROGRAMME, {"vy": "publicerad"}).content.decode()
    assert "Räckvidden visas så som utomstående läsare ser den" in page
    assert (
        "Enskild huvudman" not in page.split("Räckvidd per typ av huvudman")[1].split("</table>")[0]
    )


def test_government_pages_are_not_recomputed_after_a_change(login, government, data):
    """Pages built from publications are cached by the publications: a submission in the open
    round (or any other change) does not make the next request compute them again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    publish_closed()
    client = login(government)
    client.get(READINESS)
    client.get(READINESS, {"lan": "12"})
    submit(principals(1)[0], data.open, {"idp": "own", "mfa": "achieved"})
    for query in ({}, {"lan": "12"}):
        with CaptureQueriesContext(connection) as after:
            assert client.get(READINESS, query).status_code == 200
        sql = [q["sql"] for q in after.captured_queries]
        figures = [q for q in sql if "readiness_" in q and "reporting_roundpublication" not in q]
        assert figures == [], figures  # only the list of publications, no figures
        assert sum("reporting_roundpublication" in q for q in sql) == 1


def test_government_query_count_is_flat(login, government, data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting.cache import clear
    from reporting.publication import forget

    client = login(government)
    client.get(READINESS)

    def cold() -> int:
        clear()
        forget()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(READINESS, {"indikator": "fed"}).status_code == 200
        return len(queries)

    publish_closed()
    small = cold()
    for offset in (400, 500, 600):
        reporting_round = ReportingRound.objects.create(
            name=f"Tidig {offset}",
            opens_on=data.earlier.opens_on - datetime.timedelta(days=offset),
            closes_on=data.earlier.closes_on - datetime.timedelta(days=offset),
            framework_version=data.framework,
        )
        for p in principals(12, organiser_type=Principal.OrganiserType.KOMMUN):
            submit(p, reporting_round, {"idp": "own", "mfa": "achieved"})
    publish_closed()
    assert cold() == small


def test_the_filters_are_kept_through_submissions_and_list_a_new_round_at_once(login, staff, data):
    from readiness.services import round_create
    from reporting import cache as reporting_cache

    client = login(staff)
    client.get(READINESS)
    structure = reporting_cache.structure_version()
    submit(principals(1)[0], data.open, {"idp": "own", "mfa": "achieved"})
    assert reporting_cache.structure_version() == structure  # the filters stay cached
    assert "Vintern" not in client.get(READINESS).content.decode()

    today = datetime.date.today()
    round_create(
        name="Vintern",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=30),
        framework_version=data.main.framework_version,
        actor=staff,
    )
    page = client.get(READINESS).content.decode()
    assert '<option value="' in page and ">Vintern</option>" in page


def test_a_new_organiser_moves_the_reach_and_leaves_the_money_cached(login, staff, programme):
    from reporting import aggregates
    from reporting import cache as reporting_cache

    client = login(staff)
    client.get(PROGRAMME)
    money = reporting_cache.data_version("agreement")
    reach = aggregates.programme_reach(agreement=programme, outside=False)[0]
    principals(1, organiser_type=Principal.OrganiserType.KOMMUN)
    assert reporting_cache.data_version("agreement") == money
    after = aggregates.programme_reach(agreement=programme, outside=False)[0]
    assert after.organisers == reach.organisers + 1
    # The money on the page is the same, and computed afresh it agrees with the kept one.
    kept = aggregates.programme_money(agreement=programme)
    assert kept == aggregates.programme_money.uncached(agreement=programme)
