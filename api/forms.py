from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiKey

STAFF_KEY = "programme"


class KeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the key is for, e.g. the system that will use it."),
    )
    owner = forms.ChoiceField(label=_("For"))
    scope = forms.ChoiceField(
        label=_("May"),
        choices=ApiKey.Scope.choices,
        widget=forms.RadioSelect,
        initial=ApiKey.Scope.READ,
        help_text=_("A key that may write can save drafts and, for an editor, submit."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At most a year from today."),
    )

    def __init__(self, *args, principals, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(p.pk), p.name) for p in principals]
        if staff:
            choices.insert(0, (STAFF_KEY, _("Programme staff (my own rights)")))
        self.fields["owner"].choices = choices
        self.principals = {str(p.pk): p for p in principals}
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=90)

    def principal(self):
        return self.principals.get(self.cleaned_data["owner"])
