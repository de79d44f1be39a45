"""The SAML endpoints, under djangosaml2's URL names (its views reverse them)."""

from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.SamlLoginView.as_view(), name="saml2_login"),
    path("acs/", views.AcsView.as_view(), name="saml2_acs"),
    path("ls/", views.SamlLogoutServiceView.as_view(), name="saml2_ls"),
    path("ls/post/", views.SamlLogoutServiceView.as_view(), name="saml2_ls_post"),
    path("metadata/", views.sp_metadata, name="saml2_metadata"),
]
