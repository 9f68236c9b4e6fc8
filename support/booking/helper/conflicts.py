"""Bookings outside the helper's hours: a day off, changed hours or an exception over a request
or a confirmed session. Read before she saves such a change (to list what it would leave
outside), and after (to mark each booking until she moves it, calls it off or keeps it)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.utils import timezone

from support.booking import availability
from support.booking.selectors import schedule
from support.models import Booking, Helper


def _outside(
    booking: Booking,
    zone: datetime.tzinfo,
    rules: Sequence[availability.WeeklyRule],
    exceptions: Sequence[availability.DateException],
) -> bool:
    return not availability.within_hours(
        booking.starts_at,
        booking.ends_at,
        zone=zone,  # type: ignore[arg-type]
        rules=rules,
        exceptions=exceptions,
    )


def is_outside_hours(booking: Booking) -> bool:
    """Whether one booking lies outside her hours as they are now."""
    rules, exceptions = schedule(booking.helper)
    return _outside(booking, booking.helper.zone, rules, exceptions)


def marked(helper: Helper, bookings: Iterable[Booking]) -> set[int]:
    """The ids of those open bookings that carry a conflict mark: outside her hours, and she has
    not said she keeps them."""
    rules, exceptions = schedule(helper)
    return {
        b.pk
        for b in bookings
        if b.is_open and not b.outside_hours_ok and _outside(b, helper.zone, rules, exceptions)
    }


def open_to_come(helper: Helper, now: datetime.datetime | None = None) -> list[Booking]:
    return list(
        Booking.objects.open()
        .filter(helper=helper, ends_at__gt=now or timezone.now())
        .select_related("conversation_type", "helper")
        .order_by("starts_at")
    )


def left_outside(
    helper: Helper,
    *,
    rules: Sequence[availability.WeeklyRule],
    exceptions: Sequence[availability.DateException],
    now: datetime.datetime | None = None,
) -> list[Booking]:
    """Her open bookings still to come that lie inside her hours now and would lie outside
    with `rules` and `exceptions` instead: what a change she is about to save would hit."""
    current_rules, current_exceptions = schedule(helper)
    zone = helper.zone
    return [
        b
        for b in open_to_come(helper, now)
        if not _outside(b, zone, current_rules, current_exceptions)
        and _outside(b, zone, rules, exceptions)
    ]
