"""What the principals app adds to the portal's shared pages (portal/sections.py)."""

from django.utils.translation import gettext_lazy as _

from portal.permissions import MANAGE_PRINCIPALS
from portal.sections import Link, Parts


def parts() -> Parts:
    return Parts(
        links=[Link("principals:principal-list", _("School organisers"), MANAGE_PRINCIPALS)]
    )
