from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

admin.site.site_header = "Skoldigistöd"
admin.site.site_title = "Skoldigistöd"

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("konto/", include("portal.account_urls")),
    path("sprak/", set_language, name="set-language"),
    path("", include("portal.urls")),
    path("huvudman/", include("principals.urls")),
    path("program/", include("agreement.urls")),
    path("uppfoljning/", include("readiness.urls")),
    path("rapporter/", include("reporting.urls")),
    path("inloggning/e-legitimation/", include("federation.oidc_urls")),
    path("inloggning/", include("federation.urls")),
    path("saml2/", include("federation.saml_urls")),
    path("api/", include("api.urls")),
]
