from django import forms
from django.forms.renderers import TemplatesSetting

from portal.form_rendering import PortalFormRenderer


class Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Alla"), ("a", "Å & <b>"), (1, "Ett")])
    grouped = forms.ChoiceField(
        choices=[("Län", [("01", "Stockholms län"), ("03", 'Uppsala "län"')]), ("x", "Övrigt")],
        required=False,
    )
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    marked = forms.ChoiceField(
        choices=[("a", "A")], widget=forms.Select(attrs={"aria-describedby": "hjälp", "x": True})
    )


def test_selects_render_exactly_as_djangos_templates_do():
    data = {"plain": "a", "grouped": "03", "several": ["a", "b"], "marked": "a"}
    for values in (None, data):
        ours, djangos = (
            Choices(values, renderer=PortalFormRenderer()),
            Choices(values, renderer=TemplatesSetting()),
        )
        for name in ours.fields:
            assert str(ours[name]) == str(djangos[name]), name
        assert str(ours) == str(djangos)
    assert "Å &amp; &lt;b&gt;" in str(Choices(renderer=PortalFormRenderer())["plain"])


def _fixed_forms() -> list[type[forms.Form]]:
    """Every form class that says its empty rendering is fixed, once each app's forms load."""
    import importlib

    from django.apps import apps

    for config in apps.get_app_configs():
        for module in ("forms", "accessibility_forms"):
            try:
                importlib.import_module(f"{config.name}.{module}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.{module}":
                    raise
    found, pending = [], list(forms.Form.__subclasses__())
    while pending:
        form_class = pending.pop()
        pending.extend(form_class.__subclasses__())
        if form_class.__dict__.get("fixed_rendering"):
            found.append(form_class)
    return found


def test_empty_forms_of_fixed_fields_are_rendered_once_per_language_as_afresh():
    from django.template.loader import render_to_string
    from django.utils import translation

    from portal.form_rendering import FIELDS, fields_html

    fixed = {form_class.__name__ for form_class in _fixed_forms()}
    assert {"ExtendForm", "FeedbackForm"} <= fixed
    for form_class in _fixed_forms():
        shown = {}
        for language in ("sv", "en"):
            with translation.override(language):
                kept = fields_html(form_class())
                assert kept == render_to_string(FIELDS, {"form": form_class()})
                assert fields_html(form_class()) is kept  # the same text, not rendered again
                shown[language] = kept
        assert shown["sv"] != shown["en"], form_class.__name__


def test_bound_forms_are_always_rendered_afresh_with_their_values_and_errors():
    from django.utils import translation

    from portal.accessibility_forms import FeedbackForm
    from portal.form_rendering import fields_html

    with translation.override("sv"):
        empty = fields_html(FeedbackForm())
        bound = FeedbackForm({"message": "kort", "email": "inte-en-adress", "page": "<b>x</b>"})
        bound.is_valid()
        shown = fields_html(bound)
    assert shown != empty
    assert shown.count("field--error") == 2  # the message too short, the address invalid
    assert "&lt;b&gt;x&lt;/b&gt;" in shown
    assert "&lt;b&gt;x&lt;/b&gt;" not in fields_html(FeedbackForm())


def test_an_empty_form_given_its_own_initial_values_prefix_or_ids_is_rendered_afresh():
    from django.utils import translation

    from portal.accessibility_forms import FeedbackForm
    from portal.form_rendering import fields_html

    with translation.override("sv"):
        kept = fields_html(FeedbackForm())
        assert 'value="a@example.se"' in fields_html(
            FeedbackForm(initial={"email": "a@example.se"})
        )
        assert 'id="id_x-email"' in fields_html(FeedbackForm(prefix="x"))
        assert 'id="f_email"' in fields_html(FeedbackForm(auto_id="f_%s"))
        assert fields_html(FeedbackForm()) is kept
