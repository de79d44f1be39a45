"""Two staff editing the same activity: the second save is refused and shown what changed."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from agreement import services
from agreement.models import Activity
from portal.concurrency import EditConflict
from tests.agreement.factories import ActivityFactory
from tests.portal.factories import staff_user


def form_data(activity, **overrides):
    data = {
        "title": activity.title,
        "description": activity.description,
        "status": activity.status,
        "planned_start": activity.planned_start.isoformat(),
        "planned_end": activity.planned_end.isoformat(),
        "version": activity.version,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_stale_form_is_refused_with_what_changed(client, login, staff, agreement):
    other = staff_user(username="kollega", first_name="Karin", last_name="Kollega")
    activity = ActivityFactory(agreement=agreement, title="Ursprunglig titel")
    url = reverse("agreement:activity-update", args=[activity.pk])
    mine = form_data(activity, description="Min beskrivning")
    theirs = form_data(activity, title="Karins titel", budget_2021="100000")

    assert login(other).post(url, theirs).status_code == 302
    response = login(staff).post(url, mine)

    html = response.content.decode()
    assert response.status_code == 409
    assert "Någon annan har sparat ändringar i insatsen efter att du öppnade den." in html
    assert "Karin Kollega" in html
    assert "Ursprunglig titel" in html and "Karins titel" in html
    assert "Budget 2021" in html
    activity.refresh_from_db()
    assert activity.title == "Karins titel" and activity.description == ""
    assert activity.version == 2
    # The re-shown form carries the new version: saving again is a conscious overwrite.
    assert 'name="version" value="2"' in html
    assert login(staff).post(url, {**mine, "version": 2}).status_code == 302
    activity.refresh_from_db()
    assert activity.description == "Min beskrivning" and activity.version == 3


@pytest.mark.django_db
def test_saving_without_changes_keeps_the_version(login, staff, agreement):
    activity = ActivityFactory(agreement=agreement)
    url = reverse("agreement:activity-update", args=[activity.pk])
    assert login(staff).post(url, form_data(activity)).status_code == 302
    activity.refresh_from_db()
    assert activity.version == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_saves_on_postgresql_one_wins_one_conflicts(postgres_only, agreement):
    activity = ActivityFactory(agreement=agreement)
    users = [staff_user(username=f"parallell{n}") for n in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(user, title):
        try:
            barrier.wait(timeout=10)
            services.activity_update(
                actor=user,
                activity=activity,
                seen_version=1,
                fields={"title": title},
                initiatives=[],
                commitments=[],
                partners=[],
                budgets={2021: Decimal("1000")},
            )
            outcomes.append("saved")
        except EditConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(user, f"Titel {n}")) for n, user in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "saved"]
    assert Activity.objects.get(pk=activity.pk).version == 2
