"""Reads for booking: free times, the visitor's held booking, deadlines."""

from __future__ import annotations

import datetime

from django.utils import timezone

from support.booking import availability, limits
from support.models import Booking, BusyRange, Helper, Offer

NEAREST_SEARCH_DAYS = 28


def slot_rules(offer: Offer, *, minutes: int | None = None) -> availability.SlotRules:
    return availability.SlotRules(
        duration=datetime.timedelta(minutes=minutes or offer.setting("duration_minutes")),
        buffer_before=datetime.timedelta(minutes=offer.setting("buffer_before_minutes")),
        buffer_after=datetime.timedelta(minutes=offer.setting("buffer_after_minutes")),
        step=datetime.timedelta(minutes=offer.conversation_type.slot_step_minutes),
        min_notice=datetime.timedelta(hours=offer.setting("min_notice_hours")),
        horizon=datetime.timedelta(days=offer.setting("horizon_days")),
    )


def schedule(
    helper: Helper,
) -> tuple[list[availability.WeeklyRule], list[availability.DateException]]:
    rules = [availability.WeeklyRule(r.weekday, r.start, r.end) for r in helper.availability.all()]
    exceptions = [
        availability.DateException(e.date, e.start, e.end) for e in helper.exceptions.all()
    ]
    return rules, exceptions


def busy(
    helper: Helper,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    exclude: int | None = None,
) -> list[availability.Busy]:
    """What blocks her time between two instants: bookings (with buffers) and external busy
    times."""
    bookings = Booking.objects.blocking().filter(
        helper=helper, blocked_from__lt=end, blocked_until__gt=start
    )
    if exclude is not None:
        bookings = bookings.exclude(pk=exclude)
    # Her own calendars' busy times block like bookings (support/booking/busyfeeds.py); one
    # query for both keeps the week page within its budget.
    external = BusyRange.objects.filter(helper=helper, starts_at__lt=end, ends_at__gt=start)
    return list(
        bookings.order_by()
        .values_list("blocked_from", "blocked_until")
        .union(external.order_by().values_list("starts_at", "ends_at"), all=True)
        .order_by()  # a booking's default ordering names no column of the union
    )


def free_times(
    *,
    offer: Offer,
    first_day: datetime.date,
    last_day: datetime.date,
    now: datetime.datetime | None = None,
    minutes: int | None = None,
    exclude: int | None = None,
) -> list[datetime.datetime]:
    """The free start times (UTC) between two local dates, as shown to a visitor."""
    now = now or timezone.now()
    helper = offer.helper
    zone = helper.zone
    rules, exceptions = schedule(helper)
    window_start = datetime.datetime.combine(first_day, datetime.time(), tzinfo=zone)
    window_end = datetime.datetime.combine(
        last_day + datetime.timedelta(days=2), datetime.time(), tzinfo=zone
    )
    times = availability.free_slots(
        zone=zone,
        rules=rules,
        exceptions=exceptions,
        busy=busy(helper, window_start - datetime.timedelta(days=1), window_end, exclude=exclude),
        slot_rules=slot_rules(offer, minutes=minutes),
        first_day=first_day,
        last_day=last_day,
        now=now,
    )
    # A visitor is never offered a time on a day or in a week her limits have filled.
    full = limits.full_days(helper, first_day, last_day, exclude=exclude, now=now)
    if not full:
        return times
    return [t for t in times if timezone.localtime(t, zone).date() not in full]


def nearest_free_times(
    offer: Offer,
    *,
    after: datetime.datetime | None = None,
    count: int = 3,
    now: datetime.datetime | None = None,
    minutes: int | None = None,
    exclude: int | None = None,
) -> list[datetime.datetime]:
    now = now or timezone.now()
    first_day = timezone.localtime(after or now, offer.helper.zone).date()
    times = free_times(
        offer=offer,
        first_day=first_day,
        last_day=first_day + datetime.timedelta(days=NEAREST_SEARCH_DAYS),
        now=now,
        minutes=minutes,
        exclude=exclude,
    )
    return times[:count]


def held_booking(pk: int, hold_key: str) -> Booking | None:
    """The visitor's own booking while she is still filling it in."""
    return (
        Booking.objects.select_related("helper", "conversation_type")
        .unsubmitted()
        .filter(pk=pk, hold_key=hold_key)
        .first()
    )


def offer_for(booking: Booking) -> Offer:
    """The offer a booking was made under: its helper's settings for its conversation type."""
    return Offer.objects.select_related("helper", "conversation_type").get(
        helper_id=booking.helper_id, conversation_type_id=booking.conversation_type_id
    )


def cancellation_deadline(booking: Booking) -> datetime.datetime:
    """Until when the visitor may cancel or move the booking herself."""
    offer = offer_for(booking)
    return booking.starts_at - datetime.timedelta(hours=offer.setting("cancellation_window_hours"))
