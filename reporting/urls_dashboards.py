"""Dashboards, their exports and open data; included into the `reporting` namespace."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.permissions import VIEW_AGGREGATES, VIEW_PROGRAMME
from portal.roles import Role

from . import dashboards

urlpatterns = [
    path("beredskap/", dashboards.readiness_dashboard, name="readiness-dashboard"),
    path(
        "beredskap/export/<slug:table>.<slug:fmt>",
        dashboards.readiness_export,
        name="readiness-export",
    ),
    path("beredskap/publicera/<int:pk>/", dashboards.round_publish, name="round-publish"),
    path("program/", dashboards.programme_dashboard, name="programme-dashboard"),
    path(
        "program/export/<slug:table>.<slug:fmt>",
        dashboards.programme_export,
        name="programme-export",
    ),
    path("oppna-data/", dashboards.opendata_page, name="opendata"),
    path(
        "oppna-data/beredskap.<slug:fmt>", dashboards.opendata_readiness, name="opendata-readiness"
    ),
    path(
        "oppna-data/finansiering.<slug:fmt>",
        dashboards.opendata_programme,
        name="opendata-programme",
    ),
    path("oppna-data/schema.md", dashboards.opendata_schema, name="opendata-schema"),
]

NAVIGATION = [
    ("reporting:readiness-dashboard", _("Readiness dashboard"), VIEW_AGGREGATES),
    ("reporting:programme-dashboard", _("Programme dashboard"), VIEW_PROGRAMME),
    # Organisers see their own figures beside the national ones on their page; the national
    # figures themselves are the open data.
    ("reporting:opendata", _("National figures and open data"), Role.ORGANISER),
]

START_SECTIONS = {
    Role.STAFF: "reporting/partials/dash_start.html",
    Role.GOVERNMENT: "reporting/partials/dash_start.html",
}

# Included on a principal's page: the organiser's own results beside national and county ones.
PRINCIPAL_SECTIONS = ["reporting/partials/dash_principal_compare.html"]
