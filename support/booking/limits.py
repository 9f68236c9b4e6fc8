"""The limits a helper asks for: at most so many sessions a day and a week.

Days and weeks are hers: local calendar days in her time zone, weeks from Monday to Sunday. A
session counts for the day (and week) it starts on, so one that starts just after her midnight
counts for the next day, also on the days the clocks change. Counted are the bookings that
keep their time from others (live holds, requests, confirmed sessions): a time a visitor is
still filling in the intake for is hers until the hold ends.

The services check a limit under the helper's lock, with the overlap check
(support/booking/services.py); the free times shown to visitors leave out full days and weeks
(support/booking/selectors.py).
"""

from __future__ import annotations

import datetime
from collections import Counter
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from support.models import Booking, Helper


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def local_midnight(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    """The instant her day begins (midnight exists on every day in the zones we serve; where a
    clock change skips it, zoneinfo reads it with the offset before the jump)."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zone).astimezone(datetime.UTC)


def has_limits(helper: Helper) -> bool:
    return helper.max_sessions_per_day is not None or helper.max_sessions_per_week is not None


def _counted_days(
    helper: Helper,
    first_day: datetime.date,
    last_day: datetime.date,
    *,
    exclude: int | None,
    now: datetime.datetime | None,
) -> Counter[datetime.date]:
    """How many blocking sessions start on each of her local days, whole weeks around the two
    dates included so the week counts are complete."""
    zone = helper.zone
    start = local_midnight(monday_of(first_day), zone)
    end = local_midnight(monday_of(last_day) + datetime.timedelta(days=7), zone)
    bookings = Booking.objects.blocking(now).filter(
        helper=helper, starts_at__gte=start, starts_at__lt=end
    )
    if exclude is not None:
        bookings = bookings.exclude(pk=exclude)
    return Counter(
        timezone.localtime(starts_at, zone).date()
        for starts_at in bookings.values_list("starts_at", flat=True)
    )


def full_days(
    helper: Helper,
    first_day: datetime.date,
    last_day: datetime.date,
    *,
    exclude: int | None = None,
    now: datetime.datetime | None = None,
) -> set[datetime.date]:
    """Her local dates between the two (inclusive) on which no session may be added."""
    if not has_limits(helper):
        return set()
    per_day = _counted_days(helper, first_day, last_day, exclude=exclude, now=now)
    per_week: Counter[datetime.date] = Counter()
    for day, count in per_day.items():
        per_week[monday_of(day)] += count
    full = set()
    day = first_day
    while day <= last_day:
        if _is_full(helper, per_day[day], per_week[monday_of(day)]):
            full.add(day)
        day += datetime.timedelta(days=1)
    return full


def _is_full(helper: Helper, on_day: int, in_week: int) -> bool:
    return (helper.max_sessions_per_day is not None and on_day >= helper.max_sessions_per_day) or (
        helper.max_sessions_per_week is not None and in_week >= helper.max_sessions_per_week
    )


def limit_refusal(
    helper: Helper,
    start: datetime.datetime,
    *,
    exclude: int | None = None,
    now: datetime.datetime | None = None,
) -> str | None:
    """Why one more session starting at `start` is not allowed, or None when it is.

    Only meaningful under the helper's lock: otherwise another booking may come in between.
    """
    # Read afresh: the caller's copy of her row may be older than the lock it holds now.
    helper = Helper.objects.get(pk=helper.pk)
    if not has_limits(helper):
        return None
    day = timezone.localtime(start, helper.zone).date()
    per_day = _counted_days(helper, day, day, exclude=exclude, now=now)
    if helper.max_sessions_per_day is not None and per_day[day] >= helper.max_sessions_per_day:
        return _("Op deze dag kan er geen afspraak meer bij. Kies een andere dag.")
    if (
        helper.max_sessions_per_week is not None
        and sum(per_day.values()) >= helper.max_sessions_per_week
    ):
        return _("In deze week kan er geen afspraak meer bij. Kies een dag in een andere week.")
    return None
