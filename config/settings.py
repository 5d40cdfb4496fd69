"""Fidela's settings: one file, read from the environment.

Every variable is listed in the README. A bad value stops the process at start with a message
that names the variable (see config/env.py).
"""

import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_raw,
    env_str,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# pytest sets this module up itself; it must not need a secret from the environment.
TESTING = "pytest" in sys.modules

SECRET_KEY = env_raw("SECRET_KEY") or ""
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (a long random string; for development "
            "set DEBUG=true instead; "
            "SECRET_KEY_FILE may name a file holding it)."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "loyalty.csrf.csrf_failure"  # a styled "open too long" page, HTMX-aware
for _origin in CSRF_TRUSTED_ORIGINS:
    if "://" not in _origin:
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS: {_origin!r} needs a scheme, e.g. https://{_origin}"
        )
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "csp",
    "loyalty",
    "members",
    "rewards",
    "campaigns",
    "feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "loyalty.tenancy.middleware.TenantMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "loyalty.portal.context_processors.tenant",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default so that a fresh machine runs with no server. It is set up for
# concurrent use by the web server and the task worker: WAL journal, a busy timeout, and
# IMMEDIATE transactions so that two writers queue instead of failing with "database is locked".
_default_sqlite = f"sqlite:///{BASE_DIR / 'fidela.sqlite3'}"
try:
    _db = dj_database_url.parse(env_str("DATABASE_URL") or _default_sqlite, conn_max_age=60)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_HEALTH_CHECKS"] = True
    # psycopg prepares a statement run this often on a connection; only the cursors that bind
    # on the server can (loyalty.compiled.bound_cursor: the statements of every sale). Django's
    # own cursors bind on the client and never prepare. Behind PgBouncer in transaction mode
    # this needs PgBouncer 1.21+ with max_prepared_statements set, or PREPARE_THRESHOLD=0.
    _prepare = env_int("PREPARE_THRESHOLD", 5, minimum=0)
    _db.setdefault("OPTIONS", {})["prepare_threshold"] = _prepare or None
else:
    raise ImproperlyConfigured(
        f"DATABASE_URL: {_db['ENGINE']} is not supported; use postgres:// or sqlite://."
    )
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and task queue ---------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "fidela_cache",
        }
    }

Q_CLUSTER = {
    "name": "fidela",
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

# --- Authentication (django-allauth) ----------------------------------------------------------
AUTH_USER_MODEL = "loyalty.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "start"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "ACCOUNT_EMAIL_VERIFICATION", "mandatory", ["mandatory", "optional", "none"]
)
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
# Members sign in to their card page with a code mailed to them; they have no password.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# The join page mails the code that opens the new card: time to switch to the mail app and back
# (allauth's default is 3 minutes). Three wrong codes still void it.
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "loyalty.tenancy.adapters.AccountAdapter"
# allauth's rate limits are on by default; these are stated so they are visible and tunable.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
# The client's address, for every per-IP limit (sign-in, join page, voucher guesses, SMS codes):
# behind a reverse proxy, say how many proxies append to X-Forwarded-For, or which header the
# proxy sets; otherwise every client would look like the proxy and share one limit.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER", "") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Django's admin is not mounted unless asked for. When it is, its sign-in is allauth's (with
# two-factor and the limits above): its own password form would skip both.
ADMIN_ENABLED = env_bool("ADMIN_ENABLED", False)
MFA_TOTP_ISSUER = "Fidela"

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# django.core.mail.backends.filebased.EmailBackend (what `make run` uses): one file per email.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Fidela <noreply@fidela.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- SMS --------------------------------------------------------------------------------------
# Dotted path of the SMS backend (members/sms.py): "members.sms.ConsoleBackend" prints them.
# Empty: SMS is not configured, and the member sign-in offers no phone option.
SMS_BACKEND = env_str("SMS_BACKEND", "") or None
# members.sms.FileBackend: the folder it writes one file per message into.
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(BASE_DIR / "sms-messages"))
# members.sms.JsonHttpBackend (an example provider adapter): where it POSTs, with which key.
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_API_KEY = env_str("SMS_HTTP_API_KEY", "")

# --- Feedback ---------------------------------------------------------------------------------
# Dotted path of the comment analyser (feedback/analysis): language, sentiment and topics.
FEEDBACK_ANALYSER = env_str("FEEDBACK_ANALYSER", "feedback.analysis.builtin.BuiltinAnalyser")
SMS_HTTP_SENDER = env_str("SMS_HTTP_SENDER", "Fidela")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10, minimum=1)

# --- Webhooks ---------------------------------------------------------------------------------
# Development and tests only: lets webhook endpoints use http and loopback addresses.
WEBHOOKS_ALLOW_INSECURE = env_bool("WEBHOOKS_ALLOW_INSECURE", False)

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ro", _("Romanian")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates as Europe writes them (3 Dec 2026, 21:05): config/formats/en/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")

# --- Static and media files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security ---------------------------------------------------------------------------------
# Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG and not TESTING)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every answer, pages, API and errors alike: scripts
# only from our own origin and never inline (behaviour lives in static/js), no plugins, no
# framing, forms post only here. A page's own <style> (a merchant's brand colours) carries the
# request's nonce, `<style nonce="{{ request.csp_nonce }}">`; style attributes are not allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["loyalty.api.parsers.SafeJSONParser"],
    # Errors as application/problem+json (RFC 9457) with the domain error's code.
    "EXCEPTION_HANDLER": "loyalty.api.problems.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
# The platform's ceiling on a merchant's API requests per second per key: the business profile
# refuses more, and the throttle never grants more (32,767 is the column's own limit).
API_RATE_MAX = env_int("API_RATE_MAX", 100, minimum=1, maximum=32_767)
# bench/api.py only: mounts a bare view that inserts one row, to compare with the real API.
API_BENCH_VIEW = env_bool("API_BENCH_VIEW", False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Fidela Shop API",
    "DESCRIPTION": (
        "Report purchases and refunds from a till or a web shop, identify and enrol members, "
        "redeem rewards and use vouchers. Authenticate with the shop's key: "
        "`Authorization: Bearer <key>`. Errors are application/problem+json (RFC 9457) with a "
        "stable `code`; their `title` and `detail` speak the request's `Accept-Language` (en, "
        "ro, ru), else the merchant's default language. Every POST accepts an `Idempotency-Key` "
        "header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page's scripts and styles come from drf-spectacular-sidecar: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
