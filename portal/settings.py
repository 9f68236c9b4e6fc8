"""Houvast settings: one module, driven by environment variables.

Development defaults are safe (SQLite under var/, DEBUG only when asked). With DEBUG off the
portal refuses to start without what production needs. See README.md for every variable.
"""

import datetime
import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DJANGO_DEBUG")


def required_secret[T: (str, list[str])](name: str, development: T) -> T:
    """A secret from the environment (a list: comma-separated). Production refuses to start
    without it; with debug on, a fixed development value stands in."""
    value = env_list(name) if isinstance(development, list) else os.environ.get(name, "")
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} is required when DJANGO_DEBUG is off.")
    return development


SECRET_KEY = required_secret("DJANGO_SECRET_KEY", "development-only-not-secret")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required when DJANGO_DEBUG is off.")

# Key for the keyed hashes (HMAC) of e-mail addresses that let us find a person's encrypted
# bookings (for "Mijn afspraken", export and erasure) without decrypting every row. It must stay
# the same for as long as the data exists; it is separate from SECRET_KEY, which may be rotated.
EMAIL_DIGEST_KEY = required_secret("EMAIL_DIGEST_KEY", "development-only-email-digest-key")
# Keys for intake answers and contact details at rest (support/fields.py): Fernet keys,
# comma-separated, newest first. Never derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = required_secret(
    "FIELD_ENCRYPTION_KEYS", ["FfHjpS4IZpLHf9kIpCTZv6ZIGGw8rtRd-JikpJv8d2g="]
)

SITE_NAME = os.environ.get("SITE_NAME", "Houvast")
# The public address, for links in e-mails (no trailing slash).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Where the quick exit sends a reader: a neutral, non-personalised Dutch page.
QUICK_EXIT_URL = os.environ.get(
    "QUICK_EXIT_URL", "https://www.knmi.nl/nederland-nu/weer/verwachtingen"
)
# Markdown articles; the benchmark points this at a generated folder.
CONTENT_DIR = Path(os.environ.get("CONTENT_DIR", BASE_DIR / "content"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",  # allauth's session list
    "django.forms",  # the widgets' templates, for FORM_RENDERER
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "portal",
    "articles",
    "support",
    "practice",
]

MIDDLEWARE = [
    "portal.observability.RequestLog",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.shared_cache_control",
    "portal.middleware.security_headers",
    "portal.middleware.client_error_pages",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.pagecache.ReadingPageCache",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "portal.middleware.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "practice.middleware.RequireStaffSecondFactor",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.DataErrorPages",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
                "practice.context_processors.account",
                "portal.csrf.csrf",  # after Django's own: forms without a cookie
            ],
        },
    },
]

# Every form field renders through templates/includes/field.html.
FORM_RENDERER = "portal.forms.FormRenderer"

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# Checks /readyz makes after the database and caches: each returns a problem or None.
READINESS_CHECKS = ["support.operations.worker_problem"]
# Prometheus collectors read from the database at each scrape of /metrics.
METRICS_COLLECTORS = ["support.operations.DatabaseGauges"]
# Run by each app server process when it starts (portal/wsgi.py), so its first visitors do not
# wait for them: the search index over every article and directory entry (portal/startup.py).
WARM_UP = ["articles.search.get_index"]
# How long the reverse proxy (nginx, deploy/) may keep a reading page fetched without cookies
# (`X-Accel-Expires`): changes to content and the directory show within this many seconds.
# Browsers keep no copy (`no-store`). While one request refreshes an expired copy, others get the
# old one, and while the app cannot answer, the proxy serves its copy (nginx's own settings).
READING_PAGE_SHARED_SECONDS = int(os.environ.get("READING_PAGE_SHARED_SECONDS", "5"))
# Rendered articles, remembered by content hash; `check_content` fills it on deploy.
CONTENT_CACHE_DIR = VAR_DIR / "content-cache"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'houvast.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes a writing transaction take the write lock at its start, so concurrent
    # writers queue (up to `timeout` seconds) instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# One cache, shared by every app server: rate-limit counters and locks (allauth's and ours) and
# the versions of cached pages (portal/pagecache.py). Pages never go here (each app server keeps
# them in memory), so nothing a visitor can fill pushes out what keeps the site safe. Without
# Redis, it is a database table made by `migrate` (portal/migrations), in development too, so
# the worker's changes reach the server's pages.
RATE_LIMIT_CACHE_TABLE = "houvast_cache"
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "houvast",
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": RATE_LIMIT_CACHE_TABLE,
            # Counters expire by themselves (expired rows go first when the table is full);
            # the bound is far above what the rate limits let visitors create.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Accounts (django-allauth): staff log in with e-mail address, password and a second factor;
# visitors log in with a one-time code sent by e-mail (support/visitor.py). Nobody can sign up:
# staff accounts are made by invitation in the admin (practice/admin.py).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
# Where a login leads depends on the role: practice.accounts.AccountAdapter.
ACCOUNT_ADAPTER = "practice.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"  # generated by allauth, never shown
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
# Visitors log in with a code of our own (support/visitor.py), which keeps no address before
# it is proved; staff log in with password and second factor.
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
# No "someone tried to log in" mail to addresses without an account: that mail would tell
# whoever reads the inbox that this site was visited.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_SESSION_REMEMBER = False  # a shared device must not stay logged in
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "request_login_code": "20/m/ip,3/m/key",
    # Our own forms (portal/ratelimit.py), per client address and, where a key is given, per
    # booking or e-mail digest.
    "houvast_hold": "20/10m/ip",
    "houvast_submit": "10/10m/ip",
    "houvast_signup": "10/10m/ip",
    "houvast_partner_invite": "10/h/ip,3/h/key",
    "houvast_login_code": "10/10m/ip,3/10m/key",
    "houvast_login_code_confirm": "20/10m/ip,5/10m/key",
    # The code that lets a new browser manage a booking, and messages to the helper: per client
    # and per booking.
    "houvast_booking_code": "10/h/ip,3/h/key",
    "houvast_booking_code_confirm": "20/10m/ip,10/10m/key",
    "houvast_helper_message": "10/h/ip,5/d/key",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# TOTP secrets and recovery-code seeds encrypted with FIELD_ENCRYPTION_KEYS (practice/mfa.py).
MFA_ADAPTER = "practice.mfa.MFAAdapter"
MFA_PASSKEY_LOGIN_ENABLED = False  # a passkey is a second factor here, not a way around one
MFA_RECOVERY_CODE_COUNT = 10
MFA_TRUST_ENABLED = False  # every login asks for the second factor
MFA_TOTP_ISSUER = SITE_NAME
# One period of clock drift or network delay either way (RFC 6238, section 5.2): a code typed in
# the last second of its period still works when it arrives in the next. Each code works once
# (practice/accounts.py keeps it marked used for its whole window).
MFA_TOTP_TOLERANCE = 1
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Activity tracking would write to the database on every request of a logged-in user.
USERSESSIONS_TRACK_ACTIVITY = False
# Behind a proxy, allauth's rate limits take the client address from its header only when told
# how many proxies to trust; otherwise REMOTE_ADDR counts.
if proxy_count := os.environ.get("DJANGO_TRUSTED_PROXY_COUNT"):
    ALLAUTH_TRUSTED_PROXY_COUNT = int(proxy_count)
if client_ip_header := os.environ.get("DJANGO_TRUSTED_CLIENT_IP_HEADER"):
    ALLAUTH_TRUSTED_CLIENT_IP_HEADER = client_ip_header

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Dutch at unprefixed URLs, English under /en/.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# Static files: hashed and compressed by whitenoise.
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 60 * 60  # unhashed names; hashed names are cached for a year anyway

# Security headers. Django's own Content-Security-Policy: nothing from elsewhere, no inline code.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# W003 looks for Django's CSRF middleware by name; ours subclasses it (portal/middleware.py) and
# portal/checks.py makes sure it stays installed.
SILENCED_SYSTEM_CHECKS = ["security.W003"]
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), "
    "payment=(), picture-in-picture=(), publickey-credentials-create=(self), "
    "publickey-credentials-get=(self), screen-wake-lock=(), "
    "usb=(), xr-spatial-tracking=()"
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 4
# No lasting cookie for anyone: the session cookie ends with the browser (the session itself
# after SESSION_COOKIE_AGE), and the CSRF secret lives in the session, not in a cookie of its
# own. A visitor without a session gets a signed form token and no cookie (portal/csrf.py).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_USE_SESSIONS = True
SECURE_COOKIES = env_flag("DJANGO_SECURE_COOKIES", default=not DEBUG)
if SECURE_COOKIES:
    # __Host- cookies are only accepted over HTTPS, for this host and path "/" only.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

if not DEBUG:
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading commits the whole domain to HTTPS in browsers for good: the operator decides.
    SECURE_HSTS_PRELOAD = env_flag("DJANGO_SECURE_HSTS_PRELOAD")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# Behind a TLS-terminating proxy: DJANGO_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO
if proxy_header := os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (proxy_header, "https")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Background tasks (e-mail) in the database, worked by `manage.py task_worker`: a task enqueued in
# a transaction commits or rolls back with it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The periodic jobs and how long after a run begins the next one follows: the one place they
# are listed. The worker queues any that is not planned when it starts (portal/worker.py), and
# each run plans the next, so a fresh deployment cannot forget one.
PERIODIC_TASKS = {
    # Alive for /readyz (stale after two minutes), and coordinators told about stuck mail.
    "support.tasks.worker_heartbeat": datetime.timedelta(seconds=30),
    # Expired intakes erased (abandoned holds lose their answers within an hour), and the
    # tasks of a worker that died on another machine queued again.
    "support.tasks.retention_purge": datetime.timedelta(minutes=30),
    # Helpers' external calendars fetched.
    "support.tasks.busy_feeds_refresh": datetime.timedelta(minutes=15),
}
# Days after a session (or an abandoned request) before its intake and contact details are
# erased by the retention purge.
INTAKE_RETENTION_DAYS = int(os.environ.get("INTAKE_RETENTION_DAYS", "90"))
# A helper's external calendars are fetched over https from public addresses only (no
# server-side request forgery into our own network). Only the tests relax this, to serve feeds
# from a local http server; there is deliberately no environment variable for it.
BUSY_FEEDS_ALLOW_PRIVATE = False
# How often the worker tries an e-mail before it is marked failed (and shown so in the admin).
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "8"))

# Backups (`manage.py backup`, portal/backup.py): where they go, how many are kept, and the
# Fernet key that encrypts them (separate from the data's keys; empty: not encrypted).
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
BACKUP_KEY = os.environ.get("BACKUP_KEY", "")
BACKUP_KEEP_DAILY = int(os.environ.get("BACKUP_KEEP_DAILY", "7"))
BACKUP_KEEP_WEEKLY = int(os.environ.get("BACKUP_KEEP_WEEKLY", "8"))

# E-mail: an SMTP server from the environment; printed to the console in development.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "25")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_flag("EMAIL_USE_TLS"),
            "timeout": 20,
        },
    }
}
if DEBUG and "EMAIL_HOST" not in os.environ:
    MAILERS["default"] = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Prometheus metrics at /metrics (portal/observability.py): for a scraper that sends
# `Authorization: Bearer <METRICS_TOKEN>`, or connects directly (not through a proxy) from one
# of METRICS_ALLOWED_IPS (addresses or networks, comma-separated). Neither set: nobody.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS")
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_network!r} is no address") from _error

# Logs: one JSON object a line with the request id, and nothing personal (portal/observability.py).
# DJANGO_LOG_FORMAT=text gives plain lines for reading in a terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "portal.observability.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "text" if os.environ.get("DJANGO_LOG_FORMAT") == "text" else "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Request lines carry query strings (search terms); keep them out of the logs.
        "django.server": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}
