"""The page cache (portal/pagecache.py): versions per domain, bumped only by what pages show,
and the week page kept for everyone with each visitor's own CSRF token put in."""

import datetime
import time
from http import HTTPStatus

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import pagecache
from support import outbox
from support.apps import PAGE_DOMAINS
from support.booking import services as booking_services
from support.models import (
    AvailabilityRule,
    BookingStatus,
    EmailStatus,
    OutgoingEmail,
)

pytestmark = pytest.mark.django_db

ALL = (pagecache.DIRECTORY, pagecache.AVAILABILITY)


def test_every_support_model_says_which_cached_pages_it_shows_on() -> None:
    """A new model must be placed in the table, or its changes could leave pages stale."""
    models = {model.__name__ for model in apps.get_app_config("support").get_models()}
    assert models == set(PAGE_DOMAINS)


def test_sending_an_email_changes_no_page_cache_version(make_booking) -> None:
    booking = make_booking()
    before = pagecache.versions(ALL)
    outbox.email_queue(kind="booking_confirmed", booking=booking)
    for email in OutgoingEmail.objects.filter(booking=booking):
        outbox.email_deliver(email_id=email.pk)
    assert OutgoingEmail.objects.filter(booking=booking, status=EmailStatus.SENT).count() >= 2
    assert pagecache.versions(ALL) == before


def test_a_change_bumps_only_the_domains_whose_pages_show_it(make_offer, make_group) -> None:
    offer = make_offer()
    before = dict(zip(ALL, pagecache.versions(ALL), strict=True))
    AvailabilityRule.objects.create(
        helper=offer.helper, weekday=0, start=datetime.time(7), end=datetime.time(8)
    )
    after = dict(zip(ALL, pagecache.versions(ALL), strict=True))
    assert after[pagecache.AVAILABILITY] != before[pagecache.AVAILABILITY]
    assert after[pagecache.DIRECTORY] == before[pagecache.DIRECTORY]
    make_group("nieuwe-groep")
    last = dict(zip(ALL, pagecache.versions(ALL), strict=True))
    assert last[pagecache.DIRECTORY] != after[pagecache.DIRECTORY]
    assert last[pagecache.AVAILABILITY] == after[pagecache.AVAILABILITY]


def a_fresh_minute() -> None:
    """Week pages are kept per minute (a notice period moves with the clock): a test that
    expects a kept page makes its first request at least ten seconds before the minute turns, so
    that it cannot turn before the test's last one (called right before that first request)."""
    left = 60 - time.time() % 60
    if left < 10:
        time.sleep(left + 0.1)


def asks_only_for_the_versions(queries: CaptureQueriesContext) -> bool:
    """A kept page asks the database at most for its versions: one read of the cache table
    (without Redis), nothing with Redis."""
    sqls = [q["sql"] for q in queries]
    return len(sqls) <= 1 and all(settings.RATE_LIMIT_CACHE_TABLE in sql for sql in sqls)


def token_in(html: str) -> str:
    return html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]


def test_the_week_page_kept_for_everyone_gives_each_visitor_her_own_token(make_offer) -> None:
    """Two visitors in sequence through one app server: the second gets the stored page (asking
    only for the versions) with her own token and no cookie, and can choose a time."""
    offer = make_offer()
    url = f"/afspraak/tijden/{offer.pk}/"
    server = Client()  # one middleware stack, as one app server process
    a_fresh_minute()
    first = server.get(url)
    first_token = token_in(first.content.decode())
    assert not first.cookies
    with CaptureQueriesContext(connection) as queries:
        second = server.get(url)
    assert asks_only_for_the_versions(queries), [q["sql"] for q in queries]
    html = second.content.decode()
    second_token = token_in(html)
    assert second_token != first_token and not second.cookies
    assert pagecache.CSRF_PLACEHOLDER not in html
    assert int(second["Content-Length"]) == len(second.content)
    for response in (first, second):
        control = response["Cache-Control"]
        assert "private" in control or "no-store" in control
        assert "s-maxage" not in control and "public" not in control
    # The second visitor's token holds a time from our own page, never from another site.
    start = (timezone.localtime() + datetime.timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    checked = Client(enforce_csrf_checks=True)
    data = {"start": start.isoformat(), "csrfmiddlewaretoken": second_token}
    refused = checked.post(url, data, HTTP_SEC_FETCH_SITE="cross-site", HTTP_ORIGIN="null")
    assert refused.status_code == HTTPStatus.FORBIDDEN
    held = checked.post(url, data, HTTP_SEC_FETCH_SITE="same-origin", HTTP_ORIGIN="null")
    assert held.status_code == HTTPStatus.FOUND
    assert offer.helper.bookings.filter(status=BookingStatus.HELD).count() == 1


def test_the_kept_week_page_shows_a_time_taken_since(make_offer, make_booking) -> None:
    """The stored page is replaced as soon as a time is held: the free times are never older
    than the data, only than the clock's minute."""
    offer = make_offer()
    url = f"/afspraak/tijden/{offer.pk}/"
    server = Client()
    start = (timezone.localtime() + datetime.timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    week = start.date() - datetime.timedelta(days=start.weekday())
    page = server.get(url, {"week": week.isoformat()}).content.decode()
    assert start.isoformat() in page
    booking_services.booking_hold(offer=offer, start=start, hold_key="someone-else")
    server.cookies.clear()
    assert start.isoformat() not in server.get(url, {"week": week.isoformat()}).content.decode()


def test_a_hold_empties_only_the_week_pages_of_its_helper(make_offer, make_helper) -> None:
    """Free times are versioned per helper: a hold on Anita's time leaves Bea's kept page
    (one query to check it), while Anita's shows the time gone at once."""
    anita = make_offer()
    bea = make_offer(helper=make_helper("bea-voorbeeld", takes_bookings=True))
    start = (timezone.localtime() + datetime.timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    week = {"week": (start.date() - datetime.timedelta(days=start.weekday())).isoformat()}
    server = Client()
    a_fresh_minute()
    for offer in (anita, bea):
        server.cookies.clear()
        assert (
            start.isoformat() in server.get(f"/afspraak/tijden/{offer.pk}/", week).content.decode()
        )
    bea_version = pagecache.versions(ALL, keys=[bea.helper_id])
    booking_services.booking_hold(offer=anita, start=start, hold_key="someone")
    assert pagecache.versions(ALL, keys=[bea.helper_id]) == bea_version
    server.cookies.clear()
    with CaptureQueriesContext(connection) as queries:
        kept = server.get(f"/afspraak/tijden/{bea.pk}/", week)
    assert asks_only_for_the_versions(queries) and start.isoformat() in kept.content.decode()
    server.cookies.clear()
    anitas = server.get(f"/afspraak/tijden/{anita.pk}/", week).content.decode()
    assert start.isoformat() not in anitas


def test_a_hold_changes_her_version_and_expiring_nothing_changes_none(make_offer) -> None:
    """Only writes that changed rows count: a hold changes its helper's version; looking for
    stale holds and finding none changes nothing; expiring one does."""
    offer = make_offer()
    start = (timezone.localtime() + datetime.timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )

    def hers() -> tuple:
        return pagecache.versions((pagecache.AVAILABILITY,), keys=[offer.helper_id])

    before = hers()
    held = booking_services.booking_hold(offer=offer, start=start, hold_key="first")
    after_hold = hers()
    assert after_hold != before
    booking_services._expire_stale_holds(offer.helper_id, timezone.now())
    assert hers() == after_hold
    later = timezone.now() + booking_services.HOLD_DURATION + datetime.timedelta(minutes=1)
    booking_services._expire_stale_holds(offer.helper_id, later)
    assert hers() != after_hold
    held.refresh_from_db()
    assert held.status == BookingStatus.EXPIRED


class KeptWeekPage:
    """One helper's week page as one app server keeps it, and a free time on it."""

    def __init__(self, offer) -> None:
        self.offer = offer
        self.start = (timezone.localtime() + datetime.timedelta(days=3)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        monday = self.start.date() - datetime.timedelta(days=self.start.weekday())
        self.week = {"week": monday.isoformat()}
        self.server = Client()  # one middleware stack, as one app server process

    def shows_the_time(self) -> bool:
        self.server.cookies.clear()
        page = self.server.get(f"/afspraak/tijden/{self.offer.pk}/", self.week)
        return self.start.isoformat() in page.content.decode()

    def move_her_hours_unseen(self) -> None:
        """Her hours move to another day behind the page cache's back: update() sends no
        signal, so nothing counts the change."""
        AvailabilityRule.objects.filter(helper_id=self.offer.helper_id).update(
            weekday=(self.start.weekday() + 1) % 7
        )

    def time_gone_within_a_second(self) -> bool:
        deadline = time.monotonic() + pagecache.VERSION_SECONDS + 0.5
        while self.shows_the_time():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True


def test_a_lost_version_never_comes_back_as_one_a_page_was_kept_under(make_offer) -> None:
    """An emptied cache (a restarted Redis, an evicted entry) gives new versions, so a week
    page kept before is made anew (once this server's versions are a second old) and shows
    what is true now."""
    page = KeptWeekPage(make_offer())
    assert page.shows_the_time()
    page.move_her_hours_unseen()
    assert page.shows_the_time()  # the kept page, as it was
    cache.clear()
    assert page.time_gone_within_a_second(), "the emptied cache kept the old page"


def test_choosing_another_time_frees_the_first_on_its_helpers_kept_page(
    make_offer, make_helper
) -> None:
    """A visitor who holds Anita's time and then chooses Bea's lets go of Anita's: Anita's
    kept week page shows that time free again at once."""
    anita = make_offer()
    bea = make_offer(helper=make_helper("bea-voorbeeld", takes_bookings=True))
    start = (timezone.localtime() + datetime.timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    week = {"week": (start.date() - datetime.timedelta(days=start.weekday())).isoformat()}
    url = f"/afspraak/tijden/{anita.pk}/"
    booking_services.booking_hold(offer=anita, start=start, hold_key="hers")
    server = Client()
    assert start.isoformat() not in server.get(url, week).content.decode()  # kept now
    booking_services.booking_hold(offer=bea, start=start, hold_key="hers")
    server.cookies.clear()
    assert start.isoformat() in server.get(url, week).content.decode()


def test_a_change_on_another_app_server_shows_here_within_a_second(make_offer) -> None:
    """Each app server trusts the versions it read for `VERSION_SECONDS`: its own changes show
    at once, another server's (which set new versions in the shared cache) within that time."""
    page = KeptWeekPage(make_offer())
    assert page.shows_the_time()
    # Another app server moves her hours and counts the change: new versions in the shared
    # cache, which this server has not read yet.
    page.move_her_hours_unseen()
    cache.set_many(
        {
            f"page-version:{pagecache.AVAILABILITY}:any": "another-server-1",
            f"page-version:{pagecache.AVAILABILITY}:{page.offer.helper_id}": "another-server-2",
        },
        timeout=None,
    )
    assert page.time_gone_within_a_second(), "the change did not show within a second"
