from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You are now logged out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password ends the user's other sessions (Django rotates the hash)."""

    success_url = reverse_lazy("password_change_done")


class PasswordResetView(auth_views.PasswordResetView):
    success_url = reverse_lazy("password_reset_done")
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
