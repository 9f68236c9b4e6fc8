"""Every named URL, tried with bad input: never a 5xx, and a client error is our own page.

Each URL name has an entry in tests/url_table.py's URLS: who asks (a role), how to fill its
arguments, and the query parameters and form fields it reads. Each parameter and field is then
sent every value of a small corpus of bad input, by GET and by POST, plus bodies in another
charset and methods nobody uses. A URL added without an entry fails tests/test_urls.py.
"""

from __future__ import annotations

import datetime
import itertools
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.url_table import URLS, client_for, context  # noqa: F401

pytestmark = pytest.mark.django_db

SOON = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=3)
BAD_VALUES = [
    "",
    "x" * 20_000,
    "a\x00b",
    "\u202e\ufeff",  # a bidi override and a byte-order mark
    "-1",
    "99999999999999999999999",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    # A time soon, with offsets beyond ±14:00 that PostgreSQL cannot store (Python reads them).
    f"{SOON}T18:30:00-23:59",
    f"{SOON}T18:30:00+14:01",
    "<script>alert(1)</script>",
]
ODD_METHODS = ["PUT", "PATCH", "DELETE", "PROPFIND"]
FRAME_MARKER = "data-quick-exit"  # the quick exit: our frame is on every page we render


ADMIN_FIELDS = ("q", "o", "p", "e", "all", "_changelist_filters", "status__exact")


def check(response, what: str) -> None:
    status = response.status_code
    assert status < 500, f"{what}: {status}"
    content_type = response.get("Content-Type", "")
    if 400 <= status < 500 and status != HTTPStatus.TOO_MANY_REQUESTS:
        assert response.content, f"{what}: {status} with an empty body"
        if content_type.startswith("text/html"):
            assert FRAME_MARKER in response.content.decode(), f"{what}: not our page"


def requests_for(path: str, fields: tuple[str, ...], post: bool):
    yield "GET", path, {}
    for name, value in itertools.product(fields, BAD_VALUES):
        yield "GET", path, {name: value}
        if post:
            yield "POST", path, {name: value}
    if fields:
        # Array-valued fields: the same name twice.
        yield "GET", path, {name: ["a", "b"] for name in fields}
        if post:
            yield "POST", path, {name: ["a", "b"] for name in fields}


def send(client: Client, method: str, path: str, data: dict):
    if method == "GET":
        return client.get(path, data)
    return client.post(path, data)


@pytest.mark.parametrize("name", sorted(URLS))
def test_bad_input_never_gives_a_server_error(name: str, context) -> None:  # noqa: F811
    entry = URLS[name]
    kwargs = entry.kwargs(context) if entry.kwargs else {}
    path = reverse(name, kwargs=kwargs)
    client = client_for(entry.role, context)
    for method, url, data in requests_for(path, entry.fields, entry.post):
        check(send(client, method, url, data), f"{method} {url} {str(data)[:80]}")
    # Django refuses a form in any charset but UTF-8: our 400 page, whatever view it is for.
    for charset in ("latin-1", "utf-16", "utf-7", "x-no-such-charset"):
        body = "&".join(f"{f}=%C3%A9t%E9" for f in entry.fields or ("x",)).encode()
        response = client.generic(
            "POST", path, body, content_type=f"application/x-www-form-urlencoded; charset={charset}"
        )
        check(response, f"POST {path} in {charset}")
        if charset != "x-no-such-charset":  # an unknown charset is read as UTF-8
            assert response.status_code == HTTPStatus.BAD_REQUEST, f"POST {path} in {charset}"
    for method in ODD_METHODS:
        check(client.generic(method, path), f"{method} {path}")


ADMIN_VALUES = ["", "a\x00b", "x" * 20_000, "-1", "9999-12-31", "[]"]


def test_the_admin_never_gives_a_server_error(context) -> None:  # noqa: F811
    """Django's admin, as we registered it: lists with bad filters, pages of missing rows."""
    client = client_for("superuser", context)
    checked = [reverse("admin:index")]
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        changelist = reverse(f"{name}_changelist")
        for field_name, value in itertools.product(ADMIN_FIELDS, ADMIN_VALUES):
            response = client.get(changelist, {field_name: value})
            check(response, f"GET {changelist} {field_name}={value[:20]!r}")
        checked += [
            reverse(f"{name}_add"),
            reverse(f"{name}_change", args=["abc"]),
            reverse(f"{name}_change", args=["999999"]),
            reverse(f"{name}_delete", args=["abc"]),
            reverse(f"{name}_history", args=["999999"]),
        ]
    for path in checked:
        check(client.get(path), f"GET {path}")
        check(client.generic("PUT", path), f"PUT {path}")


def test_nul_bytes_are_dropped_from_queries_and_refused_in_forms(client: Client) -> None:
    """PostgreSQL refuses NUL in any text (the admin's search gave a 500 on it)."""
    response = client.get(reverse("articles:search"), {"q": "gren\x00zen"})
    assert response.status_code == HTTPStatus.OK
    assert "‘grenzen’" in response.content.decode()
    response = client.post(reverse("support:visitor_login"), {"email": "a\x00@example.org"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert FRAME_MARKER in response.content.decode()
