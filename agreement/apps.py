from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementConfig(AppConfig):
    name = "agreement"
    verbose_name = _("Agreement")

    def ready(self):
        from portal.permissions import VIEW_PROGRAMME
        from portal.roles import Role

        self.navigation = [
            ("agreement:agreement-list", _("Agreements"), VIEW_PROGRAMME),
            ("agreement:activity-list", _("Activities"), VIEW_PROGRAMME),
        ]
        self.start_sections = {
            Role.STAFF: "agreement/partials/start_staff.html",
            Role.GOVERNMENT: "agreement/partials/start_government.html",
        }
