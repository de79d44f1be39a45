from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from .. import form_rendering
from ..audit import actor_shown, history_rows
from ..formatting import kr

register = template.Library()


register.filter("kr", kr)


@register.filter
def grouped(value) -> str:
    return intcomma(value)


@register.inclusion_tag("portal/partials/history.html", takes_context=True)
def history(context, obj, limit: int = 50):
    """The record's events as its reader may see them: e-mail addresses of other people only
    to those shown the people themselves (portal/audit.py, `event_as_seen`)."""
    reader = getattr(context, "request", None)
    return history_rows(obj, reader.user if reader is not None else None, limit)


@register.simple_tag(takes_context=True)
def actor(context, user, label: str = "") -> str:
    """Who saved a version or sent a message, named as the history names them."""
    request = getattr(context, "request", None)
    return actor_shown(user, label, request.user if request is not None else None)


@register.simple_tag
def form_fields(form) -> str:
    """A form's fields as partials/form_fields.html writes them (portal/form_rendering.py
    fields_html: an empty form of fixed fields is rendered once per language)."""
    return form_rendering.fields_html(form)


@register.inclusion_tag("partials/error_summary.html")
def error_summary(*forms):
    """The GOV.UK error-summary pattern: every problem listed first, each linking to its field."""
    errors = []
    for form in forms:
        if form is None or not form.is_bound:
            continue
        for message in form.non_field_errors():
            errors.append({"anchor": None, "message": message})
        for field in form:
            for message in field.errors:
                errors.append(
                    {
                        "anchor": field.id_for_label or field.auto_id,
                        "message": message,
                        "label": field.label,
                    }
                )
    return {"errors": errors}
