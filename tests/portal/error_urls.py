"""The project's URLs plus one view that fails, to see the 500 page (tests only)."""

from django.urls import path

from config.urls import urlpatterns as project_urls


def boom(request):
    raise RuntimeError("secret-internal-detail")


urlpatterns = [path("test-fel/", boom), *project_urls]
