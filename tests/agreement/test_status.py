"""An agreement's status follows from its period and its final report's submission date."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from agreement.models import Agreement
from tests.agreement.factories import AgreementFactory

pytestmark = pytest.mark.django_db
Status = Agreement.Status


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def current(db):
    today = timezone.localdate()
    return AgreementFactory(
        title="Pågående överenskommelse",
        starts_on=today - datetime.timedelta(days=300),
        ends_on=today + datetime.timedelta(days=300),
        final_report_due=today + datetime.timedelta(days=360),
    )


def test_status_follows_the_period_and_the_submission(agreement):
    assert agreement.status_on(datetime.date(2022, 12, 31)) == Status.ACTIVE
    assert agreement.status_on(datetime.date(2023, 1, 1)) == Status.ENDED
    assert agreement.status == Status.ENDED
    assert agreement.get_status_display() == "Avslutad"
    agreement.reported_on = datetime.date(2023, 2, 24)
    assert agreement.status_on(datetime.date(2022, 6, 1)) == Status.REPORTED
    assert agreement.get_status_display() == "Avslutad, slutredovisad"


def test_queries_agree_with_the_status(agreement, current):
    today = timezone.localdate()
    reported = AgreementFactory(title="Redovisad", reported_on=datetime.date(2023, 2, 24))
    assert list(Agreement.objects.active_on(today)) == [current]
    assert list(Agreement.objects.ended_on(today)) == [agreement]
    assert list(Agreement.objects.reported()) == [reported]
    for a in Agreement.objects.all():
        in_query = {
            Status.ACTIVE: Agreement.objects.active_on(today),
            Status.ENDED: Agreement.objects.ended_on(today),
            Status.REPORTED: Agreement.objects.reported(),
        }[a.status]
        assert a in in_query


def test_list_and_detail_show_an_ended_agreement_as_ended(agreement, current, staff, login):
    client = login(staff)
    page = text(client.get(reverse("agreement:agreement-list")))
    assert re.search(r"Testöverenskommelsen .*? Avslutad", page)
    assert re.search(r"Pågående överenskommelse .*? Pågående", page)
    detail = text(client.get(agreement.get_absolute_url()))
    assert "Status Avslutad" in detail
    days_late = (timezone.localdate() - agreement.final_report_due).days
    assert f"{days_late:,} dagar sent".replace(",", " ") in detail
    assert "Skulle ha lämnats in senast 28 februari 2023" in detail


def test_a_submitted_report_shows_its_date_not_the_days_passed(agreement, staff, login):
    Agreement.objects.filter(pk=agreement.pk).update(reported_on=datetime.date(2023, 2, 24))
    client = login(staff)
    detail = text(client.get(agreement.get_absolute_url()))
    assert "Slutredovisning Inlämnad Lämnades in 2023-02-24 (senast 2023-02-28)" in detail
    assert "Status Avslutad, slutredovisad" in detail
    assert "sent" not in detail


def test_admin_shows_and_filters_the_derived_status(agreement, current, admin, login):
    client = login(admin)
    url = reverse("admin:agreement_agreement_changelist")
    page = client.get(url).content.decode()
    assert "Avslutad" in page and "Pågående" in page
    ended = client.get(url, {"status": Status.ENDED}).content.decode()
    assert "Testöverenskommelsen" in ended and "Pågående överenskommelse" not in ended
    active = client.get(url, {"status": Status.ACTIVE}).content.decode()
    assert "Pågående överenskommelse" in active and "Testöverenskommelsen" not in active
    change = client.get(reverse("admin:agreement_agreement_change", args=[agreement.pk]))
    assert change.status_code == 200
    assert 'name="status"' not in change.content.decode()
