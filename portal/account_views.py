from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from . import twofactor, twofactor_email
from .account_forms import CodeForm, EmailCodeForm, LoginForm, QueuedPasswordResetForm
from .models import EmailCode


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Federated login (federation/) is offered once a federation is configured.
        return super().get_context_data(
            federated_login=bool(settings.FEDERATIONS),
            eid_login=bool(settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_ISSUER),
            eid_name=settings.OIDC_OP_NAME,
            **kwargs,
        )


# A login that must end elsewhere too (a SAML login with single logout, federation/) names the
# view that logs out instead; the POST is handed on as it is (307), with its CSRF token.
LOGOUT_HANDOFF_SESSION_KEY = "portal_logout_handoff"


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        handoff = request.session.get(LOGOUT_HANDOFF_SESSION_KEY)
        if handoff and url_has_allowed_host_and_scheme(handoff, allowed_hosts=None):
            return redirect(handoff, preserve_request=True)
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You are now logged out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password ends the user's other sessions (Django rotates the hash)."""

    success_url = reverse_lazy("password_change_done")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
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

    def step_url(self, name: str) -> str:
        """Another two-step page, carrying this request's query (the `next` address) along."""
        query = self.request.GET.urlencode()
        return reverse(name) + (f"?{query}" if query else "")


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
        if request.user.is_authenticated and not twofactor.enrolment_proven(request):
            # The secret is shown only once the e-mailed code has been given (GET and POST).
            return redirect(self.step_url("twofactor-email"))
        response = super().dispatch(request, *args, **kwargs)
        response.uncompressed = True  # it shows the device's secret (ADR 0006)
        return response

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
class TwoFactorEmailView(LoginRequiredMixin, TwoFactorStepMixin, FormView):
    """Before a device is set up: a code e-mailed to the account, so a password is not enough.

    Sending is a POST of its own (a button), so visiting the page sends nothing.
    """

    template_name = "registration/twofactor_email.html"
    form_class = EmailCodeForm
    purpose = EmailCode.Purpose.ENROL

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            elsewhere = self.elsewhere()
            if elsewhere is not None:
                return redirect(elsewhere)
        return super().dispatch(request, *args, **kwargs)

    def elsewhere(self) -> str | None:
        """Where the user goes instead when this is not their next step."""
        user = self.request.user
        if user.is_verified():
            return reverse("twofactor")
        if twofactor.confirmed_device(user) is not None:
            return self.step_url("twofactor-verify")
        if twofactor.enrolment_proven(self.request):
            return self.step_url("twofactor-setup")
        return None

    def post(self, request, *args, **kwargs):
        if "send" in request.POST:
            self.send()
            return redirect(request.path + "?" + urlencode({"next": self.next_url()}))
        return super().post(request, *args, **kwargs)

    def send(self) -> None:
        user = self.request.user
        sending = twofactor_email.code_send(user=user, purpose=self.purpose)
        if sending.sent:
            messages.success(
                self.request,
                _("We have sent a code to %(address)s. It is valid for %(minutes)s minutes.")
                % {
                    "address": twofactor_email.masked_address(user.email),
                    "minutes": settings.TWO_FACTOR_EMAIL_CODE_SECONDS // 60,
                },
            )
        elif sending.no_address:
            messages.error(self.request, NO_ADDRESS)
        else:
            messages.warning(
                self.request,
                _("A code was sent a moment ago. You can ask for a new one at %(time)s.")
                % {"time": timezone.localtime(sending.wait_until).strftime("%H:%M:%S")},
            )

    def get_context_data(self, **kwargs):
        user = self.request.user
        code = twofactor_email.active_code(user=user, purpose=self.purpose)
        return super().get_context_data(
            address=twofactor_email.masked_address(user.email) if user.email else "",
            no_address=NO_ADDRESS,
            code_sent=code is not None,
            recover=self.purpose == EmailCode.Purpose.RECOVER,
            required=twofactor.role_requires_2fa(user),
            **kwargs,
        )

    def form_valid(self, form):
        result = twofactor_email.code_confirm(
            user=self.request.user, purpose=self.purpose, code=form.cleaned_data["code"]
        )
        if not result.ok:
            form.add_error("code", self.refusal(result))
            return self.form_invalid(form)
        self.confirmed()
        return redirect(reverse("twofactor-setup") + "?" + urlencode({"next": self.next_url()}))

    def confirmed(self) -> None:
        twofactor.enrolment_proof_grant(request=self.request)
        messages.success(
            self.request, _("Your e-mail address is confirmed. Now set up the app on your phone.")
        )

    @staticmethod
    def refusal(result) -> str:
        if result.reason == "wrong":
            return ngettext(
                "The code is wrong. You can try %(count)s more time.",
                "The code is wrong. You can try %(count)s more times.",
                result.attempts_left,
            ) % {"count": result.attempts_left}
        if result.reason == "expired":
            return _("The code has expired. Ask for a new code.")
        if result.reason == "blocked":
            return _("Too many wrong codes. Ask for a new code.")
        return _("There is no valid code: it has been used or replaced. Ask for a new code.")


NO_ADDRESS = _(
    "Your account has no e-mail address, so no code can be sent. Ask the programme's "
    "administrators to add your address."
)


class TwoFactorRecoverView(TwoFactorEmailView):
    """A lost device: an e-mailed code removes it, and then a new device is set up."""

    purpose = EmailCode.Purpose.RECOVER

    def elsewhere(self) -> str | None:
        user = self.request.user
        if user.is_verified():
            return reverse("twofactor")
        if twofactor.confirmed_device(user) is None:
            return self.step_url("twofactor-setup")
        return None

    def confirmed(self) -> None:
        twofactor.device_recover(request=self.request)
        messages.success(
            self.request,
            _(
                "Your e-mail address is confirmed and the lost device is removed. "
                "Set up the app on your new phone."
            ),
        )


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
