"""A helper's external calendars: fetch or upload, read the busy times, keep only those.

A feed is an iCalendar address the worker fetches every 15 minutes (`busy_feeds_refresh` in
support/tasks.py), or a file she uploads once. Each successful read replaces the feed's busy
ranges at once; a failed fetch keeps the last good ranges and records when and why it failed,
which her dashboard shows. Nothing but start and end (UTC) is kept of an event.

Fetching guards against server-side request forgery: only `https`, no redirects, and the host
is resolved once, every address checked (no private, loopback, link-local, reserved or
multicast address) and the connection made to exactly the checked address. Tests relax this
with BUSY_FEEDS_ALLOW_PRIVATE to serve feeds from a local `http` server.
"""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import recurring_ical_events
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar

from portal import pagecache
from support.booking import availability
from support.models import BusyFeed, BusyRange, Helper, Offer

FETCH_TIMEOUT = 10.0  # seconds, for the whole fetch
MAX_FEED_BYTES = 2 * 1024 * 1024
# More busy ranges than this in the horizon is not a calendar but a mistake or an attack
# (an RRULE every minute): the feed is refused rather than cut short.
MAX_RANGES = 5000
DEFAULT_HORIZON_DAYS = 56
UTC = datetime.UTC


class FeedError(Exception):
    """A feed that cannot be used; the message is short, Dutch and shown to the helper."""


# -- checking and fetching --------------------------------------------------------------------


def _allow_private() -> bool:
    return bool(getattr(settings, "BUSY_FEEDS_ALLOW_PRIVATE", False))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def check_url(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of an address we may fetch; FeedError otherwise."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme != "https" and not (_allow_private() and scheme == "http"):
        raise FeedError(_("Het adres moet beginnen met https://."))
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as error:
        raise FeedError(_("Dit adres klopt niet.")) from error
    if not parts.hostname or parts.username or parts.password:
        raise FeedError(_("Dit adres klopt niet."))
    return scheme, parts.hostname, port


def resolve(host: str, port: int) -> str:
    """One address of `host` to connect to, after checking every address it has."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FeedError(_("De server van deze agenda is niet gevonden.")) from error
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise FeedError(_("De server van deze agenda is niet gevonden."))
    if not _allow_private() and not all(_public(address) for address in addresses):
        raise FeedError(_("Dit adres is niet toegestaan."))
    return addresses[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate checked for the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to a checked address: only with BUSY_FEEDS_ALLOW_PRIVATE (tests)."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def fetch(url: str, *, timeout: float = FETCH_TIMEOUT, limit: int = MAX_FEED_BYTES) -> bytes:
    """The body of a feed; FeedError when it cannot be had safely, quickly and small."""
    scheme, host, port = check_url(url)
    address = resolve(host, port)
    parts = urlsplit(url.strip())
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, address, port, timeout)
    deadline = time.monotonic() + timeout
    try:
        connection.request("GET", target, headers={"Accept": "text/calendar"})
        response = connection.getresponse()
        if response.status != http.HTTPStatus.OK:
            # Redirects are not followed: their target would escape the address check.
            raise FeedError(
                _("De server antwoordde met fout %(status)s.") % {"status": response.status}
            )
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            raise FeedError(_("De agenda is te groot (meer dan 2 MB)."))
        body = bytearray()
        while chunk := response.read(64 * 1024):
            body += chunk
            if len(body) > limit:
                raise FeedError(_("De agenda is te groot (meer dan 2 MB)."))
            if time.monotonic() > deadline:
                raise FeedError(_("De server antwoordde niet op tijd."))
        return bytes(body)
    except TimeoutError as error:
        raise FeedError(_("De server antwoordde niet op tijd.")) from error
    except (OSError, http.client.HTTPException) as error:
        raise FeedError(_("De server van deze agenda is niet bereikbaar.")) from error
    finally:
        connection.close()


# -- reading busy times -----------------------------------------------------------------------


def horizon(helper: Helper, now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """From the day before her today to a day past her longest booking horizon."""
    zone = helper.zone
    today = timezone.localtime(now, zone).date()
    days = max(
        (
            offer.setting("horizon_days")
            for offer in Offer.objects.filter(helper=helper).select_related("conversation_type")
        ),
        default=DEFAULT_HORIZON_DAYS,
    )
    start = datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(), zone)
    end = datetime.datetime.combine(
        today + datetime.timedelta(days=days + 2), datetime.time(), zone
    )
    return start.astimezone(UTC), end.astimezone(UTC)


def _instant(value: datetime.date | datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    """An event time in UTC: a date is the start of her local day, a floating time her clock."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _blocks(event: Any) -> bool:
    transparency = str(event.get("TRANSP", "OPAQUE")).upper()
    status = str(event.get("STATUS", "CONFIRMED")).upper()
    return transparency != "TRANSPARENT" and status != "CANCELLED"


def _merged(ranges: Iterable[availability.Busy]) -> list[availability.Busy]:
    merged: list[availability.Busy] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def busy_ranges(
    data: bytes, *, zone: ZoneInfo, start: datetime.datetime, end: datetime.datetime
) -> list[availability.Busy]:
    """The busy ranges (UTC, merged) of an iCalendar file between two instants.

    Recurrences (RRULE, RDATE, EXDATE, moved occurrences) are expanded; an all-day event
    blocks her whole local days; transparent ("free") and cancelled events block nothing.
    """
    try:
        calendar = Calendar.from_ical(data)
        occurrences = recurring_ical_events.of(calendar, components=["VEVENT"]).after(start)
        ranges: list[availability.Busy] = []
        for event in occurrences:
            if event.get("DTSTART") is None:
                continue
            begins = _instant(event["DTSTART"].dt, zone)
            if begins >= end:
                break  # occurrences come in order of their start
            if not _blocks(event):
                continue
            ends = _instant(event["DTEND"].dt, zone) if event.get("DTEND") else begins
            if ends > begins and ends > start:
                ranges.append((begins, ends))
                if len(ranges) > MAX_RANGES:
                    raise FeedError(_("Deze agenda heeft te veel afspraken."))
    except FeedError:
        raise
    except Exception as error:
        raise FeedError(_("Dit is geen agenda die we kunnen lezen (iCalendar).")) from error
    return _merged(ranges)


# -- services ---------------------------------------------------------------------------------


@transaction.atomic
def _replace_ranges(
    *, feed: BusyFeed, ranges: list[availability.Busy], now: datetime.datetime
) -> None:
    current = list(feed.ranges.order_by("starts_at").values_list("starts_at", "ends_at"))
    BusyFeed.objects.filter(pk=feed.pk).update(fetched_at=now, failed_at=None, failure="")
    if current == ranges:
        return  # nothing changed: cached week pages stay valid
    feed.ranges.all().delete()
    BusyRange.objects.bulk_create(
        BusyRange(feed=feed, helper_id=feed.helper_id, starts_at=start, ends_at=end)
        for start, end in ranges
    )
    pagecache.bump(pagecache.AVAILABILITY)


def busy_feed_refresh(*, feed_id: int, now: datetime.datetime | None = None) -> bool:
    """Fetch one feed and replace its busy times; on failure keep them and record why.

    Returns whether the fetch succeeded. Never raises for a feed's own trouble.
    """
    now = now or timezone.now()
    feed = BusyFeed.objects.select_related("helper").filter(pk=feed_id).first()
    if feed is None or not feed.url:
        return False
    try:
        start, end = horizon(feed.helper, now)
        ranges = busy_ranges(fetch(feed.url), zone=feed.helper.zone, start=start, end=end)
    except FeedError as error:
        # An update, not a save: a failure changes no page a visitor sees.
        BusyFeed.objects.filter(pk=feed.pk).update(failed_at=now, failure=str(error)[:200])
        return False
    _replace_ranges(feed=feed, ranges=ranges, now=now)
    return True


def busy_feeds_refresh_all(*, now: datetime.datetime | None = None) -> int:
    """Refresh every fetched feed; returns how many succeeded."""
    return sum(
        busy_feed_refresh(feed_id=pk, now=now)
        for pk in BusyFeed.objects.fetched().values_list("pk", flat=True)
    )
