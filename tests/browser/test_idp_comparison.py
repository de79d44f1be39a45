"""Staff read the comparison of self-assessed IdP and federation answers with the signed
metadata, and filter it to the disagreements (axe runs on every page served)."""

import pytest
from playwright.sync_api import expect

from federation.models import IdpAccessRule
from principals.models import Principal
from readiness.services import framework_load_default
from tests.browser.pages import shoot
from tests.federation.comparison import idp_config, keep, signed_metadata
from tests.federation.test_comparison import SECOND_IDP, answer
from tests.principals.factories import PrincipalFactory
from tests.readiness.factories import ReportingRoundFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def demo(settings, tmp_path):
    xml = signed_metadata(
        [
            (
                idp_config("http://127.0.0.1:9180", name="Exempelkommunens inloggning"),
                "NTRSE-2120000142",
                "exempel.kommun.example",
            ),
            (idp_config("http://127.0.0.1:9181", name="Andra skolan", entity=SECOND_IDP), "", ""),
            (
                idp_config(
                    "http://127.0.0.1:9182", name="Okänd skola", entity="https://idp.okand.example"
                ),
                "",
                "okand.example",
            ),
        ]
    )
    keep(settings, tmp_path, {"skolfederation": xml})
    framework = framework_load_default(actor="test")[0]
    rnd = ReportingRoundFactory(name="Hösten 2026", framework_version=framework)
    kommun = PrincipalFactory(
        name="Exempelkommunen",
        organisation_number="212000-0142",
        organiser_type=Principal.OrganiserType.KOMMUN,
    )
    answer(kommun, rnd, idp="own", federation=["skolfederation"])
    andra = PrincipalFactory(name="Andra skolan AB")
    IdpAccessRule.objects.create(issuer=SECOND_IDP, principal=andra)
    answer(andra, rnd, idp="none", federation=["none"])
    answer(PrincipalFactory(name="Bergsskolan AB"), rnd, idp="service", federation=["swamid"])
    answer(
        PrincipalFactory(name="Friskolan Norr AB"),
        rnd,
        idp="service",
        federation=["skolfederation-mini"],
        draft=True,
    )
    tyst = PrincipalFactory(name="Tyst skola AB")
    IdpAccessRule.objects.create(issuer=SECOND_IDP, principal=tyst)


def test_staff_compare_and_filter_the_disagreements(page, live_server, staff, demo, browser_login):
    browser_login(page, staff)
    page.goto(f"{live_server.url}/rapporter/inloggning-jamforelse/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Inloggningstjänster: självskattning jämförd med metadata"
    )
    row = page.get_by_role("row", name="Exempelkommunen")
    expect(row).to_contain_text("Ja, i egen drift")
    expect(row).to_contain_text("Stämmer")
    shoot(page, "comparison")
    page.get_by_label("Visa").select_option("avvikelser")
    page.get_by_role("button", name="Filtrera").click()
    expect(page.get_by_role("row")).to_have_count(2)  # the header and Andra skolan AB
    expect(page.get_by_role("row", name="Andra skolan AB")).to_contain_text("Stämmer inte")
    shoot(page, "comparison-disagreements")
