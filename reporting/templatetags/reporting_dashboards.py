from django import template

from .. import disclosure

register = template.Library()


@register.filter
def withheld_explanation(reason: str) -> str:
    """Why cells marked with this reason are withheld (docs/disclosure.md has the rules)."""
    return disclosure.explanation(reason)
