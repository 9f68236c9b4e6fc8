"""One table of every named URL of the site, shared by the tests that visit them all.

Each URL name has an entry in URLS (the admin's names follow from its registry): who asks (a
role), how to fill its arguments, the query parameters and form fields it reads, and what a
plain GET by that role answers. tests/test_urls.py visits every URL with it, and fails when a
URL has no entry; tests/test_bad_input.py sends every field bad input;
tests/portal/test_shared_cache_headers.py checks what a shared cache may keep.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from articles.content import get_library
from support import links, operations
from support.booking import helper as helper_side
from support.booking import partner as partner_services
from support.models import Offer
from tests.shared_rows import shared_rows
from tests.staff_fixtures import PASSWORD, new_account, new_booking_with_partner, totp_code
from tests.support_fixtures import new_booking, new_group, new_helper, new_offer, proved_signup

OK, FOUND, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = (
    HTTPStatus.OK,
    HTTPStatus.FOUND,
    HTTPStatus.FORBIDDEN,
    HTTPStatus.NOT_FOUND,
    HTTPStatus.METHOD_NOT_ALLOWED,
)


@dataclass
class Entry:
    role: str = "anonymous"  # anonymous, visitor, linkholder, helper, officer, superuser
    kwargs: Callable[[dict], dict] | None = None
    fields: tuple[str, ...] = ()  # query parameters and form fields the view reads
    post: bool = True  # whether a POST is worth trying (views that only GET answer 405)
    notes: str = field(default="")
    # What a plain GET by the role answers, and where a redirect leads (the path's start).
    status: int = OK
    location: str = ""


BOOKING_TOKEN = lambda ctx: {"token": ctx["booking_token"]}  # noqa: E731
PARTNER_TOKEN = lambda ctx: {"token": ctx["partner_token"]}  # noqa: E731
OWN_BOOKING = lambda ctx: {"pk": ctx["booking"].pk}  # noqa: E731
ITEM = lambda ctx: {"item": 999}  # noqa: E731  (one she does not have: nothing happens)
INTAKE_FIELDS = (
    "name", "email", "phone", "contact_preference", "consent", "role", "what_happened",
    "disclosure", "disclosure_when", "partner_knows", "partner_joins", "hopes", "wants_longer",
    "feels_safe", "wants_calendar", "wants_updates",
)  # fmt: skip

# allauth asks for the password again before a page that changes the second factor.
REAUTH = {"status": FOUND, "location": "/account/reauthenticate/?next="}

URLS: dict[str, Entry] = {
    "home": Entry(post=False),
    "crisis_help": Entry(post=False),
    "safe_browsing": Entry(post=False),
    "english_start": Entry(post=False, status=FOUND, location="/artikelen/", notes="English: /en/"),
    "privacy": Entry(post=False),
    "exit": Entry(status=FOUND, location="https://"),
    "healthz": Entry(),
    "readyz": Entry(),
    "metrics": Entry(post=False, status=FORBIDDEN, notes="a token or an allowed address only"),
    "robots_txt": Entry(post=False),
    "sitemap": Entry(fields=("p", "section"), post=False),
    "articles:list": Entry(fields=("voor", "onderwerp", "pagina"), post=False),
    "articles:detail": Entry(kwargs=lambda ctx: {"slug": ctx["article"]}, post=False),
    "articles:feed": Entry(post=False),
    "articles:search": Entry(fields=("q", "pagina"), post=False),
    "articles:worksheet": Entry(post=False),
    "support:directory": Entry(
        fields=("soort", "voor", "waar", "geloof", "kosten", "mannen", "pagina"), post=False
    ),
    "support:entry": Entry(kwargs=lambda ctx: {"slug": ctx["group"].slug}, post=False),
    "support:signup": Entry(
        kwargs=lambda ctx: {"slug": ctx["group"].slug},
        fields=("name", "email", "phone", "message", "consent", "website"),
    ),
    "support:signup_manage": Entry(
        kwargs=lambda ctx: {"token": ctx["signup_token"]}, fields=("bevestigen",)
    ),
    "support:booking_start": Entry(post=False),
    "support:booking_choose": Entry(fields=("hulpverlener",), post=False),
    "support:booking_week": Entry(
        kwargs=lambda ctx: {"offer_id": ctx["offer"].pk}, fields=("week", "start")
    ),
    "support:booking_week_first_free": Entry(
        kwargs=lambda ctx: {"type_slug": ctx["offer"].conversation_type.slug},
        fields=("week", "start"),
        notes="two helpers offer the booking's conversation type (the context's second helper)",
    ),
    "support:booking_intake": Entry(
        role="holder", kwargs=lambda ctx: {"step": 1}, fields=INTAKE_FIELDS
    ),
    "support:booking_summary": Entry(role="holder"),
    "support:booking_hold_extend": Entry(role="holder", fields=("next",), status=NOT_ALLOWED),
    # The holder's helper offers one mode: it is chosen already, so the page sends her on.
    "support:booking_mode": Entry(
        role="holder", fields=("mode",), status=FOUND, location="/afspraak/stap/1/"
    ),
    "support:booking_individual": Entry(role="holder", status=NOT_ALLOWED),
    # The private link only leads to the page without the token (support/booking/journey.py).
    "support:booking_manage": Entry(
        kwargs=BOOKING_TOKEN, fields=("nieuw",), post=False, status=FOUND, location="/afspraak/"
    ),
    "support:booking_page": Entry(
        role="visitor", kwargs=OWN_BOOKING, fields=("partner", "email", "note", "text", "nieuw")
    ),
    "support:booking_code": Entry(role="linkholder", kwargs=OWN_BOOKING, fields=("code", "send")),
    "support:booking_reschedule": Entry(
        role="visitor", kwargs=OWN_BOOKING, fields=("week", "start")
    ),
    # Without a time to confirm, back to the week.
    "support:booking_reschedule_confirm": Entry(
        role="visitor", kwargs=OWN_BOOKING, fields=("start",), status=FOUND, location="/afspraak/"
    ),
    "support:booking_way_answer": Entry(
        role="visitor", kwargs=OWN_BOOKING, fields=("accept",), status=NOT_ALLOWED
    ),
    "support:booking_calendar": Entry(
        role="visitor",
        kwargs=OWN_BOOKING,
        post=False,
        status=NOT_FOUND,
        notes="her confirmed session only",
    ),
    "support:my_bookings": Entry(role="visitor", post=False),
    "support:visitor_login": Entry(fields=("email",)),
    "support:visitor_code": Entry(role="code", fields=("code",)),
    "support:visitor_logout": Entry(role="visitor", status=NOT_ALLOWED),
    "support:partner_start": Entry(kwargs=PARTNER_TOKEN),
    "support:partner_intake": Entry(
        role="partner", kwargs=lambda ctx: {**PARTNER_TOKEN(ctx), "step": 2}, fields=INTAKE_FIELDS
    ),
    "support:partner_summary": Entry(role="partner", kwargs=PARTNER_TOKEN),
    "practice:dashboard": Entry(role="helper", fields=("week",), post=False),
    "practice:booking": Entry(role="helper", kwargs=OWN_BOOKING, post=False),
    "practice:booking_confirm": Entry(
        role="helper",
        kwargs=OWN_BOOKING,
        fields=("video_link", "outside_hours_ok"),
        status=NOT_ALLOWED,
    ),
    "practice:booking_video_link": Entry(
        role="helper", kwargs=OWN_BOOKING, fields=("video_link",), status=NOT_ALLOWED
    ),
    "practice:booking_decline": Entry(
        role="helper", kwargs=OWN_BOOKING, fields=("message",), status=NOT_ALLOWED
    ),
    "practice:booking_propose": Entry(
        role="helper", kwargs=OWN_BOOKING, fields=("start", "message"), status=NOT_ALLOWED
    ),
    "practice:booking_propose_way": Entry(
        role="helper", kwargs=OWN_BOOKING, fields=("mode", "message"), status=NOT_ALLOWED
    ),
    "practice:booking_extend": Entry(role="helper", kwargs=OWN_BOOKING, status=NOT_ALLOWED),
    "practice:booking_cancel": Entry(role="helper", kwargs=OWN_BOOKING, status=NOT_ALLOWED),
    "practice:booking_keep": Entry(role="helper", kwargs=OWN_BOOKING, status=NOT_ALLOWED),
    "practice:booking_completed": Entry(role="helper", kwargs=OWN_BOOKING, status=NOT_ALLOWED),
    "practice:booking_no_show": Entry(role="helper", kwargs=OWN_BOOKING, status=NOT_ALLOWED),
    "practice:intakes": Entry(
        role="helper", kwargs=lambda ctx: {"pk": ctx["partnered"].pk}, post=False
    ),
    "practice:intake": Entry(role="helper", kwargs=OWN_BOOKING, post=False),
    "practice:partner_intake": Entry(
        role="helper", kwargs=lambda ctx: {"pk": ctx["partnered"].pk}, post=False
    ),
    "practice:availability": Entry(role="helper", post=False),
    "practice:availability_rule_add": Entry(
        role="helper", fields=("rule-weekday", "rule-start", "rule-end"), status=NOT_ALLOWED
    ),
    "practice:availability_rule_remove": Entry(
        role="helper", kwargs=ITEM, fields=("seen",), status=NOT_ALLOWED
    ),
    "practice:availability_exception_add": Entry(
        role="helper",
        fields=("exception-date", "exception-start", "exception-end", "exception-seen"),
        status=NOT_ALLOWED,
    ),
    "practice:availability_exception_remove": Entry(
        role="helper", kwargs=ITEM, fields=("seen",), status=NOT_ALLOWED
    ),
    "practice:availability_limits": Entry(
        role="helper", fields=("limits-per_day", "limits-per_week"), status=NOT_ALLOWED
    ),
    "practice:availability_offer_rules": Entry(
        role="helper",
        kwargs=lambda ctx: {"offer_id": ctx["offer"].pk},
        fields=("notice_hours", "buffer_before", "buffer_after", "horizon_days", "step_minutes"),
        status=NOT_ALLOWED,
    ),
    "practice:busy_feed_add": Entry(role="helper", fields=("feed-url",), status=NOT_ALLOWED),
    "practice:busy_feed_upload": Entry(role="helper", fields=("upload-file",), status=NOT_ALLOWED),
    "practice:busy_feed_remove": Entry(role="helper", kwargs=ITEM, status=NOT_ALLOWED),
    "practice:modes": Entry(
        role="helper",
        fields=(
            "modes",
            "address",
            "route",
            "access",
            "video_link",
            "client_phone",
            "client_email",
        ),
    ),
    "practice:calendar_link": Entry(role="helper"),
    "practice:calendar_feed_names": Entry(role="helper", fields=("show",), status=NOT_ALLOWED),
    "practice:calendar_feed": Entry(
        kwargs=lambda ctx: {"token": ctx["calendar_token"]},
        post=False,
        notes="fetched by calendar clients without a login; the token is the key",
    ),
    "practice:person": Entry(role="officer", fields=("email",)),
    "practice:person_export": Entry(role="officer", fields=("email", "format"), status=NOT_ALLOWED),
    "practice:person_erase": Entry(role="officer", fields=("email", "confirm"), status=NOT_ALLOWED),
    # allauth's pages, as we configured them.
    "account_login": Entry(fields=("login", "password", "next")),
    "account_logout": Entry(role="helper"),
    "account_signup": Entry(fields=("email", "password1", "password2")),
    "account_confirm_login_code": Entry(fields=("code",), status=FOUND, location="/account/login/"),
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
    "account_set_password": Entry(
        role="helper",
        fields=("password1", "password2"),
        status=FOUND,
        location="/account/password/change/",
    ),
    "account_email": Entry(role="helper", fields=("email", "action_add", "action_remove")),
    "account_email_verification_sent": Entry(post=False, status=FOUND, location="/account/login/"),
    "account_inactive": Entry(post=False),
    "account_reauthenticate": Entry(role="helper", fields=("password",)),
    "mfa_index": Entry(role="helper", post=False),
    "mfa_authenticate": Entry(fields=("code",), status=FOUND, location="/account/login/"),
    "mfa_reauthenticate": Entry(role="helper", fields=("code",)),
    "mfa_activate_totp": Entry(role="helper", fields=("code",), **REAUTH),
    "mfa_deactivate_totp": Entry(role="helper", fields=("code",), **REAUTH),
    "mfa_view_recovery_codes": Entry(role="helper", post=False, **REAUTH),
    "mfa_generate_recovery_codes": Entry(role="helper", **REAUTH),
    "mfa_download_recovery_codes": Entry(role="helper", post=False, **REAUTH),
    "mfa_add_webauthn": Entry(
        role="helper", fields=("name", "credential", "passwordless"), **REAUTH
    ),
    "mfa_list_webauthn": Entry(role="helper", post=False),
    "mfa_edit_webauthn": Entry(
        role="helper", kwargs=lambda ctx: {"pk": 999}, fields=("name",), **REAUTH
    ),
    "mfa_remove_webauthn": Entry(role="helper", kwargs=lambda ctx: {"pk": 999}, **REAUTH),
    "mfa_reauthenticate_webauthn": Entry(
        role="helper", fields=("credential",), status=FOUND, location="/account/reauthenticate/"
    ),
    "usersessions_list": Entry(role="helper"),
}


# The admin's own pages; each registered model's five pages follow from its registry
# (tests/test_urls.py visits them with real rows).
ADMIN_URLS: dict[str, Entry] = {
    "admin:index": Entry(role="superuser"),
    "admin:login": Entry(status=FOUND, location="/account/login/?next="),
    "admin:logout": Entry(role="superuser", status=NOT_ALLOWED),
    "admin:password_change_done": Entry(role="superuser"),
    "admin:autocomplete": Entry(
        role="superuser", status=FORBIDDEN, notes="without a field to complete"
    ),
    "admin:jsi18n": Entry(role="superuser"),
    "admin:app_list": Entry(role="superuser", kwargs=lambda ctx: {"app_label": "support"}),
    "admin:view_on_site": Entry(
        role="superuser",
        kwargs=lambda ctx: ctx["view_on_site"],
        status=FOUND,
        location="http://testserver/steun/groep/",
    ),
}


def named_urls(patterns=None, namespace: str | None = None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


STAFF_ROLES = ("helper", "officer", "superuser")


def url_rows_made() -> dict:
    """The rows the table's URLs name, made once per module (tests/shared_rows.py)."""
    partnered = new_booking_with_partner()  # a couples' booking whose partner answered too
    booking = new_booking(days=6)
    # A second helper offers the same conversation: "Eerst beschikbare hulpverlener".
    new_offer(
        booking.conversation_type.slug,
        helper=new_helper("bea-voorbeeld", takes_bookings=True),
    )
    intake = partner_services.partner_invite(booking=booking)
    group = new_group("groep")
    signup = proved_signup(group=group, name="Saskia", email="saskia@example.org").signup
    helper = new_account("helper", "anita.helper@example.org", helper=booking.helper)
    RecoveryCodes.activate(helper)
    return {
        "booking": booking,
        "offer": Offer.objects.get(
            helper=booking.helper, conversation_type=booking.conversation_type
        ),
        "booking_token": links.booking_token(booking),
        "partner_token": links.partner_token(intake),
        "group": group,
        "signup_token": links.signup_token(signup),
        "partnered": partnered,
        "calendar_token": helper_side.helper_calendar_token_renew(helper=booking.helper),
        "helper": helper,
        "officer": new_account("privacy_officer", "privacy@example.org"),
        "superuser": new_account("superuser", "beheer@example.org"),
        "view_on_site": {
            "content_type_id": ContentType.objects.get_for_model(group).pk,
            "object_id": group.pk,
        },
    }


@pytest.fixture(scope="module")
def url_rows(request, django_db_blocker):
    """Registered in tests/conftest.py, so that each module using `context` finds it."""
    yield from shared_rows(request, django_db_blocker, url_rows_made)


@pytest.fixture
def context(url_rows, real_content, db) -> dict:
    """The module's rows for one test, with the real articles served and the worker seen."""
    operations.beat()  # the worker is running, so /readyz answers 200
    return {**copy.deepcopy(url_rows), "article": get_library().all_published()[0].slug}


def log_in_with_second_factor(client: Client, user) -> None:
    """Log in as staff do: e-mail and password, then the authenticator's code."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == FOUND, response.status_code
    assert response["Location"].startswith(reverse("mfa_authenticate")), response["Location"]
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == FOUND, response.content.decode()[:500]


def client_for(role: str, ctx: dict, url: str | None = None, *, log_in: bool = False) -> Client:
    """A client acting as `role`; staff are logged in directly, or with `log_in` through the
    login form and their second factor."""
    client = Client()
    if role in STAFF_ROLES:
        if log_in:
            log_in_with_second_factor(client, ctx[role])
        else:
            client.force_login(ctx[role])
    elif role == "visitor":
        session = client.session
        session["visitor"] = {"digest": ctx["booking"].email_digest}
        session.save()
    elif role == "code":
        client.post(reverse("support:visitor_login"), {"email": "saskia@example.org"})
    elif role == "linkholder":  # opened the booking's private link, has not proved the address
        client.get(reverse("support:booking_manage", kwargs=BOOKING_TOKEN(ctx)))
    elif role == "holder":
        week = reverse("support:booking_week", kwargs={"offer_id": ctx["offer"].pk})
        html = client.get(week, follow=True).content.decode()
        start = html.split('name="start" value="', 1)[1].split('"', 1)[0]
        client.post(week, {"start": start})
    elif role == "partner":
        start = reverse("support:partner_start", kwargs={"token": ctx["partner_token"]})
        client.post(start)
    return client
