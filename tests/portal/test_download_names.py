"""Downloaded files have names people can read: Swedish letters kept as their plain forms,
single dashes, no empty parts."""

import re

import pytest
from django.urls import reverse

from portal.spreadsheets import download_name
from readiness.models import ReportingRound
from reporting.final_report.services import report_create
from tests.reporting.factories import publish_closed, readiness_dataset, report_agreement

READABLE = re.compile(
    r'attachment; filename="([a-z0-9]+(?:-[a-z0-9]+)*)\.(csv|xlsx|pdf|html|json)"'
)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (
            ("Överenskommelsen om skolans digitalisering",),
            "overenskommelsen-om-skolans-digitalisering.csv",
        ),
        (("Uppföljning våren 2025 (demo)", "Ärende"), "uppfoljning-varen-2025-demo-arende.csv"),
        (("beredskap", "=== --- ", "typ"), "beredskap-typ.csv"),
        (("",), "export.csv"),
        (("Stöd till huvudmännen 2025–2027",), "stod-till-huvudmannen-2025-2027.csv"),
        (("Dnr U2020/05873/S", "v1.2"), "dnr-u2020-05873-s-v1-2.csv"),
        (
            (
                "slutredovisning",
                1,
                "Digitaliseringens möjligheter för att främja kunskapsutveckling"
                " och likvärdighet i skolväsendet",
            ),
            "slutredovisning-1-digitaliseringens-mojligheter-for-att-framja-kunskapsutveckling-och-likvardighet-i.csv",
        ),
        (("a" * 120,), "a" * 100 + ".csv"),
    ],
)
def test_download_name(parts, expected):
    assert download_name(*parts, ext="csv") == expected


@pytest.mark.django_db
def test_every_download_is_named_readably(login, staff, lead):
    data = readiness_dataset()
    ReportingRound.objects.filter(pk=data.main.pk).update(name="Höstens uppföljning — 2025")
    publish_closed()
    agreement = report_agreement()
    report = report_create(agreement=agreement, actor=staff)
    client = login(staff)
    urls = []
    page = client.get(reverse("reporting:readiness-dashboard"), {"omgang": data.main.pk})
    urls += re.findall(r'href="(/rapporter/beredskap/export/[^"]+)"', page.content.decode())
    page = client.get(reverse("reporting:programme-dashboard"))
    urls += re.findall(r'href="(/rapporter/program/export/[^"]+)"', page.content.decode())
    urls.append(reverse("principals:principal-export"))
    principal = data.kommuner[0]
    urls.append(reverse("readiness:assessment-export-csv", args=[principal.pk, data.main.pk]))
    urls.append(reverse("reporting:opendata-readiness", args=["csv"]))
    assert len(urls) > 5
    for url in urls:
        response = client.get(url.replace("&amp;", "&"))
        assert response.status_code == 200, url
        assert READABLE.fullmatch(response["Content-Disposition"]), response["Content-Disposition"]
    response = login(lead).get(reverse("reporting:report-xlsx", args=[report.pk]))
    disposition = response["Content-Disposition"]
    assert READABLE.fullmatch(disposition), disposition
    assert "overenskommelsen-om-skolans-digitalisering" in disposition


def test_a_final_reports_file_is_named_by_whole_words_of_its_agreement():
    from agreement.models import Agreement
    from reporting.final_report.views import _filename
    from reporting.models import FinalReport

    agreement = Agreement(
        pk=1,
        title="Digitaliseringens möjligheter för att främja kunskapsutveckling i skolan",
    )
    name = _filename(FinalReport(agreement=agreement), "pdf", "data")
    assert name == "slutredovisning-1-digitaliseringens-mojligheter-for-att-framja-data.pdf"
