"""Chorus settings: one file, read from the environment.

Every variable is listed with its default in README.md.
"""

import base64
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import dj_email_url
import django_stubs_ext

from chorus.core.logs import logging_config
from chorus.operations.sentry import sentry_init

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise ValueError(f"{name} must be true or false, not {value!r}")
    return value in ("true", "1", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.getenv("DATA_DIR", str(BASE_DIR / "var")))


def _secret_key() -> str:
    """The key from SECRET_KEY, or one generated once into an ignored local file."""
    if key := os.getenv("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        # O_EXCL: when two processes start at once, only one key is ever written.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _encryption_keys() -> list[str]:
    """Fernet keys, newest first, from ENCRYPTION_KEYS or one generated into DATA_DIR."""
    if keys := envlist("ENCRYPTION_KEYS", ""):
        return keys
    path = DATA_DIR / "encryption_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                # A Fernet key: 32 random bytes, URL-safe base64.
                handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return [path.read_text().strip()]


ENCRYPTION_KEYS = _encryption_keys()
DEBUG = envbool("DEBUG", "false")
# The site's public address, in every link Chorus writes (tracked links, emails, OAuth
# redirects): set it behind a proxy; `make run` sets it from HOST and PORT.
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = envlist(
    "ALLOWED_HOSTS",
    ",".join(dict.fromkeys(["127.0.0.1", "localhost", urlsplit(SITE_URL).hostname or ""])),
)
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_NAME = os.getenv("SITE_NAME", "Chorus")

# Covering indexes (Index(include=...)) speed up PostgreSQL; SQLite builds them without the
# included columns, which is fine: do not warn about it on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "django_htmx",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "chorus.core",
    "chorus.accounts",
    "chorus.notifications",
    "chorus.notifications.email",
    "chorus.notifications.slack",
    "chorus.notifications.teams",
    "chorus.notifications.webpush",
    "chorus.content",
    "chorus.links",
    "chorus.sharing",
    "chorus.analytics",
    "chorus.gamification",
    "chorus.writing",
    "chorus.training",
    "chorus.reach",
    "chorus.care",
    "chorus.surveys",
    "chorus.community",
    "chorus.pilot",
    "chorus.webhooks",
    "chorus.identity",
    "chorus.identity.mfa",
    "chorus.identity.scim",
    "chorus.privacy",
    "chorus.operations",
    "chorus.demo",
]

MIDDLEWARE = [
    # The request id, log context and metrics; /healthz, /readyz and /metrics answered here.
    "chorus.operations.middleware.RequestContextMiddleware",
    # An identity provider's SCIM calls: the host check and SecurityMiddleware, then the view.
    "chorus.identity.scim.middleware.ScimEarlyMiddleware",
    "chorus.api.middleware.ApiErrorsAsJsonMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "chorus.accounts.middleware.MemberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "chorus.accounts.middleware.OrganizationMiddleware",
    "chorus.identity.mfa.middleware.MfaRequiredMiddleware",
    "chorus.links.middleware.MemberLinkMiddleware",
    # Binds the user's and organization's ids to the request's log lines.
    "chorus.operations.middleware.RequestIdentityMiddleware",
]

ROOT_URLCONF = "chorus.urls"
WSGI_APPLICATION = "chorus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "chorus" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chorus.accounts.context_processors.organization",
                "chorus.notifications.context_processors.unread",
                "chorus.navigation.navigation",
            ],
        },
    },
]

DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{DATA_DIR / 'chorus.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", "0"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web processes read while the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
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

# django-allauth: invitation-only sign-up, sign-in by email.
ACCOUNT_ADAPTER = "chorus.identity.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "chorus.identity.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
ACCOUNT_SESSION_REMEMBER = None
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# Single sign-on per organization (chorus/identity): allauth's apps are built from each
# organization's IdentityProvider by the adapter; a first SSO sign-in at a verified domain
# makes the member (just in time) and never shows a sign-up form; the provider's email is
# trusted only at the organization's verified domains (the adapter checks), never matched
# to another account by email alone.
SOCIALACCOUNT_ADAPTER = "chorus.identity.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_QUERY_EMAIL = True

# Two-step sign-in (allauth.mfa, chorus/identity/mfa): an authenticator app, security keys
# and passkeys, recovery codes. Secrets are encrypted by the adapter; the app's name is
# the issuer the authenticator app shows. WebAuthn needs HTTPS except in development.
MFA_ADAPTER = "chorus.identity.mfa.adapter.MfaAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = SITE_NAME
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

_email = dj_email_url.parse(os.getenv("EMAIL_URL", "console:"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "10")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "Chorus <chorus@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en"
# The languages a member can choose in Settings; without a choice, the browser's (Accept-Language).
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
# Each app keeps its own catalog (chorus/<app>/locale/); chorus/locale holds the shared
# templates' and the shell's. The apps come first, so that `manage.py makemessages` run
# from the repository puts every string in its own app's catalog.
LOCALE_PATHS = [
    *sorted(path for path in (BASE_DIR / "chorus").glob("*/locale") if path.is_dir()),
    BASE_DIR / "chorus" / "locale",
]
# Chorus' own date, time and number formats per language (chorus/formats/<lang>/).
FORMAT_MODULE_PATH = ["chorus.formats"]
TIME_ZONE = os.getenv("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "chorus" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
# Images attached to posts: checked with Pillow before they are stored.
POST_IMAGE_MAX_BYTES = envint("POST_IMAGE_MAX_BYTES", str(5 * 1024 * 1024))
POST_IMAGE_MAX_PIXELS = envint("POST_IMAGE_MAX_PIXELS", str(40_000_000))
POST_IMAGE_TYPES = ["JPEG", "PNG", "GIF", "WEBP"]

# Outbound HTTP (link previews, feeds): SSRF-safe client limits.
HTTP_TIMEOUT = float(os.getenv("HTTP_TIMEOUT", "10"))
# Seconds a webhook endpoint has to answer each delivery (chorus/webhooks).
WEBHOOK_TIMEOUT = float(os.getenv("WEBHOOK_TIMEOUT", "10"))
HTTP_MAX_BYTES = envint("HTTP_MAX_BYTES", str(5 * 1024 * 1024))
HTTP_USER_AGENT = os.getenv("HTTP_USER_AGENT", "Chorus/0.1 (+https://github.com/chorus)")
# Only tests turn this on, to reach servers they run on loopback.
HTTP_ALLOW_LOOPBACK = envbool("HTTP_ALLOW_LOOPBACK", "false")
# Tests of several processes only (with HTTP_ALLOW_LOOPBACK): a network's origin served by a
# fake on loopback, "https://mastodon.example=http://127.0.0.1:8999,…".
HTTP_LOOPBACK_ORIGINS = dict(
    item.split("=", 1) for item in envlist("HTTP_LOOPBACK_ORIGINS", "") if "=" in item
)
FEED_POLL_MINUTES = envint("FEED_POLL_MINUTES", "30")
# How often each scheduler takes or renews its lock: the failover time after the active one
# dies (a scheduler on another machine takes over at its next heartbeat).
SCHEDULER_HEARTBEAT_SECONDS = envint("SCHEDULER_HEARTBEAT_SECONDS", "60")

# Slack (chorus/notifications/slack): the deployment's Slack app, made once by the operator
# at api.slack.com/apps (README: "Slack"). Without the client id and secret, admins are told
# what to set instead of an "Add to Slack" button. The two URLs change only in tests.
SLACK_CLIENT_ID = os.getenv("SLACK_CLIENT_ID", "")
SLACK_CLIENT_SECRET = os.getenv("SLACK_CLIENT_SECRET", "")
SLACK_SIGNING_SECRET = os.getenv("SLACK_SIGNING_SECRET", "")
SLACK_API_URL = os.getenv("SLACK_API_URL", "https://slack.com/api/")
SLACK_AUTHORIZE_URL = os.getenv("SLACK_AUTHORIZE_URL", "https://slack.com/oauth/v2/authorize")
SLACK_TIMEOUT = envint("SLACK_TIMEOUT", "10")

# Web Push (chorus/notifications/webpush): the deployment's VAPID key (PEM, or base64url of
# the raw key or its DER form; without it, one is made once and kept in the database) and
# the contact push services may write to (mailto: or https:; default: DEFAULT_FROM_EMAIL).
VAPID_PRIVATE_KEY = os.getenv("VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = os.getenv("VAPID_SUBJECT", "")
# The push services Chorus posts to (hosts and their subdomains; "*": any public host).
WEBPUSH_SERVICES = envlist(
    "WEBPUSH_SERVICES",
    "fcm.googleapis.com,android.googleapis.com,push.services.mozilla.com,push.apple.com,"
    "notify.windows.com",
)

# Tracked links: where answered clicks wait for the drainer ("file": one append-only file
# per web process under DATA_DIR/clicks, drained by a worker on the same machine; "redis":
# a Redis stream, when several machines serve links). The stream uses REDIS_URL.
CLICKS_BACKEND = os.getenv("CLICKS_BACKEND", "file")
CLICKS_DIR = Path(os.getenv("CLICKS_DIR", str(DATA_DIR / "clicks")))
CLICKS_REDIS_URL = os.getenv("CLICKS_REDIS_URL", os.getenv("REDIS_URL", ""))
LINK_CACHE_SECONDS = envint("LINK_CACHE_SECONDS", "60")
# How many of the newest links each web process loads into its cache when it starts.
LINK_PRELOAD = envint("LINK_PRELOAD", "200000")

# Uploads: the CSV import reads at most this many bytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MEMBER_IMPORT_MAX_BYTES = envint("MEMBER_IMPORT_MAX_BYTES", str(2 * 1024 * 1024))
MEMBER_IMPORT_MAX_ROWS = envint("MEMBER_IMPORT_MAX_ROWS", "5000")
INVITATION_VALID_DAYS = envint("INVITATION_VALID_DAYS", "14")
# Surveys: the fewest answers any result shows (a group, a question, free text); never
# below 5, whatever this says (chorus/surveys/selectors/results.py).
SURVEY_MIN_ANSWERS = max(5, envint("SURVEY_MIN_ANSWERS", "5"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if envbool("SECURE_COOKIES", "false"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
BEHIND_PROXY = envbool("BEHIND_PROXY", "false")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The service worker (/sw.js) and the web app manifest are our own.
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

REDIS_URL = os.getenv("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        # django-tasks-db's, carrying the enqueuing request's id into the task's log lines.
        "BACKEND": os.getenv("TASKS_BACKEND", "chorus.core.task_backend.DatabaseBackend"),
    }
}

NINJA_PAGINATION_PER_PAGE = 50

# Logs: JSON lines on stdout (LOG_FORMAT=json, the default in production) or readable
# lines (console, the default with DEBUG), Django's and every app's (chorus/core/logs.py).
LOG_FORMAT = os.getenv("LOG_FORMAT", "console" if DEBUG else "json")
LOG_LEVEL = os.getenv("LOG_LEVEL", "INFO").upper()
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)

# Operations (chorus/operations): /metrics answers only a bearer of this token (without
# it, /metrics is a 404). Several worker processes: set PROMETHEUS_MULTIPROC_DIR (README).
METRICS_TOKEN = os.getenv("METRICS_TOKEN", "")
# Errors to Sentry (or a compatible service) when set; nothing is sent without it.
SENTRY_DSN = os.getenv("SENTRY_DSN", "")
SENTRY_TRACES_SAMPLE_RATE = float(os.getenv("SENTRY_TRACES_SAMPLE_RATE", "0"))
SENTRY_ENVIRONMENT = os.getenv("SENTRY_ENVIRONMENT", "production")
if SENTRY_DSN:
    sentry_init(
        dsn=SENTRY_DSN,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        environment=SENTRY_ENVIRONMENT,
    )
