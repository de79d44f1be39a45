from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import (
            backends,  # noqa: F401 (connects the permission cache's signals)
            login_throttle,  # noqa: F401 (counts failed logins)
        )
        from .otp_devices import connect_signals
        from .permission_names import name_permissions

        connect_signals()  # forget a kept second-factor device when it changes

        # For every app, after auth's handler (connected before ours) has created its permissions.
        post_migrate.connect(name_permissions, dispatch_uid="portal-permission-names")

        from django.core import checks

        from .accessibility import check_statement

        checks.register(check_statement)
