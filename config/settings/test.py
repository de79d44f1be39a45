"""Test runs: fast hashing, mail kept in memory, static files served without a manifest."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-not-secret"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
ALLOWED_HOSTS = ["*"]
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://testserver")
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Static files come straight from the finders; there is no collectstatic in tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
