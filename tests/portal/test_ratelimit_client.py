"""One client for every limit and cap: an IPv6 client is its /64, and no cache key holds an
address (portal/ratelimit.py)."""

import re
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from support.booking import services as booking_services
from support.models import Booking, BookingStatus

pytestmark = pytest.mark.django_db

NETWORK = "2001:db8:5:6"


def cache_keys() -> list[str]:
    """Every key in the cache the limits use, whatever holds it (a table, or Redis)."""
    if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):  # Redis
        return [k.decode() for k in cache._cache.get_client().keys("*")]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {cache._table}")
        return [row[0] for row in cursor.fetchall()]


def free_starts(offer_id: int) -> list[str]:
    html = Client().get(f"/afspraak/tijden/{offer_id}/", follow=True).content.decode()
    return re.findall(r'name="start" value="([^"]+)"', html)


def test_the_live_holds_cap_counts_an_ipv6_client_per_64(make_offer) -> None:
    offer = make_offer()
    apart = free_starts(offer.pk)[::8][:5]  # two hours apart: none overlaps another
    answers = [
        Client(REMOTE_ADDR=f"{NETWORK}::{n + 1:x}").post(
            f"/afspraak/tijden/{offer.pk}/", {"start": start}
        )
        for n, start in enumerate(apart[:4])
    ]
    codes = [r.status_code for r in answers]
    assert codes == [HTTPStatus.FOUND] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 3
    assert booking_services.MAX_LIVE_HOLDS_PER_CLIENT == 3
    # The next /64 is another client.
    other = Client(REMOTE_ADDR="2001:db8:5:7::1")
    response = other.post(f"/afspraak/tijden/{offer.pk}/", {"start": apart[4]})
    assert response.status_code == HTTPStatus.FOUND


def test_the_form_limits_count_an_ipv6_client_per_64(make_group) -> None:
    group = make_group()
    codes = [
        Client(REMOTE_ADDR=f"{NETWORK}::{n + 1:x}")
        .post(f"/steun/{group.slug}/aanmelden/", {"name": "A", "email": "x", "consent": "on"})
        .status_code
        for n in range(11)
    ]
    assert codes[:10] == [HTTPStatus.BAD_REQUEST] * 10  # the address is no address
    assert codes[10] == HTTPStatus.TOO_MANY_REQUESTS


def test_rate_limit_keys_hold_no_client_address(make_group) -> None:
    group = make_group()
    for address in ("203.0.113.77", f"{NETWORK}::abcd"):
        client = Client(REMOTE_ADDR=address)
        client.post("/account/login/", {"login": "a@example.org", "password": "fout"})
        client.post(f"/steun/{group.slug}/aanmelden/", {"name": "A", "email": "x"})
    keys = [k for k in cache_keys() if ":rl:" in k]
    assert any("login_failed" in k for k in keys) and any("houvast_signup" in k for k in keys)
    for key in keys:
        assert "203.0.113" not in key and "2001:db8" not in key, key
