"""Dashboards, their exports and open data; included into the `reporting` namespace."""

from django.urls import path

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
