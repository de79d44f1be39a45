"""Local development: SQLite unless DATABASE_URL says otherwise, e-mail to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-secret")
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
STATIC_ROOT = None  # served from the finders by runserver; collectstatic is for production
WHITENOISE_USE_FINDERS = True
# Federated login: the test service provider key (tests/idp/keys; never used in production).
SAML_SP_KEY_FILE = env("SAML_SP_KEY_FILE", default=str(BASE_DIR / "tests/idp/keys/sp.key"))  # noqa: F405
SAML_SP_CERT_FILE = env("SAML_SP_CERT_FILE", default=str(BASE_DIR / "tests/idp/keys/sp.crt"))  # noqa: F405
