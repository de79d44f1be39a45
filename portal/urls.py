from django.urls import path

from . import job_views, views

app_name = "portal"

urlpatterns = [
    path("", views.start, name="start"),
    path("personal/", views.staff_home, name="staff-home"),
    path("insyn/", views.government_home, name="government-home"),
    path("tillganglighet/", views.accessibility, name="accessibility"),
    path("healthz", views.healthz, name="healthz"),
    path("jobb/", job_views.job_list, name="job-list"),
    path("jobb/<uuid:pk>/", job_views.job_detail, name="job-detail"),
    path("jobb/<uuid:pk>/status", job_views.job_state, name="job-state"),
    path("jobb/<uuid:pk>/fil", job_views.job_file, name="job-file"),
]
