from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Dashboards and open data, and the final report; their links and page sections are in
    sections.py."""

    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from .sections import parts

        self.parts = parts()
