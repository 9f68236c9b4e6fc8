"""Budgets a reader on a cheap phone notices: database queries per page and page weight."""

import datetime
import gzip
import re
from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from support.booking import services as booking_services
from support.models import AvailabilityException
from tests.portal.test_pagecache import a_fresh_minute
from tests.support_fixtures import proved_signup

pytestmark = pytest.mark.django_db

ARTICLE_MAX_BYTES = 60 * 1024
ARTICLE_MAX_GZIP_BYTES = 20 * 1024
ARTICLE_MAX_REQUESTS = 4


def _queries(client: Client, url: str) -> tuple[list[str], str]:
    """The page's own queries: not those of the cache table (rate limits and page versions,
    which live in Redis in production)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    own = [q["sql"] for q in captured if settings.RATE_LIMIT_CACHE_TABLE not in q["sql"]]
    return own, response.content.decode()


def test_week_view_query_budget_whatever_the_bookings(client: Client, make_offer) -> None:
    offer = make_offer()
    day = timezone.localdate() + datetime.timedelta(days=3)
    monday = day - datetime.timedelta(days=day.weekday())
    for hour in range(9, 17):
        start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=offer.helper.zone)
        booking_services.booking_hold(offer=offer, start=start, hold_key=f"k{hour}")
    a_fresh_minute()
    own, _html = _queries(client, f"/afspraak/tijden/{offer.pk}/?week={monday}")
    assert len(own) <= 5
    # Kept by the app server: nothing but the versions of its helper, from the cache.
    own, _html = _queries(client, f"/afspraak/tijden/{offer.pk}/?week={monday}")
    assert own == []
    # An empty week also looks for the nearest free time, within the same budget.
    later = monday + datetime.timedelta(weeks=2)
    for n in range(7):
        AvailabilityException.objects.create(
            helper=offer.helper, date=later + datetime.timedelta(days=n)
        )
    own, html = _queries(client, f"/afspraak/tijden/{offer.pk}/?week={later}")
    assert len(own) <= 5
    assert "De eerste vrije tijd is" in html


def test_directory_and_group_query_budgets(
    client: Client, make_group, make_helper, django_assert_max_num_queries
) -> None:
    for number in range(25):
        make_group(f"groep-{number}")
        make_helper(f"hulp-{number}")
    with django_assert_max_num_queries(4):
        assert client.get("/steun/?voor=bedrogen-partner").status_code == HTTPStatus.OK
    with django_assert_max_num_queries(5):
        assert client.get("/steun/groep-3/").status_code == HTTPStatus.OK


def test_a_cached_directory_page_changes_as_soon_as_the_data_does(
    client: Client, make_group
) -> None:
    group = make_group("groep", capacity=3)
    assert "Nog 3 plaatsen vrij" in client.get("/steun/groep/").content.decode()
    proved_signup(group=group, name="A", email="a@example.org")
    assert "Nog 2 plaatsen vrij" in client.get("/steun/groep/").content.decode()


def test_article_page_weight(client: Client, real_content) -> None:
    """The heaviest article with everything needed to render it."""
    response = client.get("/artikelen/partner-porno-of-seksverslaafd/")
    html = response.content
    assets = re.findall(rb'<(?:link|script)[^>]+(?:href|src)="(/static/[^"]+)"', html)
    bodies = [html] + [b"".join(client.get(a.decode()).streaming_content) for a in assets]
    total = sum(len(b) for b in bodies)
    compressed = sum(len(gzip.compress(b)) for b in bodies)
    requests = 1 + len(assets)
    print(f"\narticle page: {total} bytes, {compressed} gzipped, {requests} requests")
    assert total <= ARTICLE_MAX_BYTES
    assert compressed <= ARTICLE_MAX_GZIP_BYTES
    assert requests <= ARTICLE_MAX_REQUESTS
