"""Every named URL, tried with bad input: never a 5xx, and a client error is our own page.

Each URL name has an entry in URLS (or, for the admin, the rule for its namespace): who asks
(a role), how to fill its arguments, and the query parameters and form fields it reads. Each
parameter and field is then sent every value of a small corpus of bad input, by GET and by
POST, plus bodies in another charset and methods nobody uses. A URL added without an entry
fails `test_every_named_url_has_an_entry`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from support import links, operations
from support.booking import partner as partner_services
from support.directory import services as directory_services
from support.models import Offer

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    "",
    "x" * 20_000,
    "a\x00b",
    "\u202e\ufeff",  # a bidi override and a byte-order mark
    "-1",
    "99999999999999999999999",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "<script>alert(1)</script>",
]
ODD_METHODS = ["PUT", "PATCH", "DELETE", "PROPFIND"]
FRAME_MARKER = "data-quick-exit"  # the quick exit: our frame is on every page we render


@dataclass
class Entry:
    role: str = "anonymous"  # anonymous, visitor, helper, officer, superuser
    kwargs: Callable[[dict], dict] | None = None
    fields: tuple[str, ...] = ()  # query parameters and form fields the view reads
    post: bool = True  # whether a POST is worth trying (views that only GET answer 405)
    notes: str = field(default="")


BOOKING_TOKEN = lambda ctx: {"token": ctx["booking_token"]}  # noqa: E731
PARTNER_TOKEN = lambda ctx: {"token": ctx["partner_token"]}  # noqa: E731
OWN_BOOKING = lambda ctx: {"pk": ctx["booking"].pk}  # noqa: E731
INTAKE_FIELDS = (
    "name", "email", "phone", "contact_preference", "consent", "role", "what_happened",
    "disclosure", "disclosure_when", "partner_knows", "partner_joins", "hopes", "wants_longer",
    "feels_safe",
)  # fmt: skip

URLS: dict[str, Entry] = {
    "home": Entry(post=False),
    "crisis_help": Entry(post=False),
    "safe_browsing": Entry(post=False),
    "privacy": Entry(post=False),
    "exit": Entry(),
    "healthz": Entry(),
    "readyz": Entry(),
    "metrics": Entry(post=False),
    "robots_txt": Entry(post=False),
    "sitemap": Entry(fields=("p", "section"), post=False),
    "articles:list": Entry(fields=("voor", "onderwerp", "pagina"), post=False),
    "articles:detail": Entry(kwargs=lambda ctx: {"slug": ctx["article"]}, post=False),
    "articles:feed": Entry(post=False),
    "articles:search": Entry(fields=("q", "pagina"), post=False),
    "articles:worksheet": Entry(post=False),
    "support:directory": Entry(fields=("soort", "voor", "waar", "geloof", "kosten"), post=False),
    "support:entry": Entry(kwargs=lambda ctx: {"slug": ctx["group"].slug}, post=False),
    "support:signup": Entry(
        kwargs=lambda ctx: {"slug": ctx["group"].slug},
        fields=("name", "email", "phone", "message", "consent", "website"),
    ),
    "support:signup_manage": Entry(kwargs=lambda ctx: {"token": ctx["signup_token"]}),
    "support:booking_start": Entry(post=False),
    "support:booking_choose": Entry(post=False),
    "support:booking_week": Entry(
        kwargs=lambda ctx: {"offer_id": ctx["offer"].pk}, fields=("week", "start")
    ),
    "support:booking_intake": Entry(
        role="holder", kwargs=lambda ctx: {"step": 1}, fields=INTAKE_FIELDS
    ),
    "support:booking_summary": Entry(role="holder"),
    "support:booking_individual": Entry(role="holder"),
    "support:booking_manage": Entry(kwargs=BOOKING_TOKEN, fields=("partner", "email", "nieuw")),
    "support:booking_reschedule": Entry(kwargs=BOOKING_TOKEN, fields=("week", "start")),
    "support:my_bookings": Entry(role="visitor", post=False),
    "support:visitor_login": Entry(fields=("email",)),
    "support:visitor_code": Entry(role="code", fields=("code",)),
    "support:visitor_logout": Entry(role="visitor"),
    "support:partner_start": Entry(kwargs=PARTNER_TOKEN),
    "support:partner_intake": Entry(
        role="partner", kwargs=lambda ctx: {**PARTNER_TOKEN(ctx), "step": 2}, fields=INTAKE_FIELDS
    ),
    "support:partner_summary": Entry(role="partner", kwargs=PARTNER_TOKEN),
    "practice:dashboard": Entry(role="helper", fields=("week",), post=False),
    "practice:booking": Entry(role="helper", kwargs=OWN_BOOKING, post=False),
    "practice:booking_action": Entry(
        role="helper",
        kwargs=lambda ctx: {**OWN_BOOKING(ctx), "action": "voorstellen"},
        fields=("start", "message"),
    ),
    "practice:intake": Entry(role="helper", kwargs=OWN_BOOKING, post=False),
    "practice:partner_intake": Entry(role="helper", kwargs=OWN_BOOKING, post=False),
    "practice:availability": Entry(
        role="helper",
        fields=(
            "what",
            "id",
            "rule-weekday",
            "rule-start",
            "rule-end",
            "exception-date",
            "exception-start",
            "exception-end",
        ),
    ),
    "practice:person": Entry(role="officer", fields=("email",)),
    "practice:person_export": Entry(role="officer", fields=("email", "format")),
    "practice:person_erase": Entry(role="officer", fields=("email", "confirm")),
    # allauth's pages, as we configured them.
    "account_login": Entry(fields=("login", "password", "next")),
    "account_logout": Entry(role="helper"),
    "account_signup": Entry(fields=("email", "password1", "password2")),
    "account_confirm_login_code": Entry(fields=("code",)),
    "account_reset_password": Entry(fields=("email",)),
    "account_reset_password_done": Entry(post=False),
    "account_reset_password_from_key": Entry(
        kwargs=lambda ctx: {"uidb36": "zz", "key": "set-password"},
        fields=("password1", "password2"),
    ),
    "account_reset_password_from_key_done": Entry(post=False),
    "account_change_password": Entry(
        role="helper", fields=("oldpassword", "password1", "password2")
    ),
    "account_set_password": Entry(role="helper", fields=("password1", "password2")),
    "account_email": Entry(role="helper", fields=("email", "action_add", "action_remove")),
    "account_email_verification_sent": Entry(post=False),
    "account_inactive": Entry(post=False),
    "account_reauthenticate": Entry(role="helper", fields=("password",)),
    "mfa_index": Entry(role="helper", post=False),
    "mfa_authenticate": Entry(fields=("code",)),
    "mfa_reauthenticate": Entry(role="helper", fields=("code",)),
    "mfa_activate_totp": Entry(role="helper", fields=("code",)),
    "mfa_deactivate_totp": Entry(role="helper", fields=("code",)),
    "mfa_view_recovery_codes": Entry(role="helper", post=False),
    "mfa_generate_recovery_codes": Entry(role="helper"),
    "mfa_download_recovery_codes": Entry(role="helper", post=False),
    "mfa_add_webauthn": Entry(role="helper", fields=("name", "credential", "passwordless")),
    "mfa_list_webauthn": Entry(role="helper", post=False),
    "mfa_edit_webauthn": Entry(role="helper", kwargs=lambda ctx: {"pk": 999}, fields=("name",)),
    "mfa_remove_webauthn": Entry(role="helper", kwargs=lambda ctx: {"pk": 999}),
    "mfa_reauthenticate_webauthn": Entry(role="helper", fields=("credential",)),
    "usersessions_list": Entry(role="helper"),
}
ADMIN_FIELDS = ("q", "o", "p", "e", "all", "_changelist_filters", "status__exact")


def named_urls(patterns=None, namespace: str | None = None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_named_url_has_an_entry() -> None:
    names = set(named_urls())
    missing = sorted(n for n in names if n not in URLS and not n.startswith("admin:"))
    assert not missing, f"add these URLs to tests/test_bad_input.py: {missing}"
    assert not set(URLS) - names, "entries for URLs that no longer exist"


@pytest.fixture
def context(make_booking, make_group, make_account, real_content) -> dict:
    booking = make_booking()
    intake = partner_services.partner_invite(booking=booking)
    group = make_group("groep")
    signup = directory_services.group_signup(
        group=group, name="Saskia", email="saskia@example.org"
    ).signup
    helper = make_account("helper", "anita.helper@example.org", helper=booking.helper)
    operations.beat()  # the worker is running, so /readyz answers 200
    return {
        "booking": booking,
        "offer": Offer.objects.get(
            helper=booking.helper, conversation_type=booking.conversation_type
        ),
        "booking_token": links.booking_token(booking),
        "partner_token": links.partner_token(intake),
        "group": group,
        "signup_token": links.signup_token(signup),
        "article": sorted(p.stem for p in real_content.glob("*.md"))[0],
        "helper": helper,
        "officer": make_account("privacy_officer", "privacy@example.org"),
        "superuser": make_account("superuser", "beheer@example.org"),
    }


def client_for(role: str, ctx: dict, url: str | None = None) -> Client:
    client = Client()
    if role in ("helper", "officer", "superuser"):
        client.force_login(ctx[role])
    elif role == "visitor":
        session = client.session
        session["visitor"] = {"digest": ctx["booking"].email_digest}
        session.save()
    elif role == "code":
        client.post(reverse("support:visitor_login"), {"email": "saskia@example.org"})
    elif role == "holder":
        week = reverse("support:booking_week", kwargs={"offer_id": ctx["offer"].pk})
        html = client.get(week, follow=True).content.decode()
        start = html.split('name="start" value="', 1)[1].split('"', 1)[0]
        client.post(week, {"start": start})
    elif role == "partner":
        start = reverse("support:partner_start", kwargs={"token": ctx["partner_token"]})
        client.post(start)
    return client


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
def test_bad_input_never_gives_a_server_error(name: str, context) -> None:
    entry = URLS[name]
    kwargs = entry.kwargs(context) if entry.kwargs else {}
    path = reverse(name, kwargs=kwargs)
    client = client_for(entry.role, context)
    for method, url, data in requests_for(path, entry.fields, entry.post):
        check(send(client, method, url, data), f"{method} {url} {str(data)[:80]}")
    for charset in ("latin-1", "utf-16", "x-no-such-charset"):
        body = "&".join(f"{f}=%C3%A9t%E9" for f in entry.fields or ("x",)).encode()
        response = client.generic(
            "POST", path, body, content_type=f"application/x-www-form-urlencoded; charset={charset}"
        )
        check(response, f"POST {path} in {charset}")
    for method in ODD_METHODS:
        check(client.generic(method, path), f"{method} {path}")


ADMIN_VALUES = ["", "a\x00b", "x" * 20_000, "-1", "9999-12-31", "[]"]


def test_the_admin_never_gives_a_server_error(context) -> None:
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
