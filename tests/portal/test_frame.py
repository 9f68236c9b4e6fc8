"""The page frame: quick exit, crisis help, security headers, cookies, languages."""

import io
import logging
import os
import re
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import Client

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db

# Every page a reader can reach without filling in a form.
READING_PAGES = [
    "/",
    "/artikelen/",
    "/artikelen/?voor=bedrogen-partner",
    "/artikelen/grenzen-stellen/",
    "/artikelen/grenzen-stellen/werkblad/",
    "/zoeken/",
    "/zoeken/?q=grens",
    "/hulp-nu/",
    "/veilig-surfen/",
    "/privacy/",
    "/steun/",
    "/afspraak/",
    "/en/",
    "/en/artikelen/",
    "/en/hulp-nu/",
]
OTHER_URLS = ["/robots.txt", "/sitemap.xml", "/artikelen/feed/", "/healthz", "/exit/"]


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("url", READING_PAGES)
def test_every_page_has_the_quick_exit_and_crisis_numbers(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    body = html.split("<body>", 1)[1].lstrip()
    # The first link of the page is the hidden quick-exit link, inside a landmark.
    assert body.startswith('<nav class="skip-links" aria-label="')
    assert body.split("\n", 1)[1].startswith(
        '<a class="skip-link" href="/exit/" rel="nofollow noreferrer"'
    )
    assert 'class="quick-exit-button" href="/exit/"' in html
    for number in ("tel:112", "tel:08000113", "tel:08002000"):
        assert number in html
    assert 'href="/hulp-nu/"' in html or "/en/hulp-nu/" in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", READING_PAGES + OTHER_URLS + ["/bestaat-niet/"])
def test_security_headers_on_every_url(client: Client, url: str) -> None:
    response = client.get(url)
    csp = csp_directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"]
    for directive in ("base-uri", "object-src", "frame-ancestors"):
        assert csp[directive] == ["'none'"]
    for directive in ("script-src", "style-src", "img-src", "font-src", "form-action"):
        assert csp[directive] == ["'self'"]
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_static_files_carry_the_security_headers(client: Client) -> None:
    response = client.get("/static/css/site.css")
    assert response.status_code == HTTPStatus.OK
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    response.close()  # a file response holds the file open until closed


@pytest.mark.parametrize("url", READING_PAGES)
def test_reading_sets_no_cookie(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.cookies == {}
    assert "Set-Cookie" not in response.headers


def test_pages_have_no_inline_scripts_or_styles(client: Client) -> None:
    for url in READING_PAGES:
        html = client.get(url).content.decode()
        assert "<script>" not in html
        assert "<style" not in html
        assert " style=" not in html
        assert " onclick=" not in html


@pytest.mark.django_db
def test_exit_ends_the_session_and_clears_the_site(client: Client) -> None:
    session = client.session
    session["something"] = "private"
    session.save()
    session_key = session.session_key
    assert Session.objects.filter(session_key=session_key).exists()

    response = client.get("/exit/")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == settings.QUICK_EXIT_URL
    clear = response["Clear-Site-Data"]
    for kind in ('"cache"', '"cookies"', '"storage"'):
        assert kind in clear
    assert "no-store" in response["Cache-Control"]
    assert not Session.objects.filter(session_key=session_key).exists()


@pytest.mark.django_db
def test_healthz_answers_when_the_database_does(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert response.content == b"ok\n"


def test_robots_keeps_private_pages_out_of_search_engines(client: Client) -> None:
    text = client.get("/robots.txt").content.decode()
    for prefix in ("/afspraak/", "/en/afspraak/", "/exit/", "/beheer/"):
        assert f"Disallow: {prefix}\n" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_english_frame_at_en(client: Client) -> None:
    response = client.get("/en/")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Leave this site quickly" in html
    assert "Articles" in html
    assert "Snel weg" not in html
    dutch = client.get("/").content.decode()
    assert '<html lang="nl">' in dutch
    assert "Snel weg" in dutch


def test_language_switch_links_to_the_same_page(client: Client) -> None:
    html = client.get("/hulp-nu/").content.decode()
    assert 'href="/en/hulp-nu/" hreflang="en"' in html
    html = client.get("/en/hulp-nu/").content.decode()
    assert 'href="/hulp-nu/" hreflang="nl"' in html


def test_not_found_page_is_in_house_style(client: Client) -> None:
    response = client.get("/bestaat-niet/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    html = response.content.decode()
    assert "Deze pagina bestaat niet" in html
    assert 'class="quick-exit-button"' in html


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean_env.pop("DATABASE_URL", None)
    clean_env.pop("REDIS_URL", None)
    clean_env.pop("FIELD_ENCRYPTION_KEYS", None)
    clean_env.pop("EMAIL_DIGEST_KEY", None)
    clean_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x7Qp2" * 10,
    "DJANGO_ALLOWED_HOSTS": "houvast.example",
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "FIELD_ENCRYPTION_KEYS": "kTbq3Jn8c0yZ1mQy0V3e8v4d5Zr2c9Wq7Xo1Lp6Hs0A=",
    "EMAIL_DIGEST_KEY": "a-long-random-production-digest-key",
}


def test_deploy_check_is_clean_with_production_variables() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_an_encryption_key() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "FIELD_ENCRYPTION_KEYS"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is required" in result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_production_uses_secure_host_cookies() -> None:
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "31536000",
        "True",
    ]


@pytest.mark.parametrize(
    ("headers", "secure", "allowed"),
    [
        # Our own form under Referrer-Policy: no-referrer: the browser vouches for the origin.
        ({"HTTP_ORIGIN": "null", "HTTP_SEC_FETCH_SITE": "same-origin"}, False, True),
        ({"HTTP_SEC_FETCH_SITE": "same-origin"}, True, True),
        ({"HTTP_ORIGIN": "http://testserver"}, False, True),
        # Another site posting to us.
        ({"HTTP_ORIGIN": "null", "HTTP_SEC_FETCH_SITE": "cross-site"}, False, False),
        ({"HTTP_ORIGIN": "null"}, False, False),
        ({"HTTP_ORIGIN": "https://evil.example"}, False, False),
        ({"HTTP_SEC_FETCH_SITE": "cross-site"}, True, False),
        # Nothing says where it comes from: without a session, the form token is not enough.
        ({}, False, False),
    ],
)
def test_csrf_protection_works_without_a_referrer(
    make_group, headers: dict[str, str], secure: bool, allowed: bool
) -> None:
    make_group("groep")
    client = Client(enforce_csrf_checks=True)
    form = client.get("/steun/groep/aanmelden/", secure=secure)
    assert not form.cookies  # the token is in the form only
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())[1]
    response = client.post(
        "/steun/groep/aanmelden/",
        {"name": "Saskia", "email": "s@example.org", "consent": "on", "csrfmiddlewaretoken": token},
        secure=secure,
        **headers,
    )
    assert (response.status_code != HTTPStatus.FORBIDDEN) is allowed


def test_csrf_token_is_still_required(make_group) -> None:
    make_group("groep")
    client = Client(enforce_csrf_checks=True)
    client.get("/steun/groep/aanmelden/")
    response = client.post(
        "/steun/groep/aanmelden/",
        {"name": "Saskia", "email": "s@example.org", "consent": "on"},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_reading_pages_are_served_from_memory_and_never_stale(
    client: Client, content_dir: Path
) -> None:
    from articles import content
    from tests.articles.test_content import write_article

    write_article(content_dir, "wisselend", body="Eerste versie.\n")
    content.get_library().refresh(force=True)
    first = client.get("/artikelen/wisselend/")
    again = client.get("/artikelen/wisselend/")
    assert again.content == first.content
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert again["Cross-Origin-Resource-Policy"] == "same-origin"

    write_article(content_dir, "wisselend", body="Tweede versie.\n")
    path = content_dir / "wisselend.md"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    content.get_library().refresh(force=True)
    assert "Tweede versie" in client.get("/artikelen/wisselend/").content.decode()


def test_readers_with_a_cookie_and_form_pages_are_not_cached(client: Client, make_group) -> None:
    make_group("groep")
    form = client.get("/steun/groep/aanmelden/")
    assert not form.cookies  # a signed token in the form, no cookie (portal/csrf.py)
    token_a = form.content.decode().split('name="csrfmiddlewaretoken" value="')[1][:20]
    other = Client()
    token_b = (
        other.get("/steun/groep/aanmelden/")
        .content.decode()
        .split('name="csrfmiddlewaretoken" value="')[1][:20]
    )
    assert token_a != token_b


def test_page_cache_stays_within_its_memory_bounds(rf) -> None:
    from portal.pagecache import ReadingPageCache, reading_page

    @reading_page(params=("q",))
    def page(request):
        return HttpResponse("x" * 1000)

    cache = ReadingPageCache(page)
    cache.MAX_BYTES = 10_000
    for number in range(50):
        cache(rf.get(f"/artikelen/?q={number}"))
    assert cache.size <= 10_000
    assert len(cache.entries) == 10
    assert "/artikelen/?q=49" in cache.entries
    assert "/artikelen/?q=0" not in cache.entries


def test_production_counts_login_attempts_in_a_cache_shared_by_all_app_servers() -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], getattr(s, 'ALLAUTH_TRUSTED_PROXY_COUNT', '-'))"
    )
    result = _manage("shell", "--no-imports", "-c", code, **PRODUCTION_ENV)
    assert result.stdout.split() == ["django.core.cache.backends.db.DatabaseCache", "-"]
    with_redis = {**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0",
                  "DJANGO_TRUSTED_PROXY_COUNT": "1"}  # fmt: skip
    result = _manage("shell", "--no-imports", "-c", code, **with_redis)
    assert result.stdout.split() == ["django.core.cache.backends.redis.RedisCache", "1"]


def test_production_refuses_to_start_without_an_email_digest_key() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_DIGEST_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "EMAIL_DIGEST_KEY is required" in result.stderr


def test_each_app_server_builds_the_search_index_when_it_starts(db, settings) -> None:
    """The first search of a new worker does not wait for the index over every article."""
    from articles import search
    from portal import startup

    search._index_cache.clear()
    startup.warm_up()
    assert search._index_cache, "no index was built"
    # A step that fails (a database not reachable yet) is logged and the process still starts.
    settings.WARM_UP = ["json.loads"]  # raises TypeError without an argument
    logged = io.StringIO()
    handler = logging.StreamHandler(logged)
    logging.getLogger("portal.startup").addHandler(handler)
    try:
        startup.warm_up()
    finally:
        logging.getLogger("portal.startup").removeHandler(handler)
    assert "warm-up json.loads failed" in logged.getvalue()
