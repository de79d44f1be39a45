from django import template
from django.utils import timezone

from agreement.models import Agreement

register = template.Library()


@register.simple_tag
def final_report_due() -> list[dict]:
    """Agreements whose final report is not submitted, nearest due date first; one query."""
    today = timezone.localdate()
    agreements = (
        Agreement.objects.not_reported()
        .exclude(final_report__state="submitted")
        .select_related("final_report")
        .order_by("final_report_due", "pk")
    )
    return [
        {
            "agreement": a,
            "report": getattr(a, "final_report", None),
            "days_left": a.days_to_final_report(today),
        }
        for a in agreements
    ]
