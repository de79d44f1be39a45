from django.urls import path

from . import views

app_name = "agreement"

urlpatterns = [
    path("overenskommelser/", views.agreement_list, name="agreement-list"),
    path("overenskommelser/ny/", views.agreement_create, name="agreement-create"),
    path("overenskommelser/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("overenskommelser/<int:pk>/andra/", views.agreement_update, name="agreement-update"),
    path("overenskommelser/<int:pk>/ta-bort/", views.agreement_delete, name="agreement-delete"),
    path(
        "overenskommelser/<int:agreement_pk>/finansieringsar/ny/",
        views.funding_year_create,
        name="fundingyear-create",
    ),
    path("finansieringsar/<int:pk>/andra/", views.funding_year_update, name="fundingyear-update"),
    path("finansieringsar/<int:pk>/ta-bort/", views.funding_year_delete, name="fundingyear-delete"),
    path(
        "overenskommelser/<int:agreement_pk>/ataganden/nytt/",
        views.commitment_create,
        name="commitment-create",
    ),
    path("ataganden/<int:pk>/andra/", views.commitment_update, name="commitment-update"),
    path("ataganden/<int:pk>/ta-bort/", views.commitment_delete, name="commitment-delete"),
    path(
        "overenskommelser/<int:agreement_pk>/insatser/ny/",
        views.activity_create,
        name="activity-create",
    ),
    path("initiativ/", views.initiative_list, name="initiative-list"),
    path("initiativ/nytt/", views.initiative_create, name="initiative-create"),
    path("initiativ/<int:pk>/", views.initiative_detail, name="initiative-detail"),
    path("initiativ/<int:pk>/andra/", views.initiative_update, name="initiative-update"),
    path("partner/", views.partner_list, name="partner-list"),
    path("partner/ny/", views.partner_create, name="partner-create"),
    path("partner/<int:pk>/", views.partner_detail, name="partner-detail"),
    path("partner/<int:pk>/andra/", views.partner_update, name="partner-update"),
    path("partner/<int:pk>/ta-bort/", views.partner_delete, name="partner-delete"),
    path("insatser/", views.activity_list, name="activity-list"),
    path("insatser/<int:pk>/", views.activity_detail, name="activity-detail"),
    path("insatser/<int:pk>/andra/", views.activity_update, name="activity-update"),
    path("insatser/<int:pk>/ta-bort/", views.activity_delete, name="activity-delete"),
    path("insatser/<int:pk>/arkivera/", views.activity_archive, name="activity-archive"),
    path(
        "insatser/<int:activity_pk>/delmal/nytt/",
        views.milestone_create,
        name="milestone-create",
    ),
    path("delmal/<int:pk>/andra/", views.milestone_update, name="milestone-update"),
    path("delmal/<int:pk>/ta-bort/", views.milestone_delete, name="milestone-delete"),
    path(
        "insatser/<int:activity_pk>/leveranser/ny/",
        views.deliverable_create,
        name="deliverable-create",
    ),
    path("leveranser/<int:pk>/andra/", views.deliverable_update, name="deliverable-update"),
    path("leveranser/<int:pk>/ta-bort/", views.deliverable_delete, name="deliverable-delete"),
    path("insatser/<int:activity_pk>/utfall/nytt/", views.cost_create, name="cost-create"),
    path("utfall/<int:pk>/andra/", views.cost_update, name="cost-update"),
    path("utfall/<int:pk>/ta-bort/", views.cost_delete, name="cost-delete"),
    path(
        "insatser/<int:activity_pk>/lagesrapporter/ny/",
        views.progress_update_create,
        name="progressupdate-create",
    ),
]
