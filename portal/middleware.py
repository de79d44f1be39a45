import functools
from urllib.parse import urlencode

from django.conf import settings
from django.middleware.gzip import GZipMiddleware as _GZipMiddleware
from django.shortcuts import redirect
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation


class LanguageMiddleware:
    """Swedish unless the person chose English with the switch; the browser's wish is ignored."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class TwoFactorMiddleware:
    """Send users who owe a second factor to the code (or setup) step before anything else.

    Until then only the steps themselves (the e-mailed code, setting up, the code, a lost
    device), logging out, static files, and the pages that show no data (the health check,
    the language switch, the accessibility statement) can be reached; everything else,
    the admin and the exports included, redirects. Must come after OTPMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .twofactor import confirmed_device, needs_code

        if not self._exempt(request.path) and needs_code(request):
            target = "twofactor-verify" if confirmed_device(request.user) else "twofactor-setup"
            url = reverse(target)
            if request.method == "GET":
                url += "?" + urlencode({"next": request.get_full_path()})
            return redirect(url)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        return path.startswith(_exempt_prefixes(get_script_prefix(), settings.STATIC_URL))


@functools.cache
def _exempt_prefixes(script_prefix: str, static_url: str) -> tuple[str, ...]:
    """The paths TwoFactorMiddleware lets through, reversed once per prefix (eight reverses
    on every request cost more than a whole /healthz)."""
    return (
        reverse("twofactor-email"),
        reverse("twofactor-setup"),
        reverse("twofactor-verify"),
        reverse("twofactor-recover"),
        reverse("logout"),
        reverse("set-language"),
        reverse("portal:healthz"),
        reverse("portal:accessibility"),
        static_url,
    )


class SessionTouchMiddleware:
    """Keep an active session alive without writing it on every request.

    A session expires SESSION_COOKIE_AGE after it was last saved. Instead of saving it on
    every request (SESSION_SAVE_EVERY_REQUEST), it is saved when it was last touched more than
    SESSION_TOUCH_SECONDS ago, so the idle limit holds to within that margin and most page
    views cost no database write. Must come right after SessionMiddleware.
    """

    KEY = "_touched"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or session.is_empty():
            return response
        now = int(timezone.now().timestamp())
        # A session that is being saved anyway counts as touched now.
        if session.modified or now - session.get(self.KEY, 0) >= settings.SESSION_TOUCH_SECONDS:
            session[self.KEY] = now
        return response


class GZipMiddleware(_GZipMiddleware):
    """Django's GZipMiddleware (which pads every response against BREACH), except for a
    response marked `uncompressed`: the one page that shows a long-lived secret, the two-step
    setup key, is sent as it is (docs/adr/0006-compressed-pages.md)."""

    def process_response(self, request, response):
        if getattr(response, "uncompressed", False):
            return response
        return super().process_response(request, response)
