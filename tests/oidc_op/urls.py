import html

from django.contrib.auth import get_user_model, login
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import include, path
from django.utils.http import url_has_allowed_host_and_scheme

from .people import PEOPLE

PAGE = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


def choose(request):
    """The broker's login: choose a demo person (an e-ID app would be asked here)."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.method == "POST" and request.POST.get("who") in PEOPLE:
        user = get_user_model().objects.get(username=request.POST["who"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return HttpResponseRedirect(next_url)
    buttons = "".join(
        f'<p><button type="submit" name="who" value="{who}">'
        f"{html.escape(p['given_name'])} {html.escape(p['family_name'])}</button></p>"
        for who, p in PEOPLE.items()
    )
    body = (
        f'<p>Välj en testperson.</p><form method="post">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}">'
        f'<input type="hidden" name="next" value="{html.escape(next_url)}">{buttons}</form>'
    )
    return HttpResponse(PAGE.format(title="Test-e-legitimation", body=body))


urlpatterns = [
    path("login/", choose),
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
]
