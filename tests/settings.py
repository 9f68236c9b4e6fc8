"""Test settings: production-like (DEBUG off), served over plain HTTP by the test servers."""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-production-use-0123456789"
)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.pop("DJANGO_DEBUG", None)
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "5YtDE6A0qO7txiSF0RZOcBUG7oSdiAyzFbwZI0xZ5To=")
os.environ.setdefault("EMAIL_DIGEST_KEY", "tests-only-email-digest-key")
# Playwright's sync API runs an event loop in the test thread; the ORM calls made next to it are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from portal.settings import *  # noqa: F403
from portal.settings import BASE_DIR, STORAGES

CONTENT_DIR = BASE_DIR / "tests" / "fixtures" / "content"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The cache is production's: a database table made by `migrate` (SQLite and PostgreSQL), or
# Redis when REDIS_URL is set (CI's PostgreSQL pass), so rate limits are tested where they
# live in production.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
QUICK_EXIT_URL = "https://neutral.example/weer"
# Busy feeds are served by a local http server in the tests (tests/support/test_busyfeeds.py).
BUSY_FEEDS_ALLOW_PRIVATE = True
# Static files straight from static/, as in development; `make bench` measures the collected ones.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A file, not memory: the concurrency tests open one connection per thread. One file per test
# run, so two runs on one machine never share it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _test_db = BASE_DIR / "var" / f"test-houvast-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db)}  # noqa: F405
