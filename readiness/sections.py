"""What the readiness app adds to the portal's shared pages (portal/sections.py)."""

from django.utils.translation import gettext_lazy as _

from portal.permissions import MANAGE_ROUNDS, VIEW_PRINCIPAL_DATA
from portal.roles import Role
from portal.sections import Link, Parts, Section
from principals import access

from . import selectors
from .models import ReportingRound


def principal_summary(user, principal) -> dict:
    """Open rounds on an organiser's page: deadline, state and progress, in three queries."""
    return {
        "principal": principal,
        "entries": selectors.open_rounds_for(principal),
        "is_editor": access.is_editor_member(user, principal),
    }


def staff_summary(user, principal) -> dict:
    rounds = list(ReportingRound.objects.open_now().select_related("framework_version"))
    return {"entries": [(r, selectors.round_counts(r)) for r in rounds]}


def parts() -> Parts:
    return Parts(
        links=[
            Link("readiness:round-list", _("Self-assessment"), VIEW_PRINCIPAL_DATA),
            Link("readiness:framework-list", _("Frameworks"), MANAGE_ROUNDS),
        ],
        start={Role.STAFF: [Section("readiness/partials/staff_summary.html", staff_summary)]},
        principal=[Section("readiness/partials/principal_summary.html", principal_summary)],
    )
