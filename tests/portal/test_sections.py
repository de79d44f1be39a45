"""Apps add to the shared pages through one typed registry (portal/sections.py): the view
calls each section's provider, and rendering the section's template runs no query of its
own (no access check or lookup hidden in a template tag)."""

import pytest
from django.apps import apps
from django.db import connection
from django.template.loader import get_template, render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import sections
from portal.roles import Role, role_of

pytestmark = pytest.mark.django_db


def _all_sections():
    for config in apps.get_app_configs():
        parts = getattr(config, "parts", None)
        if parts is None:
            continue
        for role, listed in parts.start.items():
            for section in listed:
                yield config.label, role, section
        for section in parts.principal:
            yield config.label, None, section


def test_every_app_contributes_in_the_one_shape():
    contributed = {label for label, _r, _s in _all_sections()}
    assert {"agreement", "readiness", "reporting"} <= contributed
    for config in apps.get_app_configs():
        for name in ("navigation", "start_sections", "principal_sections"):
            assert not hasattr(config, name), f"{config.label}.{name}: use parts = Parts(...)"
        parts = getattr(config, "parts", None)
        if parts is not None:
            assert isinstance(parts, sections.Parts)
            for link in parts.links:
                reverse(link.url_name)
    for _label, _role, section in _all_sections():
        get_template(section.template)


def test_section_templates_run_no_queries(rf, staff, government, editor_a, principal_a):
    readers = {Role.STAFF: staff, Role.GOVERNMENT: government, None: editor_a}
    for _label, role, section in _all_sections():
        user = readers[role]
        request = rf.get("/")
        request.user = user
        context = section.context(user, None if role else principal_a)
        # What every page's context processor looks up once per request, as the view would.
        user.has_perm("portal.view_aggregates")
        role_of(user)
        with CaptureQueriesContext(connection) as queries:
            html = render_to_string(section.template, context, request=request)
        assert html.strip(), section.template
        assert not queries.captured_queries, (section.template, queries.captured_queries)


def test_start_pages_show_their_sections(staff, government, login):
    staff_page = login(staff).get(reverse("portal:staff-home")).content.decode()
    assert 'id="agreement-glance-title"' in staff_page
    assert 'id="readiness-staff-title"' in staff_page
    assert 'id="final-report-start-title"' in staff_page
    government_page = login(government).get(reverse("portal:government-home")).content.decode()
    assert 'id="dash-start-heading"' in government_page
    assert 'id="final-report-start-title"' not in government_page
