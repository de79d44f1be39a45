from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.start, name="start"),
    path("personal/", views.staff_home, name="staff-home"),
    path("insyn/", views.government_home, name="government-home"),
    path("tillganglighet/", views.accessibility, name="accessibility"),
    path("healthz", views.healthz, name="healthz"),
]
