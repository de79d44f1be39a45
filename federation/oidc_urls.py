"""/inloggning/e-legitimation/: logging in or linking with an e-ID through the broker (OIDC)."""

from django.urls import path

from . import oidc_views

app_name = "eid"

urlpatterns = [
    path("", oidc_views.eid_login, name="login"),
    path("svar/", oidc_views.callback, name="callback"),
    path("koppla/", oidc_views.link_start, name="link-start"),
]
