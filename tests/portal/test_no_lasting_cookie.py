"""No lasting cookie for any visitor: reading and looking at free times set none at all, the
forms on those pages carry a signed token instead (portal/csrf.py), and the session a post
starts ends with the browser. CSRF protection stays: a post from another site, or without a
token of ours, is refused."""

from __future__ import annotations

import datetime
import re
import time
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.utils import timezone

from portal.csrf import FORM_TOKEN_MAX_AGE, FORM_TOKEN_SALT

pytestmark = pytest.mark.django_db

SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "null"}


def token_in(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


def a_free_time() -> str:
    start = (timezone.localtime() + datetime.timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    return start.isoformat()


@pytest.mark.parametrize("path", ["/", "/hulp-nu/", "/steun/", "/zoeken/?q=grens", "/afspraak/"])
def test_reading_sets_no_cookie(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == HTTPStatus.OK
    assert not response.cookies


def test_looking_at_free_times_sets_no_cookie_and_holding_one_a_browser_session_cookie(
    make_offer,
) -> None:
    offer = make_offer()
    visitor = Client(enforce_csrf_checks=True)
    week = visitor.get(f"/afspraak/tijden/{offer.pk}/")
    assert not week.cookies
    held = visitor.post(
        f"/afspraak/tijden/{offer.pk}/",
        {"start": a_free_time(), "csrfmiddlewaretoken": token_in(week.content.decode())},
        **SAME_ORIGIN,
    )
    assert held.status_code == HTTPStatus.FOUND
    assert set(held.cookies) == {settings.SESSION_COOKIE_NAME}
    cookie = held.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # gone when the browser closes
    # From now on her forms carry her session's own token, and only that one counts.
    step = visitor.get("/afspraak/stap/1/")
    assert all(c["expires"] == "" and c["max-age"] == "" for c in step.cookies.values())
    old_tab = visitor.post(
        f"/afspraak/tijden/{offer.pk}/",
        {"start": a_free_time(), "csrfmiddlewaretoken": token_in(week.content.decode())},
        **SAME_ORIGIN,
    )
    assert old_tab.status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(
    "token",
    [
        "",
        "made-up:token:value",
        signing.TimestampSigner(salt="another.salt").sign("x"),
    ],
    ids=["empty", "made-up", "signed-for-something-else"],  # the same names on every worker
)
def test_a_token_that_is_not_ours_is_refused(make_offer, token: str) -> None:
    offer = make_offer()
    refused = Client(enforce_csrf_checks=True).post(
        f"/afspraak/tijden/{offer.pk}/",
        {"start": a_free_time(), "csrfmiddlewaretoken": token},
        **SAME_ORIGIN,
    )
    assert refused.status_code == HTTPStatus.FORBIDDEN


def test_a_form_left_open_too_long_gets_the_expired_page(make_offer) -> None:
    offer = make_offer()
    visitor = Client(enforce_csrf_checks=True)
    token = token_in(visitor.get(f"/afspraak/tijden/{offer.pk}/").content.decode())
    signing.TimestampSigner(salt=FORM_TOKEN_SALT).unsign(token)  # ours, and fresh
    # The same kind of token, signed as the page would have been long ago.
    long_ago = signing.b62_encode(int(time.time()) - FORM_TOKEN_MAX_AGE - 60)
    token = signing.Signer(salt=FORM_TOKEN_SALT).sign(f"{token.split(':')[0]}:{long_ago}")
    refused = visitor.post(
        f"/afspraak/tijden/{offer.pk}/",
        {"start": a_free_time(), "csrfmiddlewaretoken": token},
        **SAME_ORIGIN,
    )
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert "Dit formulier is verlopen" in refused.content.decode()
