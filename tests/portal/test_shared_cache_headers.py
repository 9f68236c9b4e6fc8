"""What a shared cache (the reverse proxy in deploy/, or any cache on the way) may keep.

Every named URL (tests/url_table.py's table), asked for as its role would: a response that
can differ per visitor (a form token, a session, a message, a visitor's data, a cookie set) must
never be storable by a shared cache; the reading pages, asked for without cookies, must be, by
nginx only (`X-Accel-Expires`), for a few seconds, and only for requests without cookies
(`Vary: Cookie`). No page is storable by the browser (`no-store`): nothing read stays on disk.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.url_table import URLS, client_for, context  # noqa: F401

pytestmark = pytest.mark.django_db

# The pages that are the same for every reader (views marked `reading_page`).
READING_PAGES = {
    "home",
    "crisis_help",
    "safe_browsing",
    "privacy",
    "articles:list",
    "articles:detail",
    "articles:worksheet",
    "articles:search",
    "support:directory",
    "support:entry",
}
READING_QUERIES = {
    "articles:list": {"voor": "bedrogen-partner"},
    "articles:search": {"q": "grens"},
    "support:directory": {"soort": "groep"},
}


def directives(response) -> dict[str, str]:
    control = response.get("Cache-Control", "")
    pairs = (d.strip().partition("=") for d in control.split(",") if d.strip())
    return {name.lower(): value for name, _eq, value in pairs}


def storable_by_shared_cache(response) -> bool:
    """As RFC 9111 and nginx read it: `X-Accel-Expires` (nginx, before Cache-Control), or
    no `private`/`no-store`.

    Without any Cache-Control a cache may still keep some answers heuristically, so that
    counts as storable too.
    """
    if response.get("X-Accel-Expires", "0") != "0":
        return True
    found = directives(response)
    return "private" not in found and "no-store" not in found


def storable_by_browser(response) -> bool:
    return "no-store" not in directives(response)


def path_of(name: str, ctx: dict) -> str:
    if name == "articles:detail":  # an article that exists (the bad-input table takes any)
        from articles.content import get_library

        return get_library().all_published()[0].get_absolute_url()
    entry = URLS[name]
    return reverse(name, kwargs=entry.kwargs(ctx) if entry.kwargs else {})


@pytest.mark.parametrize("name", sorted(URLS))
def test_no_page_for_one_visitor_can_be_kept_by_a_shared_cache(name: str, context) -> None:  # noqa: F811
    entry = URLS[name]
    path = path_of(name, context)
    asks = [("GET", client_for(entry.role, context)), ("POST", client_for(entry.role, context))]
    if entry.role == "anonymous":
        # A reader who has been here before: her csrftoken or session cookie comes along.
        returning = Client()
        returning.cookies["csrftoken"] = "a" * 32
        asks.append(("GET", returning))
    for method, client in asks:
        has_cookies = bool(client.cookies)
        response = client.get(path) if method == "GET" else client.post(path)
        shared = storable_by_shared_cache(response)
        what = f"{method} {path} ({entry.role}, cookies: {has_cookies}) -> {response.status_code}"
        if shared:
            assert method == "GET" and name in READING_PAGES, f"{what}: {response['Cache-Control']}"
            assert not has_cookies and not response.cookies, what
            assert response.status_code == 200, what
            assert b"csrfmiddlewaretoken" not in response.content, what
        if response.cookies or b"csrfmiddlewaretoken" in response.content:
            assert not shared, what
        # A phone keeps no copy of any page of ours in its disk cache.
        assert not storable_by_browser(response), f"{what}: {response.get('Cache-Control')}"


@pytest.mark.parametrize("name", sorted(READING_PAGES))
def test_reading_pages_are_kept_briefly_by_the_proxy_for_readers_without_cookies(
    name: str,
    context,  # noqa: F811
) -> None:
    path = path_of(name, context)
    for _ in range(2):  # made anew, then from the page cache: the same headers
        response = Client().get(path, READING_QUERIES.get(name, {}))
        assert response.status_code == 200
        assert not response.cookies
        # nginx keeps it for a few seconds (and passes no X-Accel-* header on)...
        assert int(response["X-Accel-Expires"]) == settings.READING_PAGE_SHARED_SECONDS <= 10
        # ...read before Cache-Control, which nginx 1.22 would otherwise let win.
        names = [name.lower() for name in response.headers]
        assert names.index("x-accel-expires") < names.index("cache-control")
        # The browser of a shared or watched device keeps nothing, nor does any other cache.
        assert directives(response) == {"no-store": ""}
        vary = {v.strip().lower() for v in response["Vary"].split(",")}
        assert "cookie" in vary and "accept-language" not in vary


def test_static_files_stay_cacheable_for_everyone(client) -> None:
    """Whitenoise's own caching of static files is left alone."""
    response = client.get(settings.STATIC_URL + "css/site.css")
    assert response.status_code == 200
    assert "public" in directives(response)
    assert storable_by_browser(response)
    # A file response holds its file open until closed: read to the end, as a server reads it,
    # and the test client closes it (closed by hand, it would end the module's transaction:
    # tests/shared_rows.py).
    b"".join(response.streaming_content)


def test_a_refused_request_is_never_kept(client) -> None:
    """Error pages made outside the views (a form with a NUL byte, a refused method) are
    private too."""
    nul = client.post(reverse("support:visitor_login"), {"email": "a\x00@example.org"})
    for response in (nul, client.put("/")):
        assert response.status_code in (400, 405)
        assert not storable_by_shared_cache(response)
