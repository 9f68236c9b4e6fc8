"""Reads for booking: free times, the visitor's held booking, deadlines."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import QuerySet
from django.utils import timezone

from support.booking import availability, limits
from support.models import Booking, BusyRange, Helper, Offer

NEAREST_SEARCH_DAYS = 28
# "Eerst beschikbare hulpverlener" is offered for a conversation type when at least this many
# helpers who take bookings offer it.
FIRST_FREE_MIN_HELPERS = 2


def bookable_offers() -> QuerySet[Offer]:
    """What a visitor can book: active types offered by active helpers who take bookings."""
    return Offer.objects.filter(
        helper__active=True, helper__takes_bookings=True, conversation_type__active=True
    ).select_related("helper", "conversation_type")


def first_free_offers(type_slug: str) -> list[Offer]:
    """Every bookable offer of one conversation type, in a fixed order (the helper's id), with
    each helper's schedule read in two queries for all; empty when fewer than
    FIRST_FREE_MIN_HELPERS helpers offer it."""
    offers = list(
        bookable_offers()
        .filter(conversation_type__slug=type_slug)
        .prefetch_related("helper__availability", "helper__exceptions")
        .order_by("helper_id")
    )
    return offers if len(offers) >= FIRST_FREE_MIN_HELPERS else []


def first_free_type_ids(offers: Sequence[Offer]) -> set[int]:
    """The conversation types among `offers` that enough helpers offer for "first free"."""
    helpers: dict[int, set[int]] = {}
    for offer in offers:
        helpers.setdefault(offer.conversation_type_id, set()).add(offer.helper_id)
    return {type_id for type_id, ids in helpers.items() if len(ids) >= FIRST_FREE_MIN_HELPERS}


def slot_rules(offer: Offer, *, minutes: int | None = None) -> availability.SlotRules:
    return availability.SlotRules(
        duration=datetime.timedelta(minutes=minutes or offer.setting("duration_minutes")),
        buffer_before=datetime.timedelta(minutes=offer.setting("buffer_before_minutes")),
        buffer_after=datetime.timedelta(minutes=offer.setting("buffer_after_minutes")),
        step=datetime.timedelta(minutes=offer.setting("slot_step_minutes")),
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


def first_free_times(
    offers: Sequence[Offer],
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    now: datetime.datetime | None = None,
) -> list[datetime.datetime]:
    """The free start times (UTC) of several helpers merged: a time is free when at least one
    of them is free then, under her own offer's settings, schedule, bookings and limits."""
    now = now or timezone.now()
    times: set[datetime.datetime] = set()
    for offer in offers:
        times.update(free_times(offer=offer, first_day=first_day, last_day=last_day, now=now))
    return sorted(times)


def nearest_first_free_times(
    offers: Sequence[Offer],
    *,
    after: datetime.datetime | None = None,
    count: int = 3,
    now: datetime.datetime | None = None,
) -> list[datetime.datetime]:
    now = now or timezone.now()
    times: set[datetime.datetime] = set()
    for offer in offers:
        times.update(nearest_free_times(offer, after=after, count=count, now=now))
    return sorted(times)[:count]


def sessions_in_week(helper: Helper, start: datetime.datetime) -> int:
    """Her requested and confirmed sessions in her own week (Monday to Sunday) of `start`."""
    monday = limits.monday_of(timezone.localtime(start, helper.zone).date())
    return (
        Booking.objects.open()
        .filter(
            helper=helper,
            starts_at__gte=limits.local_midnight(monday, helper.zone),
            starts_at__lt=limits.local_midnight(monday + datetime.timedelta(days=7), helper.zone),
        )
        .count()
    )


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


def individual_offer(booking: Booking) -> Offer | None:
    """The same helper's conversation for one person, for a couple's booking that should not
    be one (the safety question)."""
    return (
        bookable_offers()
        .filter(helper_id=booking.helper_id, conversation_type__both_partners=False)
        .first()
    )
