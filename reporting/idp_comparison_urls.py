"""Included in the reporting namespace: `path("", include("reporting.idp_comparison_urls"))`
in reporting/urls.py (docs/login.md, "Self-assessment beside the metadata")."""

from django.urls import path

from . import idp_comparison_views

urlpatterns = [
    path(
        "inloggning-jamforelse/",
        idp_comparison_views.idp_comparison_list,
        name="idp-comparison",
    ),
]
