"""The project's URLs with the comparison page added to the reporting namespace, as
reporting/urls.py will have it (`path("", include("reporting.idp_comparison_urls"))`)."""

from django.urls import include, path

from config import urls as project
from reporting import urls as reporting

reporting_patterns = [*reporting.urlpatterns, path("", include("reporting.idp_comparison_urls"))]

urlpatterns = [
    path("rapporter/", include((reporting_patterns, "reporting"))),
    *[p for p in project.urlpatterns if str(p.pattern) != "rapporter/"],
]
