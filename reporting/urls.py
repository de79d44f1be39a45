from importlib import import_module

from django.urls import include, path

app_name = "reporting"

# Dashboards/open data and the final report keep their own URL modules; both share this namespace.
urlpatterns: list = []
for _name in ("reporting.urls_dashboards", "reporting.urls_report"):
    try:
        urlpatterns.append(path("", include(import_module(_name).urlpatterns)))
    except ModuleNotFoundError as exc:
        if exc.name != _name:
            raise
