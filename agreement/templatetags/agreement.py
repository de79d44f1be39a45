from django import template
from django.utils import timezone

from ..models import Agreement

register = template.Library()


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
