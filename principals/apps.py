from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrincipalsConfig(AppConfig):
    name = "principals"
    verbose_name = _("School organisers")

    def ready(self):
        from .sections import parts

        self.parts = parts()
