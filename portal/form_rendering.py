"""Form rendering: Django's templates, except the options of a select, rendered in Python.

A select renders each option through two included templates; the register's and the
dashboards' filters list 290 municipalities, which took 25–30 ms of every such page. This
renderer writes the same markup as Django's own select templates (tests/portal/
test_form_rendering.py compares the two) directly, and leaves every other widget to them.
An empty form of fixed fields is rendered once per language (`fields_html`).
"""

from django.forms.renderers import TemplatesSetting
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import conditional_escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
FIELDS = "partials/form_fields.html"


def _attrs(attrs: dict) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        )
    return "".join(parts)


def _option(option: dict) -> str:
    return (
        f'<option value="{conditional_escape(str(option["value"]))}"'
        f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
    )


def select_html(widget: dict) -> str:
    """Django's select.html and select_option.html, written out."""
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        out.extend(f"\n  {_option(option)}\n" for option in group_choices)
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class PortalFormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if template_name == SELECT else None
        if widget is not None and all(
            option.get("template_name") == OPTION
            for _name, choices, _index in widget["optgroups"]
            for option in choices
        ):
            return select_html(widget)
        return super().render(template_name, context, request)


# An empty form of fixed fields looks the same on every request in one language: rendered
# through Django's templates it cost 0.7 ms (one date field) to 2.9 ms (the accessibility
# feedback form's four) of every visit to its page.
_EMPTY_FIELDS: dict[tuple[type, str], str] = {}


def fields_html(form) -> str:
    """partials/form_fields.html for `form`. An unbound form whose class says
    `fixed_rendering = True` is rendered once per process and language: only for forms whose
    empty rendering depends on nothing else (fixed fields and attributes, no choices, initial
    values or prefixes read from the database, the user or the clock). A bound form, with its
    values and errors, is always rendered afresh, and so is one given its own initial values,
    prefix or ids."""
    plain = not (form.is_bound or form.initial or form.prefix) and form.auto_id == "id_%s"
    if not (plain and getattr(type(form), "fixed_rendering", False)):
        return render_to_string(FIELDS, {"form": form})
    key = (type(form), translation.get_language())
    html = _EMPTY_FIELDS.get(key)
    if html is None:
        html = _EMPTY_FIELDS[key] = render_to_string(FIELDS, {"form": form})
    return html
