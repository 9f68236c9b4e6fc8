"""The helper's own calendars, whose busy times keep visitors from booking then: add one by its
link (read at once, in the same request, under the fetch's address check and deadline in
support/booking/busyfeeds.py), upload a file once, remove one. The worker refreshes linked
calendars every 15 minutes after that."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import pagecache
from support.booking import busyfeeds
from support.booking.busyfeeds import FeedError
from support.models import BusyFeed, Helper


@dataclass(frozen=True)
class FeedRead:
    """A calendar just read: how many busy times it gave for the coming weeks."""

    feed: BusyFeed
    busy_count: int
    weeks: int


def _read(helper: Helper, data: bytes, now: datetime.datetime) -> tuple[list, int]:
    start, end = busyfeeds.horizon(helper, now)
    ranges = busyfeeds.busy_ranges(data, zone=helper.zone, start=start, end=end)
    weeks = max(1, (end - now).days // 7)
    return ranges, weeks


def busy_feed_add(*, helper: Helper, url: str, now: datetime.datetime | None = None) -> FeedRead:
    """Read her calendar at its link now; FeedError (nothing saved) with one plain reason
    when it cannot be read: a private or unknown address, no answer in time, not a calendar."""
    now = now or timezone.now()
    _scheme, host, _port = busyfeeds.check_url(url)
    ranges, weeks = _read(helper, busyfeeds.fetch(url.strip()), now)
    with transaction.atomic():
        feed = BusyFeed.objects.create(
            helper=helper, url=url.strip(), host=host.lower(), fetched_at=now
        )
        busyfeeds._replace_ranges(feed=feed, ranges=ranges, now=now)
    return FeedRead(feed, sum(1 for _start, end in ranges if end > now), weeks)


def busy_feed_upload(
    *, helper: Helper, data: bytes, now: datetime.datetime | None = None
) -> FeedRead:
    """A feed read once from an uploaded file; FeedError (nothing saved) when it is no use."""
    now = now or timezone.now()
    if len(data) > busyfeeds.MAX_FEED_BYTES:
        raise FeedError(_("De agenda is te groot (meer dan 2 MB)."))
    ranges, weeks = _read(helper, data, now)
    with transaction.atomic():
        feed = BusyFeed.objects.create(helper=helper, fetched_at=now)
        busyfeeds._replace_ranges(feed=feed, ranges=ranges, now=now)
    return FeedRead(feed, sum(1 for _start, end in ranges if end > now), weeks)


def busy_feed_remove(*, helper: Helper, feed_id: int) -> bool:
    """Remove one of her feeds and its busy times; False when she has no such feed."""
    with transaction.atomic():
        feed = BusyFeed.objects.filter(helper=helper, pk=feed_id).first()
        if feed is None:
            return False
        feed.delete()
        pagecache.bump(pagecache.AVAILABILITY, key=helper.pk)
    return True
