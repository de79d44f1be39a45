"""Test runs: fast hashing, mail kept in memory, static files served without a manifest."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-not-secret"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run at once, in the process that enqueues them, and mail stays in memory. The real
# processes tests/system starts (TASKS_IN_DATABASE=1) keep the database task backend, and
# send through EMAIL_URL when it is given (the test's own SMTP server).
_real_process = env.bool("TASKS_IN_DATABASE", default=False)
if not (_real_process and env("EMAIL_URL", default="")):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
if not _real_process:
    TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": TASKS["default"]["QUEUES"],  # noqa: F405
        }
    }
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
ALLOWED_HOSTS = ["*"]
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://testserver")
# `make test` runs on every core (pytest-xdist): each worker has its own files and, with a
# shared cache, its own Redis database (the tests empty the cache between tests).
WORKER = int(env("PYTEST_XDIST_WORKER", default="gw0")[2:])
MEDIA_ROOT = BASE_DIR / f".test-media/{WORKER}"  # noqa: F405
if CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache":  # noqa: F405
    _base, _, _db = CACHES["default"]["LOCATION"].rpartition("/")  # noqa: F405
    CACHES["default"]["LOCATION"] = f"{_base}/{(int(_db or 0) - WORKER) % 16}"  # noqa: F405
# Browser tests check every page the live server sends (tests/browser/pages.py); the recorder
# sits inside the compression so it keeps the page as written.
MIDDLEWARE.insert(  # noqa: F405
    MIDDLEWARE.index("portal.middleware.GZipMiddleware") + 1,  # noqa: F405
    "tests.browser.pages.Recorder",
)
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
LOGGING["loggers"]["django.tasks"] = {"level": "WARNING"}  # noqa: F405
# Static files come straight from the finders; there is no collectstatic in tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Federated login: the test service provider key (tests/idp/keys; never used in production).
SAML_SP_KEY_FILE = env("SAML_SP_KEY_FILE", default=str(BASE_DIR / "tests/idp/keys/sp.key"))  # noqa: F405
SAML_SP_CERT_FILE = env("SAML_SP_CERT_FILE", default=str(BASE_DIR / "tests/idp/keys/sp.crt"))  # noqa: F405
