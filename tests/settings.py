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
# `make test` runs the suite on every core (pytest-xdist). Each worker clears its caches between
# tests, so on Redis each worker gets a database of its own, counting down from the one given:
# /15 for gw0, /14 for gw1, /13 for gw2. (PostgreSQL test databases get a suffix per worker from
# pytest-django.)
if (_worker := os.environ.get("PYTEST_XDIST_WORKER", "")) and os.environ.get("REDIS_URL"):
    import re as _re

    _url = os.environ["REDIS_URL"].rstrip("/")
    _base = int(_match.group(1)) if (_match := _re.search(r"/(\d+)$", _url)) else 15
    _db = (_base - int(_worker.removeprefix("gw"))) % 16
    os.environ["REDIS_URL"] = _re.sub(r"/\d*$", "", _url) + f"/{_db}"

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
# Busy feeds are served by a local http server in the tests
# (tests/support/booking/test_busyfeeds.py).
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

# A line for every request is production's (portal/observability.py); in the tests it would be
# formatted thousands of times for nobody. Warnings and errors still show with a failing test,
# and tests/portal/test_logs.py turns the request lines back on to read them.
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}  # noqa: F405
