"""Settings shared by every mode. Values that differ per deployment come from the environment."""

from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "portal.third_party_apps.AxesConfig",
    "django_filters",
    "ninja",  # django-ninja: the API (api/), its Swagger UI files
    "django_otp",
    "portal.third_party_apps.TotpConfig",
    "portal.third_party_apps.TasksConfig",
    "djangosaml2",
    "portal",
    "principals",
    "agreement",
    "readiness",
    "reporting",
    "api",
    "federation",
    "django.forms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Compresses pages (and static files in development; in production whitenoise serves
    # them precompressed). Django's GZipMiddleware pads each response against BREACH and
    # CSRF tokens are masked per response (docs/adr/0006-compressed-pages.md).
    "portal.middleware.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The SAML login's own short session (outstanding requests, for replay protection).
    "djangosaml2.middleware.SamlSessionMiddleware",
    "portal.middleware.SessionTouchMiddleware",
    "portal.middleware.LanguageMiddleware",
    # A reading request reads the figures' data versions once (portal/request_memo.py).
    "portal.request_memo.RequestMemoMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.otp_devices.CachedOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.login_throttle.LoginThrottleMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]
FORM_RENDERER = "portal.form_rendering.PortalFormRenderer"


def pooled(database: dict) -> dict:
    """PostgreSQL through Django's connection pool; other databases as they are."""
    if database["ENGINE"] == "django.db.backends.postgresql":
        # A request waits at most 5 s for a connection (a sync worker needs one at a time),
        # so /healthz answers 503 promptly when the database is down.
        database.setdefault("OPTIONS", {})["pool"] = {"timeout": 5}
        database["CONN_MAX_AGE"] = 0
        # Every query binds its parameters on the server, so psycopg prepares one it has run
        # five times on a pooled connection and PostgreSQL stops planning it again
        # (docs/adr/0021-queries-bound-on-the-server.md). Needs Django's pool or a direct
        # connection, not an external pooler in transaction mode: DATABASE_SERVER_BINDING=False
        # binds in the client as Django does by default (then only reporting/cache.py's
        # version query is prepared).
        database["OPTIONS"].setdefault("prepare_threshold", 5)
        # The planner told that reading a page out of order costs little more than in order,
        # as on SSDs and with the data in memory (PostgreSQL's default, 4, is for spinning
        # disks): the register is then read in Swedish name order from its index instead of
        # sorted by ICU each time (docs/adr/0023-csv-files-written-by-postgresql.md).
        cost = env.float("DATABASE_RANDOM_PAGE_COST", default=1.1)
        database["OPTIONS"].setdefault("options", f"-c random_page_cost={cost}")
        if env.bool("DATABASE_SERVER_BINDING", default=True):
            database["OPTIONS"]["server_side_binding"] = True
    return database


DATABASES = {
    "default": pooled(env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A second connection to the same database, so a job's progress is visible while its work
    # is still in one transaction (portal/jobs.py). Tests use the default connection for it.
    DATABASES["progress"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}

# Background work (docs/adr/0012-background-work.md): tasks are rows in the portal's own
# database, written in the transaction of the change that causes them, and run by
# `manage.py worker` processes (django-tasks-db; any number, on any machine).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "mail", "jobs"],
    }
}
# How many drain tasks share a large batch of e-mail (each sends until nothing is due).
MAIL_DRAINS = env.int("MAIL_DRAINS", default=4)
# A temporarily refused message is tried again after this many seconds, then four times
# longer each time (at most six hours between tries), at most this many times in all.
MAIL_RETRY_SECONDS = env.float("MAIL_RETRY_SECONDS", default=60)
MAIL_MAX_ATTEMPTS = env.int("MAIL_MAX_ATTEMPTS", default=8)
# A running job that has not reported for this long lost its worker and is queued again.
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=10 * 60)
JOB_MAX_ATTEMPTS = 3
# Files made by jobs (PDFs, exports) are copies made on request: deleted after this many days.
JOB_FILE_DAYS = env.int("JOB_FILE_DAYS", default=30)
# The organisation named as the final report's creator in its archival package (docs/archive.md).
ARCHIVE_CREATOR_NAME = env("ARCHIVE_CREATOR_NAME", default="Sveriges Kommuner och Regioner")
ARCHIVE_CREATOR_ID = env("ARCHIVE_CREATOR_ID", default="222000-0315")  # organisationsnummer

# CACHE_URL: locmemcache:// (default, one cache per process); in production one cache shared
# by all workers, preferably redis://host:6379/0 (django-redis), or dbcache://cache_table
# (then `manage.py createcachetable`). The dashboards keep computed figures here
# (reporting/cache.py); with a shared cache also sessions, users and permissions (below).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Every key starts with this, so two installations sharing one Redis (test and production,
# two portals) never read or delete each other's entries: give each its own.
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="skoldigistod")
SHARED_CACHE = not CACHES["default"]["BACKEND"].endswith((".LocMemCache", ".DummyCache"))

AUTHENTICATION_BACKENDS = [
    "portal.login_throttle.LoginThrottleBackend",
    "axes.backends.AxesStandaloneBackend",
    "portal.backends.PortalModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:start"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after this many seconds without a request (inactivity timeout).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=60 * 60 * 2)
# Activity keeps the session alive; it is rewritten at most once a minute (SessionTouchMiddleware).
SESSION_TOUCH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache when all processes share one (Redis, database) and written
# through to the database; a per-process cache (the default) could keep a logged-out session
# alive in another worker, so then they are read from the database. The same holds for the
# signed-in users and their permissions kept by portal.backends.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if SHARED_CACHE
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling: five failures for the same user name from the same address locks for 15 min.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "portal.login_throttle.client_address"
# Besides that, against password spraying and distributed guessing (portal/login_throttle.py):
# failures from one client address across all user names, and failures for one user name from
# all addresses, each within the window. Reaching either refuses further logins (even a right
# password) from that address, or to that user name, until the window has passed. Axes cannot
# do this: it has one limit for all its parameters, and a success resets an address's count.
# Counted in the default cache, so production needs a shared one (CACHE_URL, Redis).
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=30)
LOGIN_FAILURES_PER_USERNAME = env.int("LOGIN_FAILURES_PER_USERNAME", default=10)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
# Proxies in front of the portal that append the client's address to X-Forwarded-For (nginx:
# `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`). 0: the client is
# REMOTE_ADDR. Behind a proxy, set it, or every client looks like the proxy to both limits.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Two-step verification (TOTP): required of programme staff, government viewers and
# administrators when on (production turns it on); anyone else may opt in.
REQUIRE_2FA_FOR_STAFF = env.bool("REQUIRE_2FA_FOR_STAFF", default=False)
OTP_TOTP_ISSUER = "Skoldigistöd"
OTP_TOTP_THROTTLE_FACTOR = 1  # waits of 1, 2, 4, 8 ... seconds after successive wrong codes
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret
# Before someone whose role requires two steps sets up (or replaces a lost) device, a code
# e-mailed to the account must be given, so a password alone never opens anything. A code
# lasts this long (and so does the permission to set up a device once it is given), allows
# this many wrong tries, and a new one can be had after a pause, a few times an hour.
TWO_FACTOR_EMAIL_CODE_SECONDS = env.int("TWO_FACTOR_EMAIL_CODE_SECONDS", default=15 * 60)
TWO_FACTOR_EMAIL_CODE_ATTEMPTS = 5
TWO_FACTOR_EMAIL_RESEND_SECONDS = 60
TWO_FACTOR_EMAIL_CODES_PER_HOUR = 5

# Retention of personal data (docs/privacy.md): `manage.py retention_purge` (daily, or the
# portal.tasks.retention_purge task) deletes or pseudonymises each kind of record this many
# days after the date named in its rule (portal/retention.py; apps register their own).
RETENTION_LOGIN_LOG_DAYS = env.int("RETENTION_LOGIN_LOG_DAYS", default=90)
RETENTION_SESSION_DAYS = env.int("RETENTION_SESSION_DAYS", default=0)
RETENTION_INVITATION_DAYS = env.int("RETENTION_INVITATION_DAYS", default=30)
RETENTION_INACTIVE_ACCOUNT_DAYS = env.int("RETENTION_INACTIVE_ACCOUNT_DAYS", default=2 * 365)
RETENTION_REMOVED_ACCOUNT_DEVICE_DAYS = env.int("RETENTION_REMOVED_ACCOUNT_DEVICE_DAYS", default=30)
RETENTION_EMAIL_CODE_DAYS = env.int("RETENTION_EMAIL_CODE_DAYS", default=1)
RETENTION_MAIL_DAYS = env.int("RETENTION_MAIL_DAYS", default=365)
RETENTION_IMPORT_FILE_DAYS = env.int("RETENTION_IMPORT_FILE_DAYS", default=30)
RETENTION_FEEDBACK_DAYS = env.int("RETENTION_FEEDBACK_DAYS", default=2 * 365)

# The accessibility statement (/tillganglighet/, lagen (2018:1937), DIGG's guidance):
# the status and dates are facts of the last assessment; change them when it is redone.
# "full", "partial" or "none" (helt, delvis, inte förenlig med EN 301 549 / WCAG 2.1 AA).
ACCESSIBILITY_COMPLIANCE = env("ACCESSIBILITY_COMPLIANCE", default="partial")
ACCESSIBILITY_ASSESSED_ON = env("ACCESSIBILITY_ASSESSED_ON", default="2026-12-04")  # ISO date
ACCESSIBILITY_UPDATED_ON = env("ACCESSIBILITY_UPDATED_ON", default="2026-12-04")  # ISO date
# `manage.py check` warns when the assessment is older than this (review at least yearly).
ACCESSIBILITY_REVIEW_DAYS = 365
# Feedback from the statement's form goes to these addresses (empty: to programme staff);
# a client address may send this many messages an hour.
ACCESSIBILITY_FEEDBACK_TO = env.list("ACCESSIBILITY_FEEDBACK_TO", default=[])
ACCESSIBILITY_FEEDBACK_PER_HOUR = env.int("ACCESSIBILITY_FEEDBACK_PER_HOUR", default=5)

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# EMAIL_URL: smtp://user:pass@host:587/?tls=True, consolemail:// (default) or filemail:///path
_email = env.email_url("EMAIL_URL", default="consolemail://")
_email_options = {}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _email_options = {
        "host": _email["EMAIL_HOST"],
        "port": _email["EMAIL_PORT"] or 25,
        "username": _email["EMAIL_HOST_USER"] or None,
        "password": _email["EMAIL_HOST_PASSWORD"] or None,
        "use_tls": bool(_email.get("EMAIL_USE_TLS")),
        "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
        "timeout": 20,
    }
elif _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    _email_options = {"file_path": _email["EMAIL_FILE_PATH"]}
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Skoldigistöd <noreply@skoldigistod.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

ADMIN_URL = env("ADMIN_URL", default="admin/")

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{levelname} {name}: {message}", "style": "{"},
        "json": {"()": "portal.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("LOG_FORMAT", default="plain"),
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint reports each layout step at INFO; its warnings (a refused URL) still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Federated login (federation/, docs/login.md). The portal is a SAML service provider; the
# IdPs come from each federation's metadata, fetched by `manage.py federation_refresh_metadata`
# and used only once its signature (by the federation's certificate) and validUntil check out.
# FEDERATIONS is a JSON list of {"name": ..., "source": path or URL, "cert": PEM file}.
FEDERATIONS = env.json("FEDERATIONS", default=[])
FEDERATION_METADATA_DIR = env("FEDERATION_METADATA_DIR", default=str(BASE_DIR / "var/federation"))
FEDERATION_METADATA_TIMEOUT = env.int("FEDERATION_METADATA_TIMEOUT", default=30)
FEDERATION_SP_BASE_URL = env("FEDERATION_SP_BASE_URL", default="http://127.0.0.1:8000")
FEDERATION_CONTACT_EMAIL = env("FEDERATION_CONTACT_EMAIL", default="skoldigistod@skr.se")
XMLSEC_BINARY = env("XMLSEC_BINARY", default="/usr/bin/xmlsec1")
SAML_SP_KEY_FILE = env("SAML_SP_KEY_FILE", default="")
SAML_SP_CERT_FILE = env("SAML_SP_CERT_FILE", default="")
SAML_CONFIG_LOADER = "federation.saml.sp_config"
SAML_SESSION_COOKIE_NAME = "saml_session"
# The IdP's answer is a cross-site POST in production, so there the cookie is SameSite=None
# (and Secure, see production.py); a local IdP on 127.0.0.1 is same-site.
SAML_SESSION_COOKIE_SAMESITE = env("SAML_SESSION_COOKIE_SAMESITE", default="Lax")
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_CSP_HANDLER = ""  # the portal's own CSP applies; the SAML pages send nothing inline
SAML_IGNORE_LOGOUT_ERRORS = True

# e-legitimation (federation/oidc.py, docs/login.md): one OpenID Connect provider, an e-ID
# broker (Freja eID, BankID and others behind it). Off while OIDC_RP_CLIENT_ID is empty. The
# endpoints default to the issuer's own paths; set each from the broker's discovery document.
OIDC_OP_ISSUER = env("OIDC_OP_ISSUER", default="").rstrip("/")
OIDC_OP_NAME = env("OIDC_OP_NAME", default="e-legitimation")
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env(
    "OIDC_OP_AUTHORIZATION_ENDPOINT", default=OIDC_OP_ISSUER + "/authorize"
)
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", default=OIDC_OP_ISSUER + "/token")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default=OIDC_OP_ISSUER + "/userinfo")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default=OIDC_OP_ISSUER + "/jwks")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid profile")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
OIDC_AUTHENTICATION_CALLBACK_URL = "eid:callback"
# The assurance level asked for and required in the ID token's `acr` (DIGG's levels); a login
# at level 3 or higher also counts as the second step of two-step verification.
OIDC_REQUIRED_LOA = env("OIDC_REQUIRED_LOA", default="http://id.elegnamnden.se/loa/1.0/loa3")

# API (api/, docs/api.md): requests per key per minute (counted in the shared cache), and how
# long each request made with a key is kept in its log.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=120)
API_KEY_USE_DAYS = env.int("API_KEY_USE_DAYS", default=90)
