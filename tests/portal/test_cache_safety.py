"""Every cache is a leak surface: what a shared cache holds is the same for every visitor.

Regression tests for defects 2, 3, 4, 9 and 14 of the safety audit, run against the production
caches (database tables made by `migrate`, or Redis when REDIS_URL is set).
"""

import base64
import datetime
import pickle
import random
import re
import string
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.support_fixtures import owner

pytestmark = pytest.mark.django_db


def cached_values(alias: str) -> list[str]:
    """Everything a cache holds, as text, whichever backend production uses."""
    cache = caches[alias]
    if isinstance(cache, DatabaseCache):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {connection.ops.quote_name(cache._table)}")
            raw = [row[0] for row in cursor.fetchall()]
        return [repr(pickle.loads(base64.b64decode(value))) for value in raw]
    client = cache._cache.get_client(write=False)
    prefix = cache.key_prefix
    return [repr(client.get(key)) for key in client.scan_iter(f"{prefix}*")]


def test_the_week_page_never_carries_one_visitors_messages_to_the_next(
    make_offer, make_account
) -> None:
    """Defect 2: visitors in sequence through one app server. The first has a message waiting
    and a session; the next ones, without cookies, see nothing of it: neither the page made
    for the second nor the one kept for the third holds any of it."""
    offer = make_offer()
    server = Client()  # one middleware stack, as one app server process
    server.force_login(make_account("helper", "anita.helper@example.org", helper=offer.helper))
    saved = server.post(
        "/praktijk/beschikbaarheid/tijden/",
        {"rule-weekday": "0", "rule-start": "08:00", "rule-end": "09:00"},
    )
    assert saved.status_code == HTTPStatus.FOUND  # a message now waits for her
    url = f"/afspraak/tijden/{offer.pk}/"
    own = server.get(url).content.decode()
    assert "Je beschikbaarheid is opgeslagen." in own  # shown to her, on her own page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', own)[1]  # her session's
    for _visitor in range(2):
        server.cookies.clear()
        theirs = server.get(url).content.decode()
        for secret in ("Je beschikbaarheid is opgeslagen.", "anita.helper", token):
            assert secret not in theirs


def test_a_reading_page_after_a_visitor_with_a_session_shows_nothing_of_hers(
    make_offer, make_account, client: Client
) -> None:
    offer = make_offer()
    first = Client()
    first.force_login(make_account("helper", "anita.helper@example.org", helper=offer.helper))
    first.post(
        "/praktijk/beschikbaarheid/tijden/",
        {"rule-weekday": "0", "rule-start": "08:00", "rule-end": "09:00"},
    )
    assert "Je beschikbaarheid is opgeslagen." in first.get("/").content.decode()
    for url in ("/", "/steun/", "/artikelen/"):
        html = Client().get(url).content.decode()
        assert "Je beschikbaarheid is opgeslagen." not in html
        assert "Uitloggen" not in html


def random_week() -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=12))


def test_random_week_values_neither_fill_the_cache_nor_wipe_the_rate_limits(
    make_offer, make_account
) -> None:
    """Defect 3: a flood of made-up `week` values is answered without a new cache entry, and
    the login rate limit counted before it still holds after it."""
    offer = make_offer()
    make_account("helper", "anita.helper@example.org", helper=offer.helper)
    attacker = Client()
    for _ in range(5):
        attacker.post("/account/login/", {"login": "anita.helper@example.org", "password": "x"})
    url = f"/afspraak/tijden/{offer.pk}/"
    today = timezone.localdate()
    for number in range(400):
        value = random_week() if number % 2 else str(today + datetime.timedelta(days=900 + number))
        response = Client().get(url, {"week": value})
        assert response.status_code == HTTPStatus.FOUND  # to a week that can be booked
    weeks = {Client().get(url, follow=True).request["QUERY_STRING"]}
    assert len(weeks) == 1  # and only 200 answers are kept: no redirect became an entry
    # The sixth wrong password is still refused, even when it is right.
    from tests.staff_fixtures import PASSWORD

    response = attacker.post(
        "/account/login/", {"login": "anita.helper@example.org", "password": PASSWORD}
    )
    assert "/account/2fa/authenticate/" not in response.get("Location", "")
    assert "Te veel" in response.content.decode()


def test_no_page_goes_into_the_cache_of_the_rate_limits(client: Client, make_offer) -> None:
    """Defect 3: pages can never push out a rate-limit counter: the one shared cache holds
    none (each app server keeps its pages in its own memory), only their versions."""
    assert set(settings.CACHES) == {"default"}
    offer = make_offer()
    before = cached_values("default")
    for url in ("/", "/steun/", f"/afspraak/tijden/{offer.pk}/"):
        assert Client().get(url).status_code == HTTPStatus.OK
    # Nothing but versions (a short random value each) may be added, never a page.
    added = [value for value in cached_values("default") if value not in before]
    assert all(re.fullmatch(r"'[0-9a-f]{16}'", value) for value in added), added


@pytest.mark.parametrize(
    "week", ["9999-12-20", "0001-01-01", "2026-02-30", "x", "", "2026-12-07T00:00", "99999-01-01"]
)
def test_edge_weeks_are_redirected_never_a_500(client: Client, make_offer, week: str) -> None:
    """Defect 9."""
    offer = make_offer()
    response = client.get(f"/afspraak/tijden/{offer.pk}/", {"week": week})
    assert response.status_code == HTTPStatus.FOUND
    assert client.get(response["Location"]).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "start",
    [
        "0001-01-01T00:30:00+01:00",
        "9999-12-31T23:30:00-01:00",
        "9999-12-31T23:59:59+00:00",
        "2026-13-01T10:00:00+01:00",
        "x" * 5000,
    ],
)
def test_edge_start_times_are_a_dutch_400_never_a_500(
    client: Client, make_offer, make_booking, start: str
) -> None:
    """Defect 9: holding and moving a time."""
    offer = make_offer()
    response = client.post(f"/afspraak/tijden/{offer.pk}/", {"start": start})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Kies een tijd uit de lijst." in response.content.decode()
    booking = make_booking()
    before = booking.starts_at
    browser = owner(booking, client)
    week = reverse("support:booking_reschedule", kwargs={"pk": booking.pk})
    response = browser.post(week, {"start": start})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Kies een tijd uit de lijst." in response.content.decode()
    # The confirmation step sends her back to the week to choose a time of the list.
    confirm = reverse("support:booking_reschedule_confirm", kwargs={"pk": booking.pk})
    response = browser.post(f"{confirm}?{urlencode({'start': start})}", {"start": start})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == week
    booking.refresh_from_db()
    assert booking.starts_at == before


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "0001-01-03", "nonsense"])
def test_the_dashboard_bounds_its_weeks(client: Client, make_offer, make_account, week) -> None:
    """Defect 9, on a staff page."""
    offer = make_offer()
    client.force_login(make_account("helper", "anita.helper@example.org", helper=offer.helper))
    response = client.get("/praktijk/", {"week": week})
    assert response.status_code == HTTPStatus.FOUND
    assert client.get(response["Location"]).status_code == HTTPStatus.OK


def test_a_cached_reading_page_still_refuses_a_foreign_host(client: Client) -> None:
    """Defect 14: the host is checked before a stored page is served."""
    assert client.get("/hulp-nu/").status_code == HTTPStatus.OK
    response = client.get("/hulp-nu/", HTTP_HOST="evil.example")
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_reading_pages_key_only_on_the_parameters_their_view_reads(
    client: Client, make_group, django_assert_max_num_queries
) -> None:
    """Defect 14: a query string the view does not read is served from the same entry (only
    the data version is asked), and never makes a new one. (Each test client has its own
    middleware, so one client plays every reader here; none of them sends a cookie.)"""
    make_group("groep")
    made = client.get("/steun/")
    assert made.status_code == HTTPStatus.OK
    for number in range(20):
        with django_assert_max_num_queries(1):  # the data version; the page is the cached one
            hit = client.get("/steun/", {"utm_source": number, "x": random_week()})
        assert hit.content == made.content
    # A parameter the view reads does make its own page.
    filtered = client.get("/steun/", {"soort": "groep"})
    assert filtered.content != made.content


def test_migrate_makes_the_cache_tables() -> None:
    """Defect 4: the production cache's tables come with `migrate` on an empty database (as
    this test database was made)."""
    tables = connection.introspection.table_names()
    for alias in settings.CACHES:
        cache = caches[alias]
        if isinstance(cache, DatabaseCache):
            assert cache._table in tables
            cache.set("probe", 1)
            assert cache.get("probe") == 1


@pytest.mark.parametrize(
    "broken",
    [
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "no_such_table"},
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1",
        },
    ],
)
def test_healthz_says_503_when_a_cache_fails(client: Client, broken: dict) -> None:
    """Defect 4: /healthz checks the database and every cache; which one failed is told only
    to the monitoring (METRICS_ALLOWED_IPS here)."""
    assert client.get("/healthz").status_code == HTTPStatus.OK
    with override_settings(CACHES={**settings.CACHES, "default": broken}):
        with override_settings(METRICS_ALLOWED_IPS=["127.0.0.1/32"]):
            response = client.get("/healthz")
        assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert "cache" in response.content.decode()
        public = client.get("/healthz")
        assert (public.status_code, public.content) == (503, b"unavailable\n")


def test_a_repeated_parameter_is_kept_under_the_value_the_view_reads(
    client: Client, make_group, django_assert_max_num_queries
) -> None:
    """Issue 25, 9: `?soort=<junk>&soort=groep` is the page of `?soort=groep` (the view reads
    the last value), served from its entry: a client cannot multiply the entries."""
    make_group("groep")
    made = client.get("/steun/", {"soort": "groep"})
    assert made.status_code == HTTPStatus.OK
    for number in range(5):
        with django_assert_max_num_queries(1):  # the data version; the page is the cached one
            hit = client.get("/steun/", {"soort": [f"rommel{number}", "groep"]})
        assert hit.content == made.content
