"""A small Django project that is an OpenID Connect provider (django-oidc-provider) playing an
e-ID broker: demo people log in by choosing themselves, at the assurance level each has.
Never part of the portal; started by tests and `make idps` (tests/oidc_op/run.py)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "test-oidc-provider-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
SITE_URL = os.environ.get("OIDC_OP_BASE_URL", "http://127.0.0.1:9190")
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.oidc_op.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("OIDC_OP_DATABASE", str(BASE_DIR / "op.sqlite3")),
    }
}
USE_TZ = True
LOGIN_URL = "/login/"
# Cookies apart from the portal's (both run on 127.0.0.1 / localhost).
SESSION_COOKIE_NAME = "op_sessionid"
CSRF_COOKIE_NAME = "op_csrftoken"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OIDC_IDTOKEN_PROCESSING_HOOK = "tests.oidc_op.people.id_token_claims"
OIDC_USERINFO = "tests.oidc_op.people.userinfo"
OIDC_SKIP_CONSENT_EXPIRE = 0
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
