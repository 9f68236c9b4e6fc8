"""A helper's external calendars: fetch or upload, read the busy times, keep only those.

A feed is an iCalendar address the worker fetches every 15 minutes, each helper's feeds in a
task of their own (`busy_feeds_refresh` in support/tasks.py), or a file she uploads once. Each
successful read replaces the feed's busy ranges at once; a failed fetch keeps the last good
ranges and records when it failed, which her dashboard shows with one general message; why it
failed goes to the operator's log. Nothing but start and end (UTC) is kept of an event.

Fetching (feedfetch.py) guards against server-side request forgery and holds to one deadline;
reading (icalread.py) runs in a child process with a CPU, memory and wall-clock budget.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import pagecache
from support.booking import availability, icalread
from support.booking.feedfetch import (
    FETCH_TIMEOUT,
    MAX_FEED_BYTES,
    FeedError,
    check_url,
    fetch,
    fetch_failed,
    resolve,
)
from support.models import BusyFeed, BusyRange, Helper, Offer

__all__ = [
    "FETCH_TIMEOUT",
    "MAX_FEED_BYTES",
    "FeedError",
    "busy_feed_refresh",
    "busy_ranges",
    "check_url",
    "fetch",
    "fetch_failed",
    "resolve",
]

logger = logging.getLogger(__name__)

# More occurrences than this in the horizon (blocking or not: transparent, cancelled and
# zero-length ones cost the same to expand) is not a calendar but a mistake or an attack.
MAX_OCCURRENCES = 2000
# The whole reading of one file, the child process's start included, takes at most this long;
# the child stops expanding a second earlier by itself.
PARSE_SECONDS = 8.0
DEFAULT_HORIZON_DAYS = 56
UTC = datetime.UTC
# What the child may see of our environment: enough to find Python and its packages.
_CHILD_ENV = ("PATH", "PYTHONPATH", "VIRTUAL_ENV", "LANG", "LC_ALL", "HOME")


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


def _merged(ranges: Iterable[availability.Busy]) -> list[availability.Busy]:
    merged: list[availability.Busy] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _refusal(reason: str) -> FeedError:
    messages = {
        icalread.FREQUENCY: _(
            "In deze agenda komt een afspraak elke seconde of elke minuut terug. Zo'n agenda "
            "kunnen we niet lezen: pas die afspraak aan of laat hem weg."
        ),
        icalread.TOO_MANY: _(
            "Deze agenda heeft te veel afspraken in de komende weken om te lezen."
        ),
        icalread.TOO_SLOW: _(
            "Deze agenda is te ingewikkeld om op tijd te lezen. Kijk of er afspraken in staan "
            "die heel vaak terugkomen."
        ),
    }
    return FeedError(
        messages.get(reason, _("Dit is geen agenda die we kunnen lezen (iCalendar).")),
        f"calendar refused: {reason}",
    )


def busy_ranges(
    data: bytes, *, zone: ZoneInfo, start: datetime.datetime, end: datetime.datetime
) -> list[availability.Busy]:
    """The busy ranges (UTC, merged) of an iCalendar file between two instants.

    Recurrences (RRULE, RDATE, EXDATE, moved occurrences) are expanded; an all-day event
    blocks her whole local days; transparent ("free") and cancelled events block nothing.
    Read in a child process (icalread.py) within PARSE_SECONDS; FeedError with a Dutch
    message when the file is refused.
    """
    env = {name: os.environ[name] for name in _CHILD_ENV if name in os.environ}
    command = [sys.executable, "-m", "support.booking.icalread", str(zone)]
    try:
        result = subprocess.run(
            [
                *command,
                start.astimezone(UTC).isoformat(),
                end.astimezone(UTC).isoformat(),
                str(MAX_OCCURRENCES),
                str(max(PARSE_SECONDS - 1, 0.5)),
            ],
            input=data,
            capture_output=True,
            timeout=PARSE_SECONDS,
            cwd=settings.BASE_DIR,
            env=env,
            check=False,
        )
        answer = json.loads(result.stdout)
    except subprocess.TimeoutExpired as error:
        raise _refusal(icalread.TOO_SLOW) from error
    except ValueError as error:  # no answer: the child ran out of CPU time or memory
        logger.warning("calendar reader stopped: %s", result.stderr.decode()[-500:])
        raise _refusal(icalread.TOO_SLOW) from error
    if "refused" in answer:
        raise _refusal(answer["refused"])
    return _merged(
        (
            datetime.datetime.fromtimestamp(begins, UTC),
            datetime.datetime.fromtimestamp(ends, UTC),
        )
        for begins, ends in answer["ranges"]
    )


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
    pagecache.bump(pagecache.AVAILABILITY, key=feed.helper_id)


def busy_feed_refresh(*, feed_id: int, now: datetime.datetime | None = None) -> bool:
    """Fetch one feed and replace its busy times; on failure keep them and record when.

    Returns whether the fetch succeeded. Never raises for a feed's own trouble. The helper
    sees one general message for any failure; the reason goes to the operator's log only.
    """
    now = now or timezone.now()
    feed = BusyFeed.objects.select_related("helper").filter(pk=feed_id).first()
    if feed is None or not feed.url:
        return False
    try:
        start, end = horizon(feed.helper, now)
        ranges = busy_ranges(fetch(feed.url), zone=feed.helper.zone, start=start, end=end)
    except FeedError as error:
        logger.warning("busy feed %s (helper %s, %s) failed: %s", feed.pk, feed.helper_id,
                       feed.host, error.detail)  # fmt: skip
        # An update, not a save: a failure changes no page a visitor sees.
        BusyFeed.objects.filter(pk=feed.pk).update(
            failed_at=now, failure=str(fetch_failed(""))[:200]
        )
        return False
    _replace_ranges(feed=feed, ranges=ranges, now=now)
    return True


def busy_feeds_refresh_helper(*, helper_id: int, now: datetime.datetime | None = None) -> int:
    """Refresh one helper's fetched feeds; returns how many succeeded."""
    feeds = BusyFeed.objects.fetched().filter(helper_id=helper_id).values_list("pk", flat=True)
    return sum(busy_feed_refresh(feed_id=pk, now=now) for pk in feeds)


def helpers_with_feeds() -> list[int]:
    """The helpers who have a feed to fetch, each refreshed in a task of her own."""
    return list(
        BusyFeed.objects.fetched()
        .order_by("helper_id")
        .values_list("helper_id", flat=True)
        .distinct()
    )
