"""Dashboards, their exports and open data; included into the `reporting` namespace."""

from django.urls import path

from . import opendata, views

urlpatterns = [
    path("beredskap/", views.readiness_dashboard, name="readiness-dashboard"),
    path(
        "beredskap/export/<slug:table>.<slug:fmt>",
        views.readiness_export,
        name="readiness-export",
    ),
    path("beredskap/publicera/<int:pk>/", views.round_publish, name="round-publish"),
    path("program/", views.programme_dashboard, name="programme-dashboard"),
    path(
        "program/export/<slug:table>.<slug:fmt>",
        views.programme_export,
        name="programme-export",
    ),
    path("oppna-data/", opendata.opendata_page, name="opendata"),
    path("oppna-data/beredskap.<slug:fmt>", opendata.opendata_readiness, name="opendata-readiness"),
    path(
        "oppna-data/finansiering.<slug:fmt>",
        opendata.opendata_programme,
        name="opendata-programme",
    ),
    path("oppna-data/schema.md", opendata.opendata_schema, name="opendata-schema"),
]
