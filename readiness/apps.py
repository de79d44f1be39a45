from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadinessConfig(AppConfig):
    name = "readiness"
    verbose_name = _("Readiness")
    principal_sections = ["readiness/partials/principal_section.html"]

    def ready(self):
        from portal.permissions import MANAGE_ROUNDS, VIEW_PRINCIPAL_DATA
        from portal.roles import Role

        self.navigation = [
            ("readiness:round-list", _("Self-assessment"), VIEW_PRINCIPAL_DATA),
            ("readiness:framework-list", _("Frameworks"), MANAGE_ROUNDS),
        ]
        self.start_sections = {Role.STAFF: "readiness/partials/staff_start.html"}
