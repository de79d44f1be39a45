"""The dashboards' filter forms: what a reader may choose, and the form bound to what the page
shows."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from principals.models import SIZE_BANDS, Principal

from .. import aggregates


def _indicator_choices(indicators) -> list[tuple[str, str]]:
    """Indicators by their questions (codes mean nothing to readers), shortened at a word."""
    return [(i.code, i.short_question) for i in indicators if i.answer_type != i.AnswerType.TEXT]


class ReadinessFilterForm(forms.Form):
    omgang = forms.TypedChoiceField(
        label=gettext_lazy("Reporting round"), coerce=int, required=False
    )
    typ = forms.ChoiceField(label=gettext_lazy("Organiser type"), required=False)
    lan = forms.ChoiceField(label=gettext_lazy("County"), required=False)
    kommun = forms.ChoiceField(label=gettext_lazy("Municipality"), required=False)
    storlek = forms.ChoiceField(label=gettext_lazy("Size (pupils)"), required=False)
    indikator = forms.ChoiceField(label=gettext_lazy("Indicator for the trend"), required=False)

    def __init__(self, data, *, rounds, indicators, published: bool = False):
        super().__init__(data)
        self.fields["omgang"].choices = [(r.pk, r.name) for r in rounds]
        self.fields["typ"].choices = [("", _("All types")), *Principal.OrganiserType.choices]
        self.fields["lan"].choices = [("", _("All counties")), *aggregates.county_choices()]
        if published:
            # Outside readers get published groups only: no municipalities or size bands.
            del self.fields["kommun"], self.fields["storlek"]
        else:
            self.fields["kommun"].choices = [
                ("", _("All municipalities")),
                *aggregates.municipality_choices(),
            ]
            self.fields["storlek"].choices = [("", _("All sizes"))] + [
                (key, label) for key, label, _low, _high in SIZE_BANDS
            ]
        self.fields["indikator"].choices = _indicator_choices(indicators)

    def value(self, name, default=None):
        if not self.is_bound or name not in self.fields:
            return default
        self.is_valid()
        return self.cleaned_data.get(name) or default


def trend_indicator(form, indicators) -> str:
    return chosen_indicator(form.value("indikator", ""), indicators)


def chosen_indicator(asked: str, indicators) -> str:
    """The indicator asked for if the trend can show it, else the first DNP one, else the
    first one that can be shown."""
    valid_codes = [c for c, _l in _indicator_choices(indicators)]
    if asked in valid_codes:
        return asked
    return next((i.code for i in indicators if i.is_dnp), valid_codes[0] if valid_codes else "")


def bound_form(form_class, request, chosen, indicator_code, shown=None, **kwargs):
    """The form as submitted, showing the round, indicator and (`shown`) filters the page
    shows where the request did not choose them, so the form always says what the page shows."""
    data = request.GET.copy()
    for name, value in (shown or {}).items():
        data[name] = value
    if chosen is not None and not data.get("omgang"):
        data["omgang"] = chosen.pk
    if indicator_code and data.get("indikator") != indicator_code:
        data["indikator"] = indicator_code
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


class ProgrammeFilterForm(forms.Form):
    overenskommelse = forms.TypedChoiceField(
        label=gettext_lazy("Agreement"), coerce=int, required=False
    )

    def __init__(self, data, *, agreements):
        super().__init__(data)
        self.fields["overenskommelse"].choices = [(a.pk, a.title) for a in agreements]
