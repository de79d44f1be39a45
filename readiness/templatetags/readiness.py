from django import template

from .. import selectors
from ..models import ReportingRound

register = template.Library()


@register.inclusion_tag("readiness/partials/principal_summary.html", takes_context=True)
def readiness_summary(context, principal):
    """Open rounds on a principal's page: deadline, state and progress, in three queries."""
    from principals import access

    user = context.get("user")
    return {
        "principal": principal,
        "entries": selectors.open_rounds_for(principal),
        "is_editor": bool(user) and access.is_editor_member(user, principal),
    }


@register.inclusion_tag("readiness/partials/staff_summary.html")
def readiness_staff_summary():
    rounds = list(ReportingRound.objects.open_now().select_related("framework_version"))
    return {"entries": [(r, selectors.round_counts(r)) for r in rounds]}
