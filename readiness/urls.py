from django.urls import path

from . import form_views, views

app_name = "readiness"

ASSESSMENT = "huvudman/<int:principal_pk>/omgang/<int:round_pk>/"

urlpatterns = [
    path("omgangar/", views.round_list, name="round-list"),
    path("omgangar/ny/", views.round_create, name="round-create"),
    path("omgangar/<int:pk>/", views.round_detail, name="round-detail"),
    path("omgangar/<int:pk>/paminn/", views.round_remind, name="round-remind"),
    path("omgangar/<int:pk>/forlang/", views.round_extend, name="round-extend"),
    path("omgangar/<int:pk>/stang/", views.round_close, name="round-close"),
    path("omgangar/<int:pk>/oppna/", views.round_open, name="round-open"),
    path("ramverk/", views.framework_list, name="framework-list"),
    path("ramverk/<int:pk>/", views.framework_detail, name="framework-detail"),
    path("ramverk/<int:pk>/kopiera/", views.framework_copy, name="framework-copy"),
    path("ramverk/<int:pk>/publicera/", views.framework_publish, name="framework-publish"),
    path("indikator/<int:pk>/andra/", views.indicator_edit, name="indicator-edit"),
    path(ASSESSMENT, views.assessment_detail, name="assessment-detail"),
    path(ASSESSMENT + "fyll-i/", form_views.assessment_edit, name="assessment-edit"),
    path(ASSESSMENT + "fyll-i/granska/", form_views.assessment_review, name="assessment-review"),
    path(ASSESSMENT + "kvitto/<int:number>/", views.assessment_receipt, name="assessment-receipt"),
    path(ASSESSMENT + "historik/", views.assessment_history, name="assessment-history"),
    path(ASSESSMENT + "atgardsplan/", views.assessment_action_plan, name="assessment-action-plan"),
    path(ASSESSMENT + "svar.csv", views.assessment_export_csv, name="assessment-export-csv"),
    path(ASSESSMENT + "svar.pdf", views.assessment_export_pdf, name="assessment-export-pdf"),
    path(ASSESSMENT + "aterforvisa/", views.assessment_return, name="assessment-return"),
]
