"""Regressions found by the property tests (tests/property)."""

import pytest
from django.urls import reverse

from agreement.models import Agreement, Deliverable
from tests.agreement.factories import DeliverableFactory


@pytest.mark.parametrize("pk", ["9" * 30, "-99999999999999999999", str(2**63)])
def test_a_choice_id_beyond_64_bits_is_refused_not_a_server_error(login, staff, agreement, pk):
    client = login(staff)
    url = reverse("agreement:agreement-update", args=[agreement.pk])
    response = client.post(url, {"title": "Ny titel", "initiatives": [pk]})
    assert response.status_code == 200
    assert "är inte ett giltigt värde" in response.content.decode()
    assert Agreement.objects.get(pk=agreement.pk).title == "Testöverenskommelsen"

    deliverable = DeliverableFactory(activity__agreement=agreement)
    url = reverse("agreement:deliverable-update", args=[deliverable.pk])
    response = client.post(url, {"kind": "webinar", "title": "Ny", "principals": [pk]})
    assert response.status_code == 200
    assert Deliverable.objects.get(pk=deliverable.pk).title == deliverable.title
