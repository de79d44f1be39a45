import pytest
from django.contrib import admin as django_admin
from django.urls import reverse

from agreement import models
from tests.agreement.factories import ActivityFactory, ProgressUpdateFactory

pytestmark = pytest.mark.django_db


def test_every_model_is_in_the_admin_with_search():
    for model in [
        models.Agreement,
        models.FundingYear,
        models.Initiative,
        models.Commitment,
        models.Partner,
        models.Activity,
        models.ActivityBudget,
        models.Milestone,
        models.Deliverable,
        models.Cost,
        models.ProgressUpdate,
    ]:
        model_admin = django_admin.site._registry[model]
        assert model_admin.search_fields, model


def test_admin_pages_open_and_progress_updates_are_read_only(login, admin, agreement):
    update = ProgressUpdateFactory(activity=ActivityFactory(agreement=agreement))
    client = login(admin)
    for name in ["activity", "progressupdate", "agreement", "cost"]:
        assert client.get(reverse(f"admin:agreement_{name}_changelist")).status_code == 200
    activity_page = reverse("admin:agreement_activity_change", args=[update.activity.pk])
    assert client.get(activity_page).status_code == 200
    url = reverse("admin:agreement_progressupdate_change", args=[update.pk])
    page = client.get(url).content.decode()
    assert 'name="_save"' not in page
    response = client.post(url, {"done": "Ändrad i efterhand", "rating": "red"})
    assert response.status_code == 403
    update.refresh_from_db()
    assert update.done == "Arbete utfört"
    delete = reverse("admin:agreement_progressupdate_delete", args=[update.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
