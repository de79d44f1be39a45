"""What the agreement app adds to the portal's shared pages (portal/sections.py)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.permissions import VIEW_PROGRAMME
from portal.roles import Role
from portal.sections import Link, Parts, Section

from .selectors import agreements_with_totals


def glance(user, *, can_edit: bool) -> dict:
    """Agreements whose final report is still to come (running or ended), in one query."""
    if not user.has_perm(VIEW_PROGRAMME):
        return {"agreements": [], "can_edit": False}
    today = timezone.localdate()
    agreements = list(agreements_with_totals().not_reported().order_by("final_report_due", "title"))
    for agreement in agreements:
        agreement.days_left = agreement.days_to_final_report(today)
    return {"agreements": agreements, "can_edit": can_edit}


def parts() -> Parts:
    return Parts(
        links=[
            Link("agreement:agreement-list", _("Agreements"), VIEW_PROGRAMME),
            Link("agreement:activity-list", _("Activities"), VIEW_PROGRAMME),
        ],
        start={
            Role.STAFF: [
                Section("agreement/partials/glance.html", lambda u, _p: glance(u, can_edit=True))
            ],
            Role.GOVERNMENT: [
                Section("agreement/partials/glance.html", lambda u, _p: glance(u, can_edit=False))
            ],
        },
    )
