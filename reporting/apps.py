from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Dashboards and open data (dashboards.py) and the final report (final_report.py).

    Each part declares its own navigation and page sections; they are merged here.
    """

    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from importlib import import_module

        self.navigation = []
        self.start_sections = {}
        self.principal_sections = []
        for name in ("reporting.urls_dashboards", "reporting.urls_report"):
            try:
                module = import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            self.navigation += getattr(module, "NAVIGATION", [])
            for role, template in getattr(module, "START_SECTIONS", {}).items():
                self.start_sections.setdefault(role, []).append(template)
            self.principal_sections += getattr(module, "PRINCIPAL_SECTIONS", [])
