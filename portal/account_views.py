from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from . import twofactor
from .account_forms import CodeForm


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


class TwoFactorStepMixin:
    """The two-step pages return to `next` (a local path only) when they are done."""

    def next_url(self) -> str:
        candidate = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={self.request.get_host()}, require_https=False
        ):
            return candidate
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def refuse(self, form, result) -> None:
        if result.throttled:
            locked = timezone.localtime(result.locked_until).strftime("%H:%M:%S")
            message = _("Too many wrong codes. Wait until %(time)s before you try again.") % {
                "time": locked
            }
        else:
            message = _("The code is wrong or has expired. Enter the code the app shows now.")
        form.add_error("code", message)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.next_url(), **kwargs)


@method_decorator(never_cache, name="dispatch")
class TwoFactorView(LoginRequiredMixin, TemplateView):
    """The account page "Two-step verification": status, turn on, turn off."""

    template_name = "registration/twofactor.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            device=twofactor.confirmed_device(user),
            required=twofactor.role_requires_2fa(user),
            form=CodeForm(),
            **kwargs,
        )


@method_decorator(never_cache, name="dispatch")
class TwoFactorSetupView(LoginRequiredMixin, TwoFactorStepMixin, FormView):
    """Show the QR code and secret of a new device and confirm it with a first code."""

    template_name = "registration/twofactor_setup.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and twofactor.confirmed_device(request.user):
            if not request.user.is_verified():
                return redirect(reverse("twofactor-verify") + "?" + request.GET.urlencode())
            messages.info(request, _("Two-step verification is already on."))
            return redirect("twofactor")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = twofactor.pending_device(user=self.request.user)
        return super().get_context_data(
            qr_code=twofactor.qr_data_uri(device),
            secret=twofactor.secret_text(device),
            required=twofactor.role_requires_2fa(self.request.user),
            **kwargs,
        )

    def form_valid(self, form):
        device = twofactor.pending_device(user=self.request.user)
        result = twofactor.device_confirm(
            request=self.request, device=device, code=form.cleaned_data["code"]
        )
        if not result.ok:
            self.refuse(form, result)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Two-step verification is on. From now on you log in with a code from the app."),
        )
        return redirect(self.next_url())


@method_decorator(never_cache, name="dispatch")
class TwoFactorVerifyView(LoginRequiredMixin, TwoFactorStepMixin, FormView):
    """The second step of logging in: a code from the user's confirmed device."""

    template_name = "registration/twofactor_verify.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if request.user.is_verified():
                return redirect(self.next_url())
            if twofactor.confirmed_device(request.user) is None:
                return redirect(reverse("twofactor-setup") + "?" + request.GET.urlencode())
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        result = twofactor.session_verify(request=self.request, code=form.cleaned_data["code"])
        if not result.ok:
            self.refuse(form, result)
            return self.form_invalid(form)
        return redirect(self.next_url())


@method_decorator(never_cache, name="dispatch")
class TwoFactorDisableView(LoginRequiredMixin, TwoFactorStepMixin, FormView):
    """Turn two-step verification off with a current code (POST from the account page)."""

    template_name = "registration/twofactor.html"
    form_class = CodeForm
    http_method_names = ["post"]

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            device=twofactor.confirmed_device(user),
            required=twofactor.role_requires_2fa(user),
            **kwargs,
        )

    def form_valid(self, form):
        if twofactor.confirmed_device(self.request.user) is None:
            return redirect("twofactor")
        result = twofactor.device_remove(request=self.request, code=form.cleaned_data["code"])
        if not result.ok:
            self.refuse(form, result)
            return self.form_invalid(form)
        if twofactor.role_requires_2fa(self.request.user):
            messages.warning(
                self.request,
                _("Your role requires two-step verification: set up a new device now."),
            )
            return redirect("twofactor-setup")
        messages.success(self.request, _("Two-step verification is off."))
        return redirect("twofactor")
