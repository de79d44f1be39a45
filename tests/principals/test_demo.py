from io import StringIO

import pytest
from stdnum.se import orgnr

from principals import demo
from principals.models import Membership, Principal, SchoolUnit

pytestmark = pytest.mark.django_db


def test_demo_creates_every_municipality_and_region_marked_and_is_idempotent():
    accounts = demo.load(StringIO())
    assert Principal.objects.filter(organiser_type="KOMMUN").count() == 290
    assert Principal.objects.filter(organiser_type="REGION").count() == 21
    assert Principal.objects.filter(organiser_type="ENSKILD").count() == 40
    assert not Principal.objects.filter(is_demo=False).exists()
    numbers = list(Principal.objects.values_list("organisation_number", flat=True))
    assert all(orgnr.is_valid(n) for n in numbers)
    assert "212000-0142" not in numbers  # never a real number such as Stockholm's
    assert all(n[:4] in {"2999", "2998", "5999", "7999", "8999", "8998"} for n in numbers)
    assert SchoolUnit.objects.count() > 600
    assert {u for u, _label in accounts} == {
        "demo-kommun-redaktor",
        "demo-kommun-lasare",
        "demo-friskola-redaktor",
    }
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles["demo-kommun-lasare"] == "reader"
    counts = (Principal.objects.count(), SchoolUnit.objects.count(), Membership.objects.count())
    demo.load(StringIO())
    again = (Principal.objects.count(), SchoolUnit.objects.count(), Membership.objects.count())
    assert again == counts
    assert Principal.objects.get(organisation_number="299901-8001").name == "Stockholms kommun"
