from django.urls import path

from . import views

app_name = "federation"

urlpatterns = [
    path("", views.discovery, name="discovery"),
    path("logga-ut/", views.logout, name="logout"),
    path("konto/", views.account, name="account"),
    path("konto/koppla/", views.link_start, name="link-start"),
    path("konto/<int:pk>/koppla-bort/", views.unlink, name="unlink"),
    path("konto/regel/<int:pk>/begar/", views.access_request_create, name="access-request-create"),
    path("inbjudan/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("forfragningar/", views.access_requests, name="access-requests"),
    path("forfragningar/<int:pk>/", views.access_request_decide, name="access-request-decide"),
]
