"""A calendar file or host cannot hold a web worker or the task worker: every expanded
occurrence counts against one budget, rules every second or minute are refused, the reading has
a wall-clock budget, a fetch has one deadline for everything, each helper's feeds are fetched in
a task of her own after the mail, and a failing feed tells the helper nothing about the host."""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from deploy.drill_feeds import DripHost
from support import outbox, tasks
from support.booking import busyfeeds, feedfetch
from support.models import BusyFeed, OutgoingEmail
from tests.support.booking.test_busyfeeds import NOW, calendar, event

pytestmark = pytest.mark.django_db

START = datetime.datetime(2027, 3, 14, tzinfo=datetime.UTC)
END = datetime.datetime(2027, 5, 14, tzinfo=datetime.UTC)
ZONE = datetime.UTC

# The audit's 190-byte file: a "free" event every second, for ever.
SECONDLY = calendar(
    event(
        "tick",
        "DTSTART:20270301T000000Z",
        "DTEND:20270301T000001Z",
        "RRULE:FREQ=SECONDLY",
        "TRANSP:TRANSPARENT",
    )
)


def within(seconds: float, work) -> tuple[float, object]:
    """`work()` in a thread: how long it took and what it gave or raised. Work that does not
    finish within `seconds` fails the test instead of hanging it (as it would before the fix)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except Exception as error:  # what the test looks at
            outcome["value"] = error

    began = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still reading after {seconds} s"
    return time.monotonic() - began, outcome["value"]


def read_within(seconds: float, data: bytes) -> tuple[float, object]:
    return within(seconds, lambda: busyfeeds.busy_ranges(data, zone=ZONE, start=START, end=END))


@pytest.mark.parametrize("frequency", ["SECONDLY", "MINUTELY"])
def test_a_rule_every_second_or_minute_is_refused_at_once(frequency) -> None:
    data = SECONDLY.replace(b"SECONDLY", frequency.encode())
    took, answer = read_within(15, data)
    assert isinstance(answer, busyfeeds.FeedError)
    assert "elke seconde of elke minuut" in str(answer)
    assert took < 5


def test_every_occurrence_counts_also_those_that_block_nothing(monkeypatch) -> None:
    # Twice a day, marked free or cancelled or lasting no time: nothing blocks, but expanding
    # them is the same work, so they count against the one budget (here 100 for 120 of them).
    monkeypatch.setattr(busyfeeds, "MAX_OCCURRENCES", 100)
    twice = "RRULE:FREQ=DAILY;BYHOUR=9,15"
    for marker in ("TRANSP:TRANSPARENT", "STATUS:CANCELLED", "DTEND:20270315T090000Z"):
        lines = ["DTSTART:20270315T090000Z", twice, marker]
        if not marker.startswith("DTEND"):
            lines.append("DTEND:20270315T100000Z")
        _took, answer = read_within(30, calendar(event("often", *lines)))
        assert isinstance(answer, busyfeeds.FeedError), marker
        assert "te veel afspraken" in str(answer)
    # Within the budget a calendar is read as before: 61 days, one blocking hour each.
    monkeypatch.setattr(busyfeeds, "MAX_OCCURRENCES", 70)
    daily = calendar(
        event("daily", "DTSTART:20270314T090000Z", "DTEND:20270314T100000Z", "RRULE:FREQ=DAILY")
    )
    _took, ranges = read_within(30, daily)
    assert isinstance(ranges, list) and len(ranges) == 61


def test_a_rule_that_expands_for_ever_before_the_horizon_stops_at_the_deadline(
    monkeypatch,
) -> None:
    # Hourly, but at every minute, since 1900: billions of occurrences before today.
    minutes = ",".join(str(m) for m in range(60))
    data = calendar(
        event(
            "past",
            "DTSTART:19000101T000000Z",
            "DTEND:19000101T000100Z",
            f"RRULE:FREQ=HOURLY;BYMINUTE={minutes}",
        )
    )
    monkeypatch.setattr(busyfeeds, "PARSE_SECONDS", 2.0)
    took, answer = read_within(20, data)
    assert isinstance(answer, busyfeeds.FeedError)
    assert "te ingewikkeld" in str(answer)
    assert took < 4


def test_an_upload_of_the_secondly_file_gets_a_clear_dutch_answer(
    client: Client, make_account, make_offer
) -> None:
    offer = make_offer()
    client.force_login(make_account("helper", "anita@example.org", helper=offer.helper))
    upload = SimpleUploadedFile("agenda.ics", SECONDLY, content_type="text/calendar")
    began = time.monotonic()
    response = client.post("/praktijk/beschikbaarheid/agenda/bestand/", {"upload-file": upload})
    assert time.monotonic() - began < 5
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "elke seconde of elke minuut" in response.content.decode()
    assert not BusyFeed.objects.exists()


@pytest.fixture
def drip() -> Iterator[DripHost]:
    """A calendar host that sends its answer a byte every 0.2 s, for ever (the drill's own)."""
    server = DripHost(every=0.2)
    yield server
    server.close()


def test_a_host_that_drips_its_answer_is_dropped_at_the_one_deadline(drip) -> None:
    took, refused = within(10, lambda: busyfeeds.fetch(drip.url, timeout=1.5))
    assert isinstance(refused, busyfeeds.FeedError)
    assert 1.4 < took < 2.5
    assert "did not answer in full within 1.5 s" in refused.detail


@pytest.mark.django_db(transaction=True)
def test_each_helpers_feeds_are_fetched_in_a_task_of_their_own_after_the_mail(
    drip, make_offer, make_helper, make_booking, monkeypatch
) -> None:
    monkeypatch.setattr(feedfetch, "FETCH_TIMEOUT", 1.0)
    offer = make_offer()
    first, second = offer.helper, make_helper("bram")
    for helper in (first, second):
        # Saved as a link that once answered; the drip host now answers too slowly.
        BusyFeed.objects.create(helper=helper, url=drip.url, host="127.0.0.1")
    tasks.busy_feeds_refresh.call()
    per_helper = DBTaskResult.objects.filter(task_path=tasks.busy_feeds_refresh_helper.module_path)
    assert sorted(r.args_kwargs["args"][0] for r in per_helper) == sorted([first.pk, second.pk])
    # Mail queued after them still goes first.
    outbox.email_queue(kind="booking_received", booking=make_booking(offer))
    call_command(
        "task_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO(),
        stderr=StringIO(),
    )  # fmt: skip
    mails = DBTaskResult.objects.filter(task_path=outbox.send_email.module_path)
    fetches = list(per_helper.order_by("started_at"))
    assert mails.exists() and all(m.status == "SUCCESSFUL" for m in mails)
    assert not OutgoingEmail.objects.filter(sent_at=None).exists()
    assert all(f.status == "SUCCESSFUL" for f in fetches)
    assert max(m.finished_at for m in mails) <= fetches[0].started_at
    for fetch in fetches:  # each gave up at its deadline
        assert (fetch.finished_at - fetch.started_at).total_seconds() < 3
    assert BusyFeed.objects.failing().count() == 2


def test_a_failing_feed_tells_the_helper_nothing_about_the_host(
    client: Client, make_account, make_offer, caplog, settings
) -> None:
    offer = make_offer()
    settings.BUSY_FEEDS_ALLOW_PRIVATE = False
    # A feed saved earlier whose address is now refused (adding it would be refused at once).
    feed = BusyFeed.objects.create(
        helper=offer.helper, url="https://127.0.0.1/agenda.ics", host="127.0.0.1"
    )
    with caplog.at_level(logging.WARNING, logger="support.booking.busyfeeds"):
        assert not busyfeeds.busy_feed_refresh(feed_id=feed.pk, now=NOW)
    feed.refresh_from_db()
    assert feed.failure.startswith("Je agenda kon niet worden opgehaald.")
    # The operator's log says why.
    assert "non-public address: 127.0.0.1" in caplog.text
    client.force_login(make_account("helper", "anita@example.org", helper=offer.helper))
    for page in ("/praktijk/", "/praktijk/beschikbaarheid/"):
        html = client.get(page).content.decode()
        assert "Je agenda kon niet worden opgehaald." in html
        assert "niet toegestaan" not in html and "non-public" not in html
