from django import forms
from django.utils.translation import gettext_lazy as _


class FeedbackForm(forms.Form):
    """The accessibility statement's message function: what did not work, and where."""

    fixed_rendering = True  # empty, rendered once per language (portal/form_rendering.py)

    message = forms.CharField(
        label=_("What did not work for you?"),
        help_text=_("Describe the problem, and what you were trying to do."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Describe what did not work.")},
    )
    page = forms.CharField(
        label=_("Page or address (optional)"),
        help_text=_("For example the page's address or heading."),
        max_length=500,
        required=False,
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We send a receipt there and answer you there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter your e-mail address, so that we can answer you."),
            "invalid": _("Enter an e-mail address like namn@example.se."),
        },
    )

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        if len(message) < 10:
            raise forms.ValidationError(
                _("Describe the problem in a few words (at least 10 characters).")
            )
        return message
