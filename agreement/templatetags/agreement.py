import datetime

from django import template

from portal.permissions import VIEW_PROGRAMME

from ..models import Agreement
from ..selectors import agreements_with_totals

register = template.Library()


@register.inclusion_tag("agreement/partials/glance.html")
def agreement_glance(*, user, can_edit: bool):
    """Active agreements for the start pages, in one query."""
    if not user.has_perm(VIEW_PROGRAMME):
        return {"agreements": [], "can_edit": False}
    today = datetime.date.today()
    agreements = list(
        agreements_with_totals()
        .filter(status=Agreement.Status.ACTIVE)
        .order_by("final_report_due", "title")
    )
    for agreement in agreements:
        agreement.days_left = agreement.days_to_final_report(today)
    return {"agreements": agreements, "can_edit": can_edit}
