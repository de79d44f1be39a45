"""Forms: the answers form is built from the framework; checks live in services."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from principals.models import County, Principal

from .models import DNP_TAG, FrameworkVersion, Indicator, ReportingRound
from .services import bounds_message

Types = Indicator.AnswerType
# At most 18 digits: longer numbers are no answer to any question (and Python refuses to read
# numbers of more than 4 300 digits).
WHOLE_NUMBER = re.compile(r"^-?\d{1,18}$")


def value_name(code: str) -> str:
    return f"v-{code}"


def comment_name(code: str) -> str:
    return f"c-{code}"


def parse_answers(
    indicators: list[Indicator], data, *, other_steps: frozenset[str] = frozenset()
) -> tuple[dict, dict, dict[str, str]]:
    """POST data → (answers for the service, raw values to show again, unreadable numbers).

    `indicators` are the questions of the step posted; values for the framework's other steps
    (`other_steps`) are not read there. Values for codes outside the framework are passed on,
    so the service refuses them.
    """
    answers: dict = {}
    raw: dict = {}
    errors: dict[str, str] = {}
    known = set()
    for indicator in indicators:
        code = indicator.code
        known.add(code)
        comment = data.get(comment_name(code), "")
        if indicator.answer_type == Types.MULTI_CHOICE:
            chosen = [v for v in data.getlist(value_name(code)) if v]
            raw[code] = {"value": chosen, "comment": comment}
            answers[code] = {"value": chosen or None, "comment": comment}
            continue
        text = data.get(value_name(code), "")
        raw[code] = {"value": text, "comment": comment}
        value = text
        if indicator.answer_type in (Types.PERCENTAGE, Types.INTEGER):
            compact = re.sub(r"[\s\xa0%]", "", text)
            if not compact:
                value = None
            elif WHOLE_NUMBER.match(compact):
                value = int(compact)
            else:
                errors[code] = (
                    _("Enter a whole number from 0 to 100.")
                    if indicator.answer_type == Types.PERCENTAGE
                    else bounds_message(indicator)
                )
                value = None
        elif indicator.answer_type != Types.TEXT:
            value = text or None
        answers[code] = {"value": value if value != "" else None, "comment": comment}
    for key in data:
        if key.startswith("v-") and key[2:] not in known and key[2:] not in other_steps:
            answers[key[2:]] = {"value": data.get(key), "comment": ""}
    return answers, raw, errors


def raw_from_answers(answers: dict) -> dict:
    """Saved answers in the shape the form shows (strings), for GET."""
    raw = {}
    for code, answer in answers.items():
        value = answer.get("value")
        if isinstance(value, list):
            shown = [str(v) for v in value]
        else:
            shown = "" if value is None else str(value)
        raw[code] = {"value": shown, "comment": answer.get("comment", "")}
    return raw


class RoundForm(forms.ModelForm):
    class Meta:
        model = ReportingRound
        fields = ["name", "opens_on", "closes_on", "framework_version"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework_version"].queryset = FrameworkVersion.objects.published()


class ExtendForm(forms.Form):
    fixed_rendering = True  # empty, rendered once per language (portal/form_rendering.py)

    closes_on = forms.DateField(
        label=_("New closing date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What needs to be corrected"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class OverviewFilterForm(forms.Form):
    SHOW_CHOICES = [
        ("not_submitted", _("Not submitted")),
        ("submitted", _("Submitted")),
        ("all", _("All")),
    ]
    show = forms.ChoiceField(label=_("Show"), choices=SHOW_CHOICES, required=False)
    organiser_type = forms.ChoiceField(
        label=_("Organiser type"),
        choices=[("", _("All types")), *Principal.OrganiserType.choices],
        required=False,
    )
    county = forms.ModelChoiceField(
        label=_("County"), queryset=County.objects.all(), required=False, empty_label=_("All")
    )


class FrameworkCopyForm(forms.Form):
    name = forms.CharField(label=_("Name of the new version"), max_length=200)


class IndicatorForm(forms.ModelForm):
    dnp = forms.BooleanField(label=_("Needed for the digital national tests (DNP)"), required=False)

    class Meta:
        model = Indicator
        fields = [
            "question",
            "help_text",
            "required",
            "initiative",
            "order",
            "min_value",
            "max_value",
        ]
        widgets = {
            "question": forms.Textarea(attrs={"rows": 3}),
            "help_text": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dnp"].initial = self.instance.is_dnp
        if self.instance.answer_type != Types.INTEGER:
            del self.fields["min_value"], self.fields["max_value"]

    def tags(self) -> list[str]:
        others = [t for t in (self.instance.tags or []) if t != DNP_TAG]
        return [DNP_TAG, *others] if self.cleaned_data["dnp"] else others
