"""The signed-in user and their permissions kept in a shared cache: fast, and never out of date.

The tests run in one process with Django's local-memory cache, which then behaves as a shared
one would; SHARED_CACHE=True switches the backend to keeping entries there.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import backends
from portal.roles import STAFF_GROUP
from principals.models import Membership
from tests.portal.factories import PASSWORD
from tests.principals.factories import MembershipFactory

pytestmark = [pytest.mark.django_db]

PAGE = reverse("reporting:readiness-dashboard")


@pytest.fixture
def shared(settings):
    settings.SHARED_CACHE = True
    cache.clear()


def _queries_on_auth_tables(client) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(PAGE).status_code
    sql = [q["sql"] for q in queries.captured_queries]
    return status, [s for s in sql if "auth_user" in s or "auth_permission" in s]


def test_a_signed_in_page_reads_the_user_once_then_from_the_cache(shared, login, staff):
    client = login(staff)
    status, first = _queries_on_auth_tables(client)
    assert status == 200 and first  # the user and their permissions, read and kept
    status, again = _queries_on_auth_tables(client)
    assert status == 200 and again == []


def test_a_revoked_role_applies_on_the_next_request(
    shared, login, staff, django_capture_on_commit_callbacks
):
    client = login(staff)
    assert client.get(PAGE).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        staff.groups.remove(Group.objects.get(name=STAFF_GROUP))
    assert client.get(PAGE).status_code == 403


def test_a_deactivated_user_is_signed_out_on_the_next_request(
    shared, login, staff, django_capture_on_commit_callbacks
):
    client = login(staff)
    assert client.get(PAGE).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        staff.is_active = False
        staff.save()
    response = client.get(PAGE)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_new_password_ends_other_sessions(
    shared, login, staff, django_capture_on_commit_callbacks
):
    client = login(staff)
    assert client.get(PAGE).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        staff.set_password("ett-helt-nytt-lösenord-2026")
        staff.save()
    assert client.get(PAGE).status_code == 302


def test_a_lost_generation_never_revives_an_old_entry(shared, login, staff):
    """Were the generation evicted and restarted, entries made before must not count again."""
    client = login(staff)
    assert client.get(PAGE).status_code == 200
    Group.objects.get(name=STAFF_GROUP).user_set.through.objects.filter(user=staff).delete()
    cache.delete(backends.GENERATION_KEY)  # as an eviction would; the delete above sent nothing
    assert client.get(PAGE).status_code == 403


def test_without_a_shared_cache_every_request_reads_the_database(login, staff, settings):
    settings.SHARED_CACHE = False
    client = login(staff)
    client.get(PAGE)
    status, again = _queries_on_auth_tables(client)
    assert status == 200 and len(again) == 2  # the user, then both kinds of permission at once


def test_someone_signing_in_keeps_everyone_elses_entry(shared, login, staff, government):
    from django.test import Client

    staff_client = login(staff)
    staff_client.get(PAGE)
    before = cache.get(backends.GENERATION_KEY)
    response = Client().post(
        reverse("login"), {"username": government.username, "password": PASSWORD}
    )
    assert response.status_code == 302  # signed in: Django saved last_login
    assert cache.get(backends.GENERATION_KEY) == before
    status, again = _queries_on_auth_tables(staff_client)
    assert status == 200 and again == []


def test_a_change_moves_the_generation_at_once_and_again_after_the_commit(
    shared, login, staff, django_capture_on_commit_callbacks
):
    """Another process may read the old rows before the commit and keep them under the
    generation moved at once; the move after the commit drops what it kept."""
    login(staff).get(PAGE)
    before = cache.get(backends.GENERATION_KEY)
    with django_capture_on_commit_callbacks() as after_commit:
        staff.first_name = "Ny"
        staff.save()
    assert cache.get(backends.GENERATION_KEY) == before + 1
    for callback in after_commit:
        callback()
    assert cache.get(backends.GENERATION_KEY) == before + 2


def test_a_cached_superuser_still_holds_every_permission(shared, login, admin):
    from django.contrib.auth.models import Permission

    login(admin).get(PAGE)
    cached = backends.PortalModelBackend().get_user(admin.pk)
    assert len(cached.get_all_permissions()) == Permission.objects.count()


def test_an_organisers_page_reads_the_membership_from_the_cache_until_one_changes(
    shared, login, principal_a, django_capture_on_commit_callbacks
):
    """The menu asks whether the user belongs to any organiser on every page."""
    editor = MembershipFactory(principal=principal_a, user__username="cached-editor").user
    client = login(editor)
    client.get(reverse("portal:accessibility"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("portal:accessibility")).status_code == 200
    assert not [q for q in queries.captured_queries if "principals_membership" in q["sql"]]
    assert client.get(reverse("portal:accessibility")).context["user_role"] == "organiser"

    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.filter(user=editor).delete()
    assert client.get(reverse("portal:accessibility")).context["user_role"] == "none"
    with django_capture_on_commit_callbacks(execute=True):
        MembershipFactory(principal=principal_a, user=editor)
    assert client.get(reverse("portal:accessibility")).context["user_role"] == "organiser"
