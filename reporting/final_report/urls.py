"""URLs of the final report (slutredovisning), included in the `reporting` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("slutredovisning/", views.report_list, name="report-list"),
    path("slutredovisning/starta/<int:agreement_pk>/", views.report_create, name="report-create"),
    path("slutredovisning/<int:pk>/", views.report_detail, name="report-detail"),
    path("slutredovisning/<int:pk>/forhandsvisning/", views.report_preview, name="report-preview"),
    path("slutredovisning/<int:pk>/pdf/", views.report_pdf, name="report-pdf"),
    path("slutredovisning/<int:pk>/xlsx/", views.report_xlsx, name="report-xlsx"),
    path("slutredovisning/<int:pk>/status/", views.report_transition, name="report-transition"),
    path("slutredovisning/<int:pk>/lamna-in/", views.report_submit, name="report-submit"),
    path("slutredovisning/<int:pk>/jamfor/", views.report_compare, name="report-compare"),
    path(
        "slutredovisning/<int:pk>/inlamnad/<str:kind>/",
        views.submitted_download,
        name="submitted-download",
    ),
    path("slutredovisning/<int:pk>/arkivpaket/", views.archive_start, name="archive-start"),
    path(
        "slutredovisning/<int:pk>/arkivpaket/fil/", views.archive_download, name="archive-download"
    ),
    path("slutredovisning/<int:pk>/avsnitt/ny/", views.section_create, name="section-create"),
    path(
        "slutredovisning/<int:pk>/avsnitt/<int:section_pk>/",
        views.section_update,
        name="section-update",
    ),
    path(
        "slutredovisning/<int:pk>/avsnitt/<int:section_pk>/flytta/",
        views.section_move,
        name="section-move",
    ),
    path(
        "slutredovisning/<int:pk>/avsnitt/<int:section_pk>/ta-bort/",
        views.section_delete,
        name="section-delete",
    ),
]
