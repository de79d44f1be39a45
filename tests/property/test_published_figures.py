"""Any answer the form accepts, however large or strange, leaves every dashboard, download,
open-data file and the final report answering: no accepted answer can break them for others."""

import html
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from principals.models import Principal
from readiness.models import DEFAULT_MAX_VALUE, Indicator, ReportingRound
from readiness.services import validate_answers
from reporting.cache import clear
from reporting.final_report import content as final_report
from reporting.final_report.render import render_document, report_workbook
from reporting.final_report.services import report_create
from reporting.publication import forget
from tests.reporting.factories import (
    ROUND_IN_PERIOD,
    principals,
    publish_closed,
    report_agreement,
    small_framework,
    submit,
)

from .hostile import EXAMPLES, PROPERTY, rollback

Types = Indicator.AnswerType


def _answer(indicator) -> st.SearchStrategy:
    """Every kind of value the form accepts for this indicator, edges included."""
    options = [v for v, _label in indicator.options()]
    if indicator.answer_type == Types.MULTI_CHOICE:
        return st.lists(st.sampled_from(options), min_size=1, unique=True)
    if indicator.answer_type == Types.PERCENTAGE:
        return st.one_of(st.sampled_from([0, 24, 25, 99, 100]), st.integers(0, 100))
    if indicator.answer_type == Types.INTEGER:
        low, high = indicator.min_value, indicator.max_value
        return st.one_of(st.sampled_from([low, high, high - 1]), st.integers(low, high))
    return st.sampled_from(options)


def _answers(indicators) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {i.code: _answer(i) for i in indicators if i.required},
        optional={i.code: _answer(i) for i in indicators if not i.required},
    )


@pytest.fixture
def world(db, staff):
    framework, indicators = small_framework()
    closed = ReportingRound.objects.create(
        name="Stängd",
        opens_on=ROUND_IN_PERIOD[0],
        closes_on=ROUND_IN_PERIOD[1],
        framework_version=framework,
    )
    organisers = principals(8, organiser_type=Principal.OrganiserType.KOMMUN) + principals(
        6, organiser_type=Principal.OrganiserType.ENSKILD
    )
    report = report_create(agreement=report_agreement(), actor=staff)
    return {
        "round": closed,
        "indicators": list(indicators.values()),
        "principals": organisers,
        "report": report,
    }


def _every_download(client, page: str, data):
    """Follow the page's download links exactly as it renders them, query string included:
    every CSV, and one XLSX drawn by Hypothesis (both are written from the same tables by
    the one writer; the draw varies which XLSX is opened from example to example)."""
    links = sorted({html.unescape(link) for link in re.findall(_DOWNLOAD, page)})
    assert links, "the page offers downloads"
    xlsx = [link for link in links if ".xlsx" in link]
    followed = [link for link in links if ".xlsx" not in link]
    if xlsx:
        followed.append(data.draw(st.sampled_from(xlsx), label="xlsx"))
    for link in followed:
        response = client.get(link)
        assert response.status_code == 200, link
        if ".xlsx" in link:
            load_workbook(io.BytesIO(response.content))


_DOWNLOAD = r'href="(/rapporter/[^"]*/export/[^"]+)"'


@given(data=st.data())
@settings(PROPERTY, max_examples=max(4, EXAMPLES * 2 // 5))  # 12 in CI
def test_any_accepted_answer_leaves_every_outside_format_working(world, staff, government, data):
    indicators = world["indicators"]
    assert max(i.max_value for i in indicators) == DEFAULT_MAX_VALUE
    with rollback():
        clear()
        forget()
        for principal in world["principals"]:
            answers = data.draw(_answers(indicators))
            wrapped = {code: {"value": v, "comment": ""} for code, v in answers.items()}
            framework = world["round"].framework_version
            assert validate_answers(framework=framework, answers=wrapped, complete=True) == {}
            submit(principal, world["round"], answers)
        publish_closed()
        readers = {"staff": Client(), "government": Client()}
        readers["staff"].force_login(staff, backend="portal.backends.PortalModelBackend")
        readers["government"].force_login(government, backend="portal.backends.PortalModelBackend")
        for client in readers.values():
            for query in ({}, {"typ": "KOMMUN"}, {"lan": "01"}, {"vy": "publicerad"}):
                response = client.get(reverse("reporting:readiness-dashboard"), query)
                assert response.status_code == 200, query
                _every_download(client, response.content.decode(), data)
            response = client.get(reverse("reporting:programme-dashboard"))
            assert response.status_code == 200
            _every_download(client, response.content.decode(), data)
        anonymous = Client()
        for fmt in ("json", "csv"):
            assert (
                anonymous.get(reverse("reporting:opendata-readiness", args=[fmt])).status_code
                == 200
            )
        content = final_report.build(world["report"])
        assert render_document(content)
        load_workbook(io.BytesIO(report_workbook(content.snapshot())))
        clear()
        forget()
