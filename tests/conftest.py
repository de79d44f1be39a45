import os

import pytest

from tests.portal.factories import (
    PASSWORD,
    admin_user,
    government_user,
    lead_user,
    staff_user,
)
from tests.principals.factories import MembershipFactory, PrincipalFactory

# Playwright's sync API runs an event loop in the test thread; the ORM must still work there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def staff(db):
    return staff_user(username="staff")


@pytest.fixture
def lead(db):
    return lead_user(username="lead")


@pytest.fixture
def government(db):
    return government_user(username="government")


@pytest.fixture
def admin(db):
    return admin_user(username="admin")


@pytest.fixture
def principal_a(db):
    return PrincipalFactory(name="Huvudman A")


@pytest.fixture
def principal_b(db):
    return PrincipalFactory(name="Huvudman B")


@pytest.fixture
def editor_a(principal_a):
    return MembershipFactory(principal=principal_a, user__username="editor-a").user


@pytest.fixture
def reader_a(principal_a):
    return MembershipFactory(principal=principal_a, user__username="reader-a", role="reader").user


@pytest.fixture
def editor_b(principal_b):
    return MembershipFactory(principal=principal_b, user__username="editor-b").user


@pytest.fixture
def login(client):
    """Log a user in on the test client and return the client."""

    def _login(user):
        client.force_login(user, backend="portal.backends.PortalModelBackend")
        return client

    return _login


@pytest.fixture(autouse=True)
def reference_data(request):
    """Put back what data migrations created when a transactional test has flushed it.

    Tests that use the database without a django_db marker run after the transactional ones
    (pytest-django's ordering), so every database test checks, with one query, that the role
    groups and the SCB reference data are there.
    """
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db", "live_server"} & set(names):
        return
    transactional = (
        (marker is not None and marker.kwargs.get("transaction"))
        or "transactional_db" in names
        or "live_server" in names
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.contrib.auth.models import Group, Permission

    from portal.roles import GROUP_PERMISSIONS, ensure_role_groups
    from principals.models import County, Municipality
    from principals.reference import load_reference_data

    if Group.objects.filter(name__in=GROUP_PERMISSIONS).count() < len(GROUP_PERMISSIONS):
        ensure_role_groups(Group, Permission)
    if not Municipality.objects.exists():
        load_reference_data(County, Municipality)


@pytest.fixture
def postgres_only(db):
    """Tests with real parallel connections need PostgreSQL (CI runs them there)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        reason = "needs PostgreSQL: set DATABASE_URL=postgres://..."
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            vendor = connection.vendor
            pytest.fail(f"REQUIRE_POSTGRES=1 but the test database is {vendor}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached dashboard figures are keyed by a data version (highest ids and the date), which a
    rolled-back test's successor can repeat with other data; so every test starts empty."""
    from reporting.cache import clear
    from reporting.publication import forget

    clear()
    forget()


@pytest.fixture(autouse=True)
def _swedish_after_each_test():
    """A request in English (the language switch) leaves English active in the thread, as
    Django does; the next test starts in Swedish again, as a new request would."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
