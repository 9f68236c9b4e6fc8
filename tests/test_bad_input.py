"""Every named URL, tried with bad input: never a 5xx, and a client error is our own page.

Each URL name has an entry in tests/url_table.py's URLS: who asks (a role), how to fill its
arguments, and the query parameters and form fields it reads. A field's type is read from the
pages themselves (tests/forms_seen.py: the input types of the forms every page of the table
renders, the query parameters of its links), and each field gets the bad values of its type
(tests/bad_values.py: dates bad dates, text bad text, files bad files) plus empty and very long
values, by the method its form is sent with (a form's fields together, each its next value),
and an odd value by GET too; a field found on no page gets a little of every type by GET and
by POST. Then NUL bytes in all fields at once, a body in another charset and a method nobody
uses: these are answered before any view (portal/middleware.py), so each URL gets one charset
and one method, taking turns, and `test_every_unreadable_charset_and_odd_method_on_one_form`
sends them all. The admin's lists get the parameters of their own search and filters, by type.
A URL added without an entry fails tests/test_urls.py.
"""

from __future__ import annotations

import warnings
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.bad_values import CORPUS, EVERY_FIELD, bad_values
from tests.forms_seen import Field, fields_on
from tests.url_table import URLS, client_for, context  # noqa: F401

pytestmark = pytest.mark.django_db

ODD_METHODS = ["PUT", "PATCH", "DELETE", "PROPFIND"]
CHARSETS = ["latin-1", "utf-16", "utf-7", "x-no-such-charset"]
FRAME_MARKER = "data-quick-exit"  # the quick exit: our frame is on every page we render
OTHER_METHOD = ["a\u202eb<"]
NUL = "a\x00b"


def check(response, what: str) -> None:
    status = response.status_code
    assert status < 500, f"{what}: {status}"
    content_type = response.get("Content-Type", "")
    if 400 <= status < 500 and status != HTTPStatus.TOO_MANY_REQUESTS:
        assert response.content, f"{what}: {status} with an empty body"
        if content_type.startswith("text/html"):
            assert FRAME_MARKER in response.content.decode(), f"{what}: not our page"


_SEEN: dict[str, dict[str, Field]] = {}


def fields_seen(ctx: dict) -> dict[str, dict[str, Field]]:
    """The fields of the forms and links on every page of the table that a plain GET by its
    role opens (each step of a form in steps), by the URL name they are sent to. Read once per
    run: they follow from the templates and forms, not from a test's rows."""
    if _SEEN:
        return _SEEN
    found: dict[str, dict[str, Field]] = {}
    clients: dict[str, Client] = {}
    for name, entry in sorted(URLS.items()):
        if entry.status != HTTPStatus.OK:
            continue
        if entry.role not in clients:
            clients[entry.role] = client_for(entry.role, ctx)
        kwargs = entry.kwargs(ctx) if entry.kwargs else {}
        if "step" in kwargs:
            kwargs["step"] = 1
        while True:
            path = reverse(name, kwargs=kwargs)
            response = clients[entry.role].get(path)
            if response.status_code != HTTPStatus.OK:
                break
            for target, fields in fields_on(path, response.content.decode()).items():
                for field_name, seen in fields.items():
                    found.setdefault(target, {}).setdefault(field_name, seen)
            if "step" not in kwargs:
                break
            kwargs = {**kwargs, "step": kwargs["step"] + 1}
    _SEEN.update(found)  # only once all pages were read
    return _SEEN


def field_of(name: str, field_name: str, seen: dict[str, dict[str, Field]]) -> Field | None:
    """The field as a page sends it to this URL, or a field of that name on another form (sent
    by either method), or None: on no page."""
    if own := seen.get(name, {}).get(field_name):
        return own
    for fields in seen.values():
        if field_name in fields:
            return Field(fields[field_name].kind, "", fields[field_name].options)
    return None


def requests_for(path: str, name: str, fields: tuple[str, ...], post: bool, seen: dict):
    yield "GET", path, {}
    methods = ("GET", "POST") if post else ("GET",)
    posted: dict[str, list] = {}
    for field_name in fields:
        found = field_of(name, field_name, seen)
        typed = {found.method.upper()} if found and found.method else set(methods)
        if "POST" in methods and "POST" in typed:
            posted[field_name] = bad_values(found)
        # A form's field goes in the query string too (OTHER_METHOD), in case the view reads it.
        for value in bad_values(found) if "GET" in typed else OTHER_METHOD:
            yield "GET", path, {field_name: value}
    # A view reads a form's fields together (a Django form cleans each field, whatever the
    # others hold), so they get their bad values together: each field its next one.
    for turn in range(max(map(len, posted.values()), default=0)):
        yield "POST", path, {field: values[turn % len(values)] for field, values in posted.items()}
    if fields:
        for method in methods:
            # array-valued fields: the same name twice; NUL bytes (dropped from a query string,
            # refused in a form before any view)
            yield method, path, {field_name: ["a", "b"] for field_name in fields}
            yield method, path, dict.fromkeys(fields, NUL)


def send(client: Client, method: str, path: str, data: dict):
    if method == "GET":
        return client.get(path, data)
    return client.post(path, data)


def describe(data: dict) -> str:
    return str({k: getattr(v, "name", v) for k, v in data.items()})[:80]


def walk(name: str, ctx: dict) -> None:
    entry = URLS[name]
    seen = fields_seen(ctx)
    kwargs = entry.kwargs(ctx) if entry.kwargs else {}
    path = reverse(name, kwargs=kwargs)
    client = client_for(entry.role, ctx)
    for method, url, data in requests_for(path, name, entry.fields, entry.post, seen):
        response = send(client, method, url, data)
        check(response, f"{method} {url} {describe(data)}")
        if method == "POST" and NUL in data.values():
            assert response.status_code == HTTPStatus.BAD_REQUEST, f"POST {path} with NUL"
    turn = sorted(URLS).index(name)
    send_unreadable(client, path, CHARSETS[turn % len(CHARSETS)], entry.fields)
    check(client.generic(ODD_METHODS[turn % len(ODD_METHODS)], path), f"odd method on {path}")


def send_unreadable(client: Client, path: str, charset: str, fields: tuple[str, ...]) -> None:
    """Django refuses a form in any charset but UTF-8: our 400 page, whatever view it is for."""
    body = "&".join(f"{f}=%C3%A9t%E9" for f in fields or ("x",)).encode()
    response = client.generic(
        "POST", path, body, content_type=f"application/x-www-form-urlencoded; charset={charset}"
    )
    check(response, f"POST {path} in {charset}")
    if charset != "x-no-such-charset":  # an unknown charset is read as UTF-8
        assert response.status_code == HTTPStatus.BAD_REQUEST, f"POST {path} in {charset}"


# Three groups, so that `make test` (`--dist loadscope`) walks them on different cores.
STAFF_ROLES = {"helper", "officer", "superuser"}


class TestTheVisitorsSide:
    @pytest.mark.parametrize("name", sorted(n for n in URLS if URLS[n].role not in STAFF_ROLES))
    def test_bad_input_never_gives_a_server_error(self, name: str, context) -> None:  # noqa: F811
        walk(name, context)


class TestTheStaffSide:
    @pytest.mark.parametrize("name", sorted(n for n in URLS if URLS[n].role in STAFF_ROLES))
    def test_bad_input_never_gives_a_server_error(self, name: str, context) -> None:  # noqa: F811
        walk(name, context)


@pytest.mark.parametrize("name", ["support:booking_intake", "practice:availability_rule_add"])
def test_every_unreadable_charset_and_odd_method_on_one_form(name: str, context) -> None:  # noqa: F811
    """What each URL of the walk gets one of, all on a visitor's form and on a helper's."""
    entry = URLS[name]
    path = reverse(name, kwargs=entry.kwargs(context) if entry.kwargs else {})
    client = client_for(entry.role, context)
    for charset in CHARSETS:
        send_unreadable(client, path, charset, entry.fields)
    for method in ODD_METHODS:
        check(client.generic(method, path), f"{method} {path}")


def test_the_fields_of_the_forms_are_read_from_the_pages(context) -> None:  # noqa: F811
    """The walk's types come from the pages: a date field is a date, a file a file."""
    seen = fields_seen(context)
    assert seen["practice:availability_exception_add"]["exception-date"].kind == "date"
    assert seen["practice:availability_rule_add"]["rule-start"].kind == "time"
    assert seen["practice:busy_feed_upload"]["upload-file"].kind == "file"
    assert seen["support:booking_intake"]["email"].kind == "email"
    assert seen["support:booking_intake"]["feels_safe"].method == "post"  # its last step
    assert seen["support:directory"]["soort"].method == "get"
    start = seen["support:booking_week"]["start"]
    assert set(bad_values(start)) >= {*CORPUS["datetime"], *CORPUS["choice"]}


# The admin's changelist reads these query parameters on every model (besides its search's and
# its filters'); `e` and `all` are read for their presence, the value does not matter.
ADMIN_PARAMS = {
    "o": ["", "99", "1.a"],
    "p": ["", "-1", "99999999999999999999999"],
    "e": ["a\x00b"],
    "all": ["a\x00b"],
    "_changelist_filters": ["a\x00b", "status__exact=%00"],
}
FILTER_VALUES = {  # by the filtered field's type
    "choice": ["a\x00b", "niet-bestaand", "<script>alert(1)</script>"],
    "date": ["a\x00b", "9999-12-31", "2026-02-30"],
    # Beyond 64 bits: no database column holds it (portal/middleware.py answers 400).
    "number": ["a\x00b", "-1", "1e309", "99999999999999999999999"],
}
NAIVE_DATETIME = r"DateTimeField .* received a naive datetime"


def admin_params(model_admin: admin.ModelAdmin, request, done: set) -> dict[str, list[str]]:
    """The query parameters a model's changelist reads, each with bad values of its type: the
    search if it has one, each filter's own parameters (by its field's type; a filter on a
    parent model's field once, not again for each child)."""
    params = dict(ADMIN_PARAMS)
    if model_admin.get_search_fields(request):
        params["q"] = [*EVERY_FIELD, *CORPUS["text"][:3]]
    for spec in model_admin.get_changelist_instance(request).filter_specs:
        field = getattr(spec, "field", None)
        kind = "choice"
        if isinstance(field, models.DateField):
            kind = "date"
        elif isinstance(field, (models.IntegerField, models.ForeignKey)):
            kind = "number"
        for param in spec.expected_parameters():
            if (getattr(field, "model", model_admin.model), param) in done:
                continue
            done.add((getattr(field, "model", model_admin.model), param))
            params[param] = ["a\x00b"] if param.endswith("__isnull") else FILTER_VALUES[kind]
    return params


def test_the_admin_never_gives_a_server_error(context) -> None:  # noqa: F811
    """Django's admin, as we registered it: lists with bad filters, pages of missing rows."""
    client = client_for("superuser", context)
    pages = [reverse("admin:index")]
    put = list(pages)
    done: set = set()
    for turn, (model, model_admin) in enumerate(admin.site._registry.items()):
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        changelist = reverse(f"{name}_changelist")
        request = RequestFactory().get(changelist)
        request.user = context["superuser"]
        for param, values in admin_params(model_admin, request, done).items():
            for value in values:
                with warnings.catch_warnings():
                    # The admin's filter on a date and time reads a typed date without a time
                    # zone, and says so; the list answers all the same.
                    warnings.filterwarnings("ignore", NAIVE_DATETIME, RuntimeWarning)
                    response = client.get(changelist, {param: value})
                check(response, f"GET {changelist} {param}={value[:20]!r}")
        own = [
            reverse(f"{name}_add"),
            reverse(f"{name}_change", args=["abc"]),
            reverse(f"{name}_change", args=["999999"]),
            reverse(f"{name}_delete", args=["abc"]),
            reverse(f"{name}_history", args=["999999"]),
        ]
        pages += own
        # The admin reads PUT as GET: one page of each model, each kind of page in turn.
        put.append(own[turn % len(own)])
    for path in pages:
        check(client.get(path), f"GET {path}")
    for path in put:
        check(client.generic("PUT", path), f"PUT {path}")


def test_nul_bytes_are_dropped_from_queries_and_refused_in_forms(client: Client) -> None:
    """PostgreSQL refuses NUL in any text (the admin's search gave a 500 on it)."""
    response = client.get(reverse("articles:search"), {"q": "gren\x00zen"})
    assert response.status_code == HTTPStatus.OK
    assert "‘grenzen’" in response.content.decode()
    response = client.post(reverse("support:visitor_login"), {"email": "a\x00@example.org"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert FRAME_MARKER in response.content.decode()
