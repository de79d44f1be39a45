from django.urls import include, path

app_name = "reporting"

# Dashboards and open data, and the final report, keep their own URL modules in one namespace.
urlpatterns = [
    path("", include("reporting.dashboards.urls")),
    path("", include("reporting.final_report.urls")),
    path("", include("reporting.idp_comparison_urls")),
]
