"""The report's own pages run a fixed number of queries however much the programme holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting.final_report import services
from tests.agreement.factories import ActivityFactory, DeliverableFactory

from .factories import report_agreement

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["reporting:report-detail", "reporting:report-list"])
def test_report_pages_do_not_grow_with_the_programme(staff, login, page):
    agreement = report_agreement()
    report = services.report_create(agreement=agreement, actor=staff)
    client = login(staff)
    url = reverse(page, args=[report.pk]) if page.endswith("detail") else reverse(page)
    client.get(url)  # the session's first request also loads the login's devices
    few = count_queries(client, url)
    initiative = agreement.initiatives.first()
    for _ in range(10):
        DeliverableFactory(activity=ActivityFactory(agreement=agreement, initiatives=[initiative]))
    services.section_create(report=report, title="Extra avsnitt", actor=staff)
    assert count_queries(client, url) == few
