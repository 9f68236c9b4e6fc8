"""A helper's external calendars: fetched from a real local server, their busy times block
exactly the right free times, a failing feed keeps its last good times, and the address check
refuses what production must never fetch."""

import datetime
import re
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal import pagecache
from portal.worker import ensure_schedule, plan_next
from practice.forms import BusyFeedForm
from support import tasks
from support.booking import busyfeeds, selectors
from support.models import BusyFeed, BusyRange
from tests.ports import refused_port

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


class FeedServer:
    """An http server on 127.0.0.1 in a thread, serving whatever `pages` holds."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.delay = 0.0
        pages = self.pages
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if server_self.delay:
                    time.sleep(server_self.delay)
                if self.path == "/elders":
                    self.send_response(HTTPStatus.FOUND)
                    self.send_header("Location", "http://10.0.0.1/agenda.ics")
                    self.end_headers()
                    return
                if self.path == "/zonder-lengte":
                    # No Content-Length: the body ends when the connection closes.
                    self.send_response(HTTPStatus.OK)
                    self.end_headers()
                    self.wfile.write(b"X" * (busyfeeds.MAX_FEED_BYTES + 10))
                    self.close_connection = True
                    return
                body = pages.get(self.path)
                if body is None:
                    self.send_error(HTTPStatus.NOT_FOUND)
                    return
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll, so that stopping it at the end of a test takes no half second.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    if server.thread.is_alive():
        server.stop()


def linked(helper, url: str) -> BusyFeed:
    """A linked feed as the worker finds it, before its next refresh."""
    return BusyFeed.objects.create(helper=helper, url=url, host=urlsplit(url).hostname)


def calendar(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{event.strip()}\r\nEND:VEVENT\r\n" for event in events)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//busy//NL\r\n"
        + body
        + "END:VCALENDAR\r\n"
    ).encode()


def event(uid: str, *lines: str) -> str:
    return "\r\n".join((f"UID:{uid}", "DTSTAMP:20270301T000000Z", "SUMMARY:Geheim overleg", *lines))


ACCEPTANCE_FEED = calendar(
    # Mondays 10:00-11:00 in Amsterdam, across the clock change of Sunday 28 March 2027,
    # but not on 5 April.
    event(
        "weekly",
        "DTSTART;TZID=Europe/Amsterdam:20270322T100000",
        "DTEND;TZID=Europe/Amsterdam:20270322T110000",
        "RRULE:FREQ=WEEKLY;COUNT=4",
        "EXDATE;TZID=Europe/Amsterdam:20270405T100000",
    ),
    # All day on Wednesday 24 March.
    event("all-day", "DTSTART;VALUE=DATE:20270324", "DTEND;VALUE=DATE:20270325"),
    # 09:00-10:00 in New York on Tuesday 23 March: summer time there (since 14 March), winter
    # time in Amsterdam, so 13:00-14:00 UTC.
    event(
        "new-york",
        "DTSTART;TZID=America/New_York:20270323T090000",
        "DTEND;TZID=America/New_York:20270323T100000",
        "DESCRIPTION:Bel met de advocaat",
    ),
    # Marked free, and cancelled: neither blocks.
    event(
        "free",
        "DTSTART;TZID=Europe/Amsterdam:20270325T100000",
        "DTEND;TZID=Europe/Amsterdam:20270325T120000",
        "TRANSP:TRANSPARENT",
    ),
    event(
        "cancelled",
        "DTSTART:20270326T090000Z",
        "DTEND:20270326T110000Z",
        "STATUS:CANCELLED",
    ),
)
NOW = datetime.datetime(2027, 3, 15, 8, tzinfo=UTC)


def quarters(first: tuple[int, int, int, int, int], last: tuple[int, int, int, int, int]):
    """Every quarter-hour start from `first` to `last` inclusive, in UTC."""
    start = datetime.datetime(*first, tzinfo=UTC)
    end = datetime.datetime(*last, tzinfo=UTC)
    times = []
    while start <= end:
        times.append(start)
        start += datetime.timedelta(minutes=15)
    return times


def free_on(offer, day: datetime.date) -> list[datetime.datetime]:
    return selectors.free_times(offer=offer, first_day=day, last_day=day, now=NOW)


def test_busy_times_block_exactly_the_right_free_times(make_offer, feed_server) -> None:
    # Anita is available every day 09:00-17:00 in Amsterdam; sessions of 60 minutes, every 15.
    offer = make_offer()
    assert offer.helper.time_zone == "Europe/Amsterdam"
    feed_server.pages["/agenda.ics"] = ACCEPTANCE_FEED
    feed = linked(offer.helper, feed_server.url("/agenda.ics"))
    assert busyfeeds.busy_feed_refresh(feed_id=feed.pk, now=NOW)

    # Monday 22 March (UTC+1): busy 09:00-10:00 UTC.
    assert free_on(offer, datetime.date(2027, 3, 22)) == [
        datetime.datetime(2027, 3, 22, 8, tzinfo=UTC),
        *quarters((2027, 3, 22, 10, 0), (2027, 3, 22, 15, 0)),
    ]
    # Tuesday 23 March: New York's hour, 13:00-14:00 UTC.
    assert free_on(offer, datetime.date(2027, 3, 23)) == [
        *quarters((2027, 3, 23, 8, 0), (2027, 3, 23, 12, 0)),
        *quarters((2027, 3, 23, 14, 0), (2027, 3, 23, 15, 0)),
    ]
    # Wednesday 24 March: all day.
    assert free_on(offer, datetime.date(2027, 3, 24)) == []
    # Thursday 25 (transparent) and Friday 26 March (cancelled): nothing blocked.
    assert free_on(offer, datetime.date(2027, 3, 25)) == quarters(
        (2027, 3, 25, 8, 0), (2027, 3, 25, 15, 0)
    )
    assert free_on(offer, datetime.date(2027, 3, 26)) == quarters(
        (2027, 3, 26, 8, 0), (2027, 3, 26, 15, 0)
    )
    # Monday 29 March (UTC+2 since Sunday): still 10:00-11:00 on her clock, 08:00-09:00 UTC.
    assert free_on(offer, datetime.date(2027, 3, 29)) == [
        datetime.datetime(2027, 3, 29, 7, tzinfo=UTC),
        *quarters((2027, 3, 29, 9, 0), (2027, 3, 29, 14, 0)),
    ]
    # Monday 5 April is excepted; Monday 12 April is the fourth and last.
    assert free_on(offer, datetime.date(2027, 4, 5)) == quarters(
        (2027, 4, 5, 7, 0), (2027, 4, 5, 14, 0)
    )
    assert datetime.datetime(2027, 4, 12, 7, 30, tzinfo=UTC) not in free_on(
        offer, datetime.date(2027, 4, 12)
    )
    assert free_on(offer, datetime.date(2027, 4, 19))[:5] == quarters(
        (2027, 4, 19, 7, 0), (2027, 4, 19, 8, 0)
    )

    # Only the ranges are kept: start and end, in UTC.
    assert list(feed.ranges.order_by("starts_at").values_list("starts_at", "ends_at")) == [
        (
            datetime.datetime(2027, 3, 22, 9, tzinfo=UTC),
            datetime.datetime(2027, 3, 22, 10, tzinfo=UTC),
        ),
        (
            datetime.datetime(2027, 3, 23, 13, tzinfo=UTC),
            datetime.datetime(2027, 3, 23, 14, tzinfo=UTC),
        ),
        (
            datetime.datetime(2027, 3, 23, 23, tzinfo=UTC),
            datetime.datetime(2027, 3, 24, 23, tzinfo=UTC),
        ),
        (
            datetime.datetime(2027, 3, 29, 8, tzinfo=UTC),
            datetime.datetime(2027, 3, 29, 9, tzinfo=UTC),
        ),
        (
            datetime.datetime(2027, 4, 12, 8, tzinfo=UTC),
            datetime.datetime(2027, 4, 12, 9, tzinfo=UTC),
        ),
    ]


def test_a_transparent_event_blocks_nothing(make_offer, feed_server) -> None:
    offer = make_offer()
    feed_server.pages["/vrij.ics"] = calendar(
        event(
            "free",
            "DTSTART:20270322T080000Z",
            "DTEND:20270322T170000Z",
            "RRULE:FREQ=DAILY;COUNT=30",
            "TRANSP:TRANSPARENT",
        )
    )
    feed = linked(offer.helper, feed_server.url("/vrij.ics"))
    assert busyfeeds.busy_feed_refresh(feed_id=feed.pk, now=NOW)
    assert not feed.ranges.exists()
    assert free_on(offer, datetime.date(2027, 3, 22)) == quarters(
        (2027, 3, 22, 8, 0), (2027, 3, 22, 15, 0)
    )


def test_an_unreachable_feed_keeps_its_last_good_busy_times(
    client: Client, make_account, make_offer, feed_server
) -> None:
    offer = make_offer()
    zone = offer.helper.zone
    day = timezone.localdate(timezone=zone) + datetime.timedelta(days=3)
    busy_from = datetime.datetime.combine(day, datetime.time(10), zone).astimezone(UTC)
    feed_server.pages["/agenda.ics"] = calendar(
        event(
            "busy",
            f"DTSTART:{busy_from:%Y%m%dT%H%M%SZ}",
            f"DTEND:{busy_from + datetime.timedelta(hours=2):%Y%m%dT%H%M%SZ}",
        )
    )
    feed = linked(offer.helper, feed_server.url("/agenda.ics"))
    assert busyfeeds.busy_feed_refresh(feed_id=feed.pk)
    good = list(BusyRange.objects.values_list("starts_at", "ends_at"))
    assert good == [(busy_from, busy_from + datetime.timedelta(hours=2))]

    feed_server.stop()
    versions = pagecache.versions((pagecache.AVAILABILITY,))
    assert not busyfeeds.busy_feed_refresh(feed_id=feed.pk)
    feed.refresh_from_db()
    assert feed.failed_at is not None
    assert feed.failure.startswith("Je agenda kon niet worden opgehaald.")
    assert list(BusyRange.objects.values_list("starts_at", "ends_at")) == good
    assert pagecache.versions((pagecache.AVAILABILITY,)) == versions

    # The booking pages still answer, without the busy times.
    week = f"/afspraak/tijden/{offer.pk}/?week={day.isoformat()}"
    response = client.get(week, follow=True)
    assert response.status_code == HTTPStatus.OK
    starts = re.findall(r'name="start" value="([^"]+)"', response.content.decode())
    assert starts
    shown = lambda instant: timezone.localtime(instant, zone).isoformat()  # noqa: E731
    assert shown(busy_from + datetime.timedelta(hours=1)) not in starts
    assert shown(busy_from + datetime.timedelta(hours=2)) in starts
    assert shown(busy_from - datetime.timedelta(hours=1)) in starts

    # Her dashboard warns her, with the host only, never the address.
    client.force_login(make_account("helper", "anita@example.org", helper=offer.helper))
    html = client.get("/praktijk/").content.decode()
    assert "Een agenda van je kon niet worden opgehaald" in html
    assert "127.0.0.1" in html
    assert "/agenda.ics" not in html


def test_a_fetch_that_works_again_replaces_the_ranges_and_clears_the_warning(
    make_offer, feed_server
) -> None:
    offer = make_offer()
    feed_server.pages["/agenda.ics"] = ACCEPTANCE_FEED
    feed = linked(offer.helper, feed_server.url("/agenda.ics"))
    assert busyfeeds.busy_feed_refresh(feed_id=feed.pk, now=NOW)
    feed_server.pages["/agenda.ics"] = b"dit is geen agenda"
    assert not busyfeeds.busy_feed_refresh(feed_id=feed.pk, now=NOW)
    assert feed.ranges.count() == 5
    versions = pagecache.versions((pagecache.AVAILABILITY,))
    feed_server.pages["/agenda.ics"] = calendar(
        event("one", "DTSTART:20270322T090000Z", "DTEND:20270322T100000Z")
    )
    assert busyfeeds.busy_feed_refresh(feed_id=feed.pk, now=NOW)
    feed.refresh_from_db()
    assert (feed.failed_at, feed.failure) == (None, "")
    assert feed.ranges.count() == 1
    # Cached week pages change with the feed.
    assert pagecache.versions((pagecache.AVAILABILITY,)) != versions


def test_an_oversized_feed_is_refused(make_offer, feed_server) -> None:
    offer = make_offer()
    feed_server.pages["/groot.ics"] = ACCEPTANCE_FEED + b" " * busyfeeds.MAX_FEED_BYTES
    feed = linked(offer.helper, feed_server.url("/groot.ics"))
    assert not busyfeeds.busy_feed_refresh(feed_id=feed.pk, now=NOW)
    feed.refresh_from_db()
    assert feed.failure.startswith("Je agenda kon niet worden opgehaald.")
    assert not feed.ranges.exists()
    # Also without a length announced: reading stops past the limit.
    with pytest.raises(busyfeeds.FeedError) as refused:
        busyfeeds.fetch(feed_server.url("/zonder-lengte"))
    assert "sent more than" in refused.value.detail


def test_slow_servers_and_redirects_are_refused(feed_server) -> None:
    feed_server.pages["/agenda.ics"] = ACCEPTANCE_FEED
    with pytest.raises(busyfeeds.FeedError) as refused:
        busyfeeds.fetch(feed_server.url("/elders"))
    assert "answered HTTP 302" in refused.value.detail
    feed_server.delay = 1.0
    with pytest.raises(busyfeeds.FeedError) as refused:
        busyfeeds.fetch(feed_server.url("/agenda.ics"), timeout=0.3)
    assert "within 0.3 s" in refused.value.detail


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://agenda.example.org/a.ics", "https://"),
        ("ftp://agenda.example.org/a.ics", "https://"),
        ("https://127.0.0.1/a.ics", "non-public address"),
        ("https://10.1.2.3/a.ics", "non-public address"),
        ("https://192.168.1.1/a.ics", "non-public address"),
        ("https://169.254.169.254/latest/", "non-public address"),
        ("https://[::1]/a.ics", "non-public address"),
        ("https://[::ffff:127.0.0.1]/a.ics", "non-public address"),
        ("https://0.0.0.0/a.ics", "non-public address"),
        ("https://localhost/a.ics", "non-public address"),
        ("https://user:pw@agenda.example.org/a.ics", "klopt niet"),
    ],
)
def test_production_fetches_only_https_from_public_addresses(settings, url, reason) -> None:
    settings.BUSY_FEEDS_ALLOW_PRIVATE = False
    with pytest.raises(busyfeeds.FeedError) as refused:
        busyfeeds.fetch(url)
    assert reason in refused.value.detail


def test_the_local_server_is_refused_when_the_check_is_not_relaxed(settings, feed_server) -> None:
    feed_server.pages["/agenda.ics"] = ACCEPTANCE_FEED
    assert busyfeeds.fetch(feed_server.url("/agenda.ics")) == ACCEPTANCE_FEED  # relaxed
    settings.BUSY_FEEDS_ALLOW_PRIVATE = False
    with pytest.raises(busyfeeds.FeedError, match="https://"):
        busyfeeds.fetch(feed_server.url("/agenda.ics"))
    https_url = feed_server.url("/agenda.ics").replace("http://", "https://")
    with pytest.raises(busyfeeds.FeedError) as refused:
        busyfeeds.fetch(https_url)
    assert "non-public address" in refused.value.detail
    # A public address passes the check (a literal: no DNS needed).
    assert busyfeeds.resolve("93.184.215.14", 443) == "93.184.215.14"


def test_the_address_is_encrypted_at_rest_and_only_the_host_is_kept_readable(make_offer) -> None:
    offer = make_offer()
    url = "https://agenda.example.org/private/geheim-token-123/basic.ics"
    feed = linked(offer.helper, url)
    assert BusyFeed.objects.get(pk=feed.pk).url == url
    with connection.cursor() as cursor:
        cursor.execute("SELECT url, host FROM support_busyfeed WHERE id = %s", [feed.pk])
        stored_url, host = cursor.fetchone()
    assert "geheim-token" not in stored_url
    assert host == "agenda.example.org"


def test_nothing_but_start_and_end_is_stored() -> None:
    assert {f.name for f in BusyRange._meta.concrete_fields} == {
        "id",
        "feed",
        "helper",
        "starts_at",
        "ends_at",
    }


def test_the_refresh_task_is_planned_once() -> None:
    assert "support.tasks.busy_feeds_refresh" in ensure_schedule()
    assert "support.tasks.busy_feeds_refresh" not in ensure_schedule()


@pytest.fixture
def anita(client: Client, make_account, make_offer):
    offer = make_offer()
    client.force_login(make_account("helper", "anita@example.org", helper=offer.helper))
    return offer


def test_she_adds_a_feed_it_is_read_at_once_and_she_is_told_how_many_busy_times(
    client: Client, anita, feed_server
) -> None:
    start = timezone.now() + datetime.timedelta(days=3)
    feed_server.pages["/private/geheim-token-123/basic.ics"] = calendar(
        *(
            event(
                f"busy-{n}",
                f"DTSTART:{start + datetime.timedelta(days=n):%Y%m%dT%H%M%SZ}",
                f"DTEND:{start + datetime.timedelta(days=n, hours=1):%Y%m%dT%H%M%SZ}",
            )
            for n in range(3)
        )
    )
    url = feed_server.url("/private/geheim-token-123/basic.ics")
    response = client.post("/praktijk/beschikbaarheid/agenda/", {"feed-url": url}, follow=True)
    html = response.content.decode()
    assert "We hebben je agenda gelezen: 3 bezette tijden in de komende" in html
    feed = BusyFeed.objects.get(helper=anita.helper)
    assert feed.url == url
    assert feed.fetched_at is not None
    assert BusyRange.objects.filter(feed=feed).count() == 3
    assert "127.0.0.1" in html
    assert "geheim-token" not in html
    client.post(f"/praktijk/beschikbaarheid/agenda/{feed.pk}/verwijderen/")
    assert not BusyFeed.objects.exists()


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        # What the host answered is not told (feedfetch.py): one message for any failed fetch.
        ("/niet-er.ics", "Je agenda kon niet worden opgehaald. Klopt de link nog?"),
        # What is wrong with the calendar itself is.
        ("/geen-agenda.ics", "Dit is geen agenda die we kunnen lezen"),
    ],
)
def test_a_feed_that_cannot_be_read_is_refused_with_one_plain_reason(
    client: Client, anita, feed_server, path: str, reason: str
) -> None:
    feed_server.pages["/geen-agenda.ics"] = b"<html>Inloggen</html>"
    url = feed_server.url(path)
    response = client.post("/praktijk/beschikbaarheid/agenda/", {"feed-url": url})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "We konden je agenda niet lezen:" in html
    assert reason in html
    assert url in html, "what she typed stays in the field"
    assert not BusyFeed.objects.exists()


def test_a_private_or_unreachable_address_is_refused_in_the_same_request(
    client: Client, anita, settings
) -> None:
    settings.BUSY_FEEDS_ALLOW_PRIVATE = False
    for url in ("https://127.0.0.1/agenda.ics", "https://10.1.2.3/agenda.ics"):
        response = client.post("/praktijk/beschikbaarheid/agenda/", {"feed-url": url})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "Je agenda kon niet worden opgehaald." in response.content.decode()
    settings.BUSY_FEEDS_ALLOW_PRIVATE = True
    with refused_port() as port:
        response = client.post(
            "/praktijk/beschikbaarheid/agenda/", {"feed-url": f"http://127.0.0.1:{port}/a.ics"}
        )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Je agenda kon niet worden opgehaald." in response.content.decode()
    assert not BusyFeed.objects.exists()


def test_a_webcal_link_is_taken_as_the_same_address_over_https() -> None:
    form = BusyFeedForm({"url": "webcal://agenda.example.org/geheim/basic.ics"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["url"] == "https://agenda.example.org/geheim/basic.ics"


def test_an_address_that_is_not_https_is_refused_in_dutch(client: Client, anita, settings) -> None:
    settings.BUSY_FEEDS_ALLOW_PRIVATE = False
    response = client.post(
        "/praktijk/beschikbaarheid/agenda/", {"feed-url": "http://agenda.example.org/a"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Het adres moet beginnen met https://." in response.content.decode()
    assert not BusyFeed.objects.exists()


def test_she_uploads_a_file(client: Client, anita) -> None:
    start = timezone.now() + datetime.timedelta(days=3)
    data = calendar(
        event(
            "busy",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{start + datetime.timedelta(hours=1):%Y%m%dT%H%M%SZ}",
        )
    )
    upload = SimpleUploadedFile("agenda.ics", data, content_type="text/calendar")
    response = client.post("/praktijk/beschikbaarheid/agenda/bestand/", {"upload-file": upload})
    assert response.status_code == HTTPStatus.FOUND
    assert BusyRange.objects.filter(helper=anita.helper).count() == 1
    bad = SimpleUploadedFile("agenda.ics", b"geen agenda", content_type="text/calendar")
    response = client.post("/praktijk/beschikbaarheid/agenda/bestand/", {"upload-file": bad})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Dit is geen agenda die we kunnen lezen" in response.content.decode()
    assert BusyFeed.objects.count() == 1


def test_the_refresh_task_fetches_every_linked_feed_and_plans_the_next_run(
    make_offer, feed_server
) -> None:
    offer = make_offer()
    start = timezone.now() + datetime.timedelta(days=3)
    feed_server.pages["/agenda.ics"] = calendar(
        event(
            "busy",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{start + datetime.timedelta(hours=1):%Y%m%dT%H%M%SZ}",
        )
    )
    feed = linked(offer.helper, feed_server.url("/agenda.ics"))
    tasks.busy_feeds_refresh.call()
    # It queues a task of her own, which the worker runs.
    queued = DBTaskResult.objects.get(task_path=tasks.busy_feeds_refresh_helper.module_path)
    assert queued.args_kwargs["args"] == [offer.helper.pk]
    tasks.busy_feeds_refresh_helper.call(*queued.args_kwargs["args"])
    assert feed.ranges.count() == 1
    assert not plan_next(tasks.busy_feeds_refresh)  # the next run is already planned
