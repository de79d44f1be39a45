import re

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app; spaces are ignored."""

    code = forms.CharField(
        label=_("Code from the app"),
        help_text=_("Six digits, shown in your authenticator app."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": "8"}
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(_("Enter the six digits shown in the app."))
        return code


class EmailCodeForm(CodeForm):
    """The six-digit code from the e-mail that proves the account's address."""

    code = forms.CharField(
        label=_("Code from the e-mail"),
        help_text=_("Six digits, in the e-mail we have just sent you."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": "8"}
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(_("Enter the six digits from the e-mail."))
        return code
