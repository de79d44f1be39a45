"""Third-party apps under the names the portal uses for them, in Swedish in the admin.

Kept out of portal/apps.py: Django picks an app's configuration automatically only when its
apps.py holds one AppConfig.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpAppConfig
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    """django-axes under a Swedish name in the admin (its own app name is "Axes")."""

    verbose_name = _("Login lockouts")


class TotpConfig(TotpAppConfig):
    """django-otp's TOTP devices as the portal calls them: authenticator apps."""

    verbose_name = _("Two-step verification")

    def ready(self):
        super().ready()
        # The model's names are plain English strings in django-otp, not translatable there.
        meta = self.get_model("TOTPDevice")._meta
        meta.verbose_name = _("authenticator app")
        meta.verbose_name_plural = _("authenticator apps")


class TasksConfig(TasksAppConfig):
    """django-tasks-db's task rows, as the admin shows them."""

    verbose_name = _("Background tasks")
