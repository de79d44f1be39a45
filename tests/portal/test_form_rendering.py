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
