from django import template

from principals import access

from .. import disclosure, publication

register = template.Library()


@register.inclusion_tag("reporting/partials/dash_principal_compare_body.html", takes_context=True)
def dash_principal_compare(context, principal):
    """The organiser's answers in the latest published round beside the published figures."""
    user = context.get("user")
    if user is None:
        return {"comparison": None}
    principal = access.get_principal_for_view(user, principal.pk)
    return {
        "principal": principal,
        "comparison": publication.comparison(principal=principal),
        "threshold": disclosure.THRESHOLD,
    }


@register.filter
def withheld_explanation(reason: str) -> str:
    """Why cells marked with this reason are withheld (docs/disclosure.md has the rules)."""
    return disclosure.explanation(reason)
