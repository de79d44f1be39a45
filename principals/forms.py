from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from .models import Membership, Principal
from .services import MAX_UPLOAD_BYTES

ALLOWED_EXTENSIONS = (".json", ".csv")


class ContactForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Principal
        fields = ["email", "phone", "pupils"]
        labels = {
            "email": _("The organisation's e-mail"),
            "phone": _("The organisation's phone"),
            "pupils": _("Number of pupils"),
        }


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        widget=forms.RadioSelect,
        initial=Membership.Role.EDITOR,
        help_text=_("Editors may change the organisation's data; readers only read."),
    )


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            user = get_user_model()(username=self.email, email=self.email)
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File from Skolverket's register"),
        help_text=_("JSON from Skolenhetsregistret API v2, or CSV as described. At most 20 MB."),
    )
    full = forms.BooleanField(
        label=_("Full import: mark organisers and school units missing from the file inactive"),
        required=False,
    )
    skip_invalid = forms.BooleanField(
        label=_("Import the valid records even if some are invalid"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is too large (at most 20 MB)."), code="too_large"
            )
        if not upload.name.lower().endswith(ALLOWED_EXTENSIONS):
            raise forms.ValidationError(
                _("Choose a JSON or CSV file (.json or .csv)."), code="file_type"
            )
        return upload
