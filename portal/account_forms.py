import hashlib
import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import outbox


def _code_field(label, help_text) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": "8"}
        ),
    )


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app; spaces are ignored."""

    code = _code_field(_("Code from the app"), _("Six digits, shown in your authenticator app."))
    invalid = _("Enter the six digits shown in the app.")

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(self.invalid)
        return code


class EmailCodeForm(CodeForm):
    """The six-digit code from the e-mail that proves the account's address."""

    code = _code_field(
        _("Code from the e-mail"), _("Six digits, in the e-mail we have just sent you.")
    )
    invalid = _("Enter the six digits from the e-mail.")


class LoginForm(AuthenticationForm):
    """Django's login form, refusing a user name longer than any account's before anything
    looks it up: Django sets the field's max_length but no validator, so a long name would
    reach the lockout records (django-axes, 255 characters) and fail there on PostgreSQL."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()
        return super().clean()


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with its message queued for a worker like all the portal's mail.

    The message holds a reset link, so its text is emptied once it has been handed over; the
    key holds a hash of the link's token, never the token."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        with translation.override(translation.get_language()):
            subject = " ".join(render_to_string(subject_template_name, context).split())
            body = render_to_string(email_template_name, context)
        token = hashlib.sha256(f"{context['uid']}:{context['token']}".encode()).hexdigest()
        outbox.queue(
            outbox.Mail(
                key=f"password-reset:{token[:40]}",
                kind="password-reset",
                to=[to_email],
                subject=subject,
                body=body,
                topic=f"user:{context['user'].pk}",
                label=context["user"].get_username(),
                secret=True,
            )
        )
