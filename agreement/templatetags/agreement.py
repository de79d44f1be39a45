from django import template
from django.utils import timezone

from portal.permissions import VIEW_PROGRAMME

from ..models import Agreement
from ..selectors import agreements_with_totals

register = template.Library()


@register.inclusion_tag("agreement/partials/glance.html")
def agreement_glance(*, user, can_edit: bool):
    """Agreements whose final report is still to come (running or ended), in one query."""
    if not user.has_perm(VIEW_PROGRAMME):
        return {"agreements": [], "can_edit": False}
    today = timezone.localdate()
    agreements = list(agreements_with_totals().not_reported().order_by("final_report_due", "title"))
    for agreement in agreements:
        agreement.days_left = agreement.days_to_final_report(today)
    return {"agreements": agreements, "can_edit": can_edit}


@register.inclusion_tag("agreement/partials/final_report_deadline.html")
def final_report_deadline(agreement: Agreement, today=None):
    """The final report's deadline as the cards show it: when it was handed in once it has
    been, else the days left or the days it is late, so a long-past date never reads as news."""
    today = today or timezone.localdate()
    days = agreement.days_to_final_report(today)
    if agreement.reported_on is not None:
        state = "submitted"
    elif days >= 0:
        state = "left"
    else:
        state = "late"
    return {
        "state": state,
        "days": abs(days),
        "due": agreement.final_report_due,
        "reported_on": agreement.reported_on,
    }
