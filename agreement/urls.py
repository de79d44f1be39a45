from django.urls import path

from . import views
from .editing import create_view, delete_view, update_view

app_name = "agreement"

urlpatterns = [
    path("overenskommelser/", views.agreement_list, name="agreement-list"),
    path("overenskommelser/ny/", create_view(views.AGREEMENT), name="agreement-create"),
    path("overenskommelser/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("overenskommelser/<int:pk>/andra/", update_view(views.AGREEMENT), name="agreement-update"),
    path(
        "overenskommelser/<int:pk>/ta-bort/", delete_view(views.AGREEMENT), name="agreement-delete"
    ),
    path(
        "overenskommelser/<int:agreement_pk>/finansieringsar/ny/",
        create_view(views.FUNDING_YEAR),
        name="fundingyear-create",
    ),
    path(
        "finansieringsar/<int:pk>/andra/",
        update_view(views.FUNDING_YEAR),
        name="fundingyear-update",
    ),
    path(
        "finansieringsar/<int:pk>/ta-bort/",
        delete_view(views.FUNDING_YEAR),
        name="fundingyear-delete",
    ),
    path(
        "overenskommelser/<int:agreement_pk>/ataganden/nytt/",
        create_view(views.COMMITMENT),
        name="commitment-create",
    ),
    path("ataganden/<int:pk>/andra/", update_view(views.COMMITMENT), name="commitment-update"),
    path("ataganden/<int:pk>/ta-bort/", delete_view(views.COMMITMENT), name="commitment-delete"),
    path(
        "overenskommelser/<int:agreement_pk>/insatser/ny/",
        views.activity_create,
        name="activity-create",
    ),
    path("initiativ/", views.initiative_list, name="initiative-list"),
    path("initiativ/nytt/", create_view(views.INITIATIVE), name="initiative-create"),
    path("initiativ/<int:pk>/", views.initiative_detail, name="initiative-detail"),
    path("initiativ/<int:pk>/andra/", update_view(views.INITIATIVE), name="initiative-update"),
    path("partner/", views.partner_list, name="partner-list"),
    path("partner/ny/", create_view(views.PARTNER), name="partner-create"),
    path("partner/<int:pk>/", views.partner_detail, name="partner-detail"),
    path("partner/<int:pk>/andra/", update_view(views.PARTNER), name="partner-update"),
    path("partner/<int:pk>/ta-bort/", delete_view(views.PARTNER), name="partner-delete"),
    path("insatser/", views.activity_list, name="activity-list"),
    path("insatser/<int:pk>/", views.activity_detail, name="activity-detail"),
    path("insatser/<int:pk>/andra/", views.activity_update, name="activity-update"),
    path("insatser/<int:pk>/ta-bort/", views.activity_delete, name="activity-delete"),
    path("insatser/<int:pk>/arkivera/", views.activity_archive, name="activity-archive"),
    path(
        "insatser/<int:activity_pk>/delmal/nytt/",
        create_view(views.MILESTONE),
        name="milestone-create",
    ),
    path("delmal/<int:pk>/andra/", update_view(views.MILESTONE), name="milestone-update"),
    path("delmal/<int:pk>/ta-bort/", delete_view(views.MILESTONE), name="milestone-delete"),
    path(
        "insatser/<int:activity_pk>/leveranser/ny/",
        create_view(views.DELIVERABLE),
        name="deliverable-create",
    ),
    path("leveranser/<int:pk>/andra/", update_view(views.DELIVERABLE), name="deliverable-update"),
    path("leveranser/<int:pk>/ta-bort/", delete_view(views.DELIVERABLE), name="deliverable-delete"),
    path("insatser/<int:activity_pk>/utfall/nytt/", create_view(views.COST), name="cost-create"),
    path("utfall/<int:pk>/andra/", update_view(views.COST), name="cost-update"),
    path("utfall/<int:pk>/ta-bort/", delete_view(views.COST), name="cost-delete"),
    path(
        "insatser/<int:activity_pk>/lagesrapporter/ny/",
        create_view(views.PROGRESS_UPDATE),
        name="progressupdate-create",
    ),
]
