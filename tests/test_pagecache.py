"""The page cache (portal/pagecache.py): versions per domain, bumped only by what pages show,
and the week page kept for everyone with each visitor's own CSRF token put in."""

import datetime
from http import HTTPStatus

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import pagecache
from support import outbox
from support.apps import PAGE_DOMAINS
from support.booking import services as booking_services
from support.models import AvailabilityRule, BookingStatus, EmailStatus, OutgoingEmail

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
    assert after[pagecache.AVAILABILITY] > before[pagecache.AVAILABILITY]
    assert after[pagecache.DIRECTORY] == before[pagecache.DIRECTORY]
    make_group("nieuwe-groep")
    last = dict(zip(ALL, pagecache.versions(ALL), strict=True))
    assert last[pagecache.DIRECTORY] > after[pagecache.DIRECTORY]
    assert last[pagecache.AVAILABILITY] == after[pagecache.AVAILABILITY]


def token_in(html: str) -> str:
    return html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]


def test_the_week_page_kept_for_everyone_gives_each_visitor_her_own_token(make_offer) -> None:
    """Two visitors in sequence through one app server: the second gets the stored page (one
    query, for the versions) with her own token and no cookie, and can choose a time."""
    offer = make_offer()
    url = f"/afspraak/tijden/{offer.pk}/"
    server = Client()  # one middleware stack, as one app server process
    first = server.get(url)
    first_token = token_in(first.content.decode())
    assert not first.cookies
    with CaptureQueriesContext(connection) as queries:
        second = server.get(url)
    assert len(queries) == 1, [q["sql"] for q in queries]
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
    assert len(queries) == 1 and start.isoformat() in kept.content.decode()
    server.cookies.clear()
    anitas = server.get(f"/afspraak/tijden/{anita.pk}/", week).content.decode()
    assert start.isoformat() not in anitas


def test_a_hold_counts_one_change_and_expiring_nothing_counts_none(make_offer) -> None:
    """Only writes that changed rows count: a hold is one change (the booking), not one more
    for the stale holds it found none of; expiring a stale hold is one."""
    offer = make_offer()
    page_change = apps.get_model("portal", "PageChange")
    start = (timezone.localtime() + datetime.timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    before = page_change.objects.count()
    held = booking_services.booking_hold(offer=offer, start=start, hold_key="first")
    assert page_change.objects.count() == before + 1
    # Ten minutes later her hold has lapsed: the next hold expires it (one more change).
    later = timezone.now() + booking_services.HOLD_DURATION + datetime.timedelta(minutes=1)
    booking_services.booking_hold(
        offer=offer, start=start + datetime.timedelta(hours=2), hold_key="second", now=later
    )
    assert page_change.objects.count() == before + 3
    held.refresh_from_db()
    assert held.status == BookingStatus.EXPIRED


def test_removing_old_changes_never_takes_a_version_back(make_offer) -> None:
    """Old change rows are removed now and then; a helper's version still only grows, so a
    page kept under an older version is never served again."""
    quiet = make_offer().helper_id
    pagecache.bump(pagecache.AVAILABILITY, key=quiet)
    kept_under = pagecache.versions((pagecache.AVAILABILITY,), keys=[quiet])
    for _ in range(2 * pagecache.KEEP_CHANGES + 10):
        pagecache.bump(pagecache.AVAILABILITY, key=quiet + 1)
    page_change = apps.get_model("portal", "PageChange")
    assert not page_change.objects.filter(key=quiet).exists()  # her rows were removed
    now = pagecache.versions((pagecache.AVAILABILITY,), keys=[quiet])
    assert now[0] > kept_under[0]


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
