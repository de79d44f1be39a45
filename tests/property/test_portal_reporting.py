"""Login, passwords and two-step codes; the final report's sections, the dashboards' filters and
the open data format, fed hostile input."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from reporting.final_report import services as final_report_services
from tests.reporting.factories import report_agreement

from .hostile import PROPERTY, check, counts, hostile_payload, rollback, snapshot, text, value

ANSWERS = (200, 302, 400, 404, 429)


@given(data=st.data())
@PROPERTY
def test_login(client, staff, password, data):
    payload = data.draw(
        hostile_payload({"username": "staff", "password": password}, ["username", "password"])
    )
    with rollback():
        before = counts()
        check(client.post(reverse("login"), payload), before)


@given(data=st.data())
@PROPERTY
def test_password_change(client, editor_a, password, data):
    client.force_login(editor_a, backend="portal.backends.PortalModelBackend")
    new = "ett-helt-nytt-lösenord-2026"
    base = {"old_password": password, "new_password1": new, "new_password2": new}
    payload = data.draw(hostile_payload(base, base))
    with rollback():
        before = counts()
        watched = snapshot(editor_a)
        check(
            client.post(reverse("password_change"), payload),
            before,
            watch=editor_a,
            watched=watched,
        )


@given(email=value)
@PROPERTY
def test_password_reset(client, editor_a, email):
    with rollback():
        before = counts()
        check(client.post(reverse("password_reset"), {"email": email}), before)


@given(code=value)
@PROPERTY
def test_two_step_setup_code(client, staff, code):
    client.force_login(staff, backend="portal.backends.PortalModelBackend")
    client.get(reverse("twofactor-setup"))  # makes the unconfirmed device
    with rollback():
        before = counts()
        response = client.post(reverse("twofactor-setup"), {"code": code})
        check(response, before)


@pytest.fixture
def report(staff):
    return final_report_services.report_create(agreement=report_agreement(), actor=staff)


@given(data=st.data())
@PROPERTY
def test_final_report_section_edit(client, staff, report, data):
    client.force_login(staff, backend="portal.backends.PortalModelBackend")
    section = report.sections.order_by("pk").first()
    base = {"title": section.title, "body": "Text", "version": str(section.version)}
    payload = data.draw(hostile_payload(base, base))
    url = reverse("reporting:section-update", args=[report.pk, section.pk])
    with rollback():
        before = counts()
        watched = snapshot(section)
        check(client.post(url, payload), before, watch=section, watched=watched)


READINESS_FILTERS = ["omgang", "typ", "lan", "kommun", "storlek", "indikator"]


@given(query=st.dictionaries(st.sampled_from([*READINESS_FILTERS, "overenskommelse"]), value))
@PROPERTY
def test_dashboard_filters(client, staff, query):
    client.force_login(staff, backend="portal.backends.PortalModelBackend")
    for name in ("reporting:readiness-dashboard", "reporting:programme-dashboard"):
        response = client.get(reverse(name), query)
        assert response.status_code in ANSWERS
        assert "<script>alert(" not in response.content.decode()


@given(fmt=text, table=text)
@PROPERTY
def test_open_data_and_export_formats(client, staff, fmt, table):
    client.force_login(staff, backend="portal.backends.PortalModelBackend")
    for path in (
        f"/rapporter/oppna-data/beredskap.{fmt}",
        f"/rapporter/oppna-data/finansiering.{fmt}",
        f"/rapporter/beredskap/export/{table}.{fmt}",
        f"/rapporter/program/export/{table}.{fmt}",
    ):
        assert client.get(path).status_code in ANSWERS
