from django import template

from principals import access

from .. import aggregates

register = template.Library()


@register.inclusion_tag("reporting/partials/dash_principal_compare_body.html", takes_context=True)
def dash_principal_compare(context, principal):
    """The organiser's latest round beside national and county figures (always suppressed)."""
    user = context.get("user")
    if user is None:
        return {"comparison": None}
    principal = access.get_principal_for_view(user, principal.pk)
    reporting_round = aggregates.default_round(aggregates.rounds_to_show())
    return {
        "principal": principal,
        "comparison": aggregates.principal_comparison(
            principal=principal, reporting_round=reporting_round
        ),
        "threshold": aggregates.SUPPRESSION_THRESHOLD,
    }
