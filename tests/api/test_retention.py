import datetime

import pytest
from django.utils import timezone

from api.models import ApiKey, ApiKeyUse
from portal.retention import retention_purge
from tests.api.factories import make_key
from tests.portal.factories import staff_user

pytestmark = pytest.mark.django_db


def test_key_uses_are_deleted_after_their_period(settings):
    settings.API_KEY_USE_DAYS = 90
    make_key(staff_user())
    key = ApiKey.objects.get()
    now = timezone.now()
    old = ApiKeyUse.objects.create(
        key=key, at=now - datetime.timedelta(days=91), method="GET", path="/", status=200
    )
    recent = ApiKeyUse.objects.create(
        key=key, at=now - datetime.timedelta(days=89), method="GET", path="/", status=200
    )
    run = retention_purge(now=now)
    assert run.counts["api-key-uses"] == 1
    assert list(ApiKeyUse.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not ApiKeyUse.objects.filter(pk=old.pk).exists()
