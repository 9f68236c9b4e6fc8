"""The helper's time: her weekly hours, exceptions on a date, her limits a day and a week, and
her own booking rules per conversation type.

A change that would leave a request or a confirmed session outside her hours is not saved
unless she has seen those bookings (`LeavesOutside` lists them; saving again with
`seen=True` goes ahead). After it, each such booking carries a conflict mark
(support/booking/helper/conflicts.py) until she acts on it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from portal import pagecache
from support.booking import availability
from support.booking.errors import BookingRefused
from support.booking.helper.conflicts import left_outside
from support.booking.selectors import schedule
from support.models import AvailabilityException, AvailabilityRule, Booking, Helper, Offer


class LeavesOutside(Exception):
    """The change would leave these bookings outside her hours: ask her first."""

    def __init__(self, bookings: list[Booking]) -> None:
        super().__init__(f"{len(bookings)} bookings outside the new hours")
        self.bookings = bookings


def _check(
    helper: Helper,
    rules: list[availability.WeeklyRule],
    exceptions: list[availability.DateException],
    *,
    seen: bool,
) -> None:
    if seen:
        return
    if hit := left_outside(helper, rules=rules, exceptions=exceptions):
        raise LeavesOutside(hit)


def availability_rule_add(
    *, helper: Helper, weekday: int, start: datetime.time, end: datetime.time
) -> AvailabilityRule:
    """More hours on a weekday: never leaves a booking outside."""
    if end <= start:
        raise BookingRefused(_("De eindtijd moet na de begintijd liggen."))
    return AvailabilityRule.objects.create(helper=helper, weekday=weekday, start=start, end=end)


def availability_rule_remove(*, helper: Helper, rule_id: int, seen: bool = False) -> bool:
    rule = AvailabilityRule.objects.filter(helper=helper, pk=rule_id).first()
    if rule is None:
        return False
    rules, exceptions = schedule(helper)
    gone = availability.WeeklyRule(rule.weekday, rule.start, rule.end)
    _check(helper, [r for r in rules if r != gone], exceptions, seen=seen)
    rule.delete()
    return True


def availability_exception_add(
    *,
    helper: Helper,
    date: datetime.date,
    start: datetime.time | None = None,
    end: datetime.time | None = None,
    seen: bool = False,
) -> AvailabilityException:
    """Replace the weekly times on one date; without times she is not available that day."""
    if (start is None) != (end is None):
        raise BookingRefused(_("Vul een begintijd en een eindtijd in, of geen van beide."))
    if start is not None and end is not None and end <= start:
        raise BookingRefused(_("De eindtijd moet na de begintijd liggen."))
    rules, exceptions = schedule(helper)
    # With the others on its date, the new exception replaces the weekly times on that date.
    new = availability.DateException(date, start, end)
    _check(helper, rules, [*exceptions, new], seen=seen)
    return AvailabilityException.objects.create(helper=helper, date=date, start=start, end=end)


def availability_exception_remove(*, helper: Helper, exception_id: int, seen: bool = False) -> bool:
    exception = AvailabilityException.objects.filter(helper=helper, pk=exception_id).first()
    if exception is None:
        return False
    rules, exceptions = schedule(helper)
    gone = availability.DateException(exception.date, exception.start, exception.end)
    _check(helper, rules, [e for e in exceptions if e != gone], seen=seen)
    exception.delete()
    return True


def helper_limits_set(*, helper: Helper, per_day: int | None, per_week: int | None) -> Helper:
    """Set (or, with None, lift) her daily and weekly limits. Bookings already made stay."""
    if (per_day is not None and per_day < 1) or (per_week is not None and per_week < 1):
        raise ValueError("a limit is at least 1")
    with transaction.atomic():
        Helper.objects.filter(pk=helper.pk).update(
            max_sessions_per_day=per_day, max_sessions_per_week=per_week
        )
        # update() sends no signal: the week pages show free times that depend on this.
        pagecache.bump(pagecache.AVAILABILITY, key=helper.pk)
    helper.max_sessions_per_day = per_day
    helper.max_sessions_per_week = per_week
    return helper


# -- her own booking rules ----------------------------------------------------------------------

STEPS = (5, 10, 15, 20, 30, 45, 60, 90, 120)


@dataclass(frozen=True)
class Bounds:
    """What a coordinator allows for one conversation type (in the admin)."""

    notice_floor_hours: int
    horizon_ceiling_days: int
    buffer_ceiling_minutes: int
    step_floor_minutes: int

    @classmethod
    def of(cls, offer: Offer) -> Bounds:
        kind = offer.conversation_type
        return cls(
            kind.notice_floor_hours,
            max(kind.horizon_ceiling_days, 1),
            kind.buffer_ceiling_minutes,
            kind.step_floor_minutes,
        )

    @property
    def steps(self) -> list[int]:
        return [step for step in STEPS if step >= self.step_floor_minutes] or [STEPS[-1]]


def offer_rules_set(
    *,
    helper: Helper,
    offer_id: int,
    notice_hours: int,
    buffer_before: int,
    buffer_after: int,
    horizon_days: int,
    step_minutes: int,
) -> Offer:
    """Her notice, buffers, horizon and step for one conversation type she offers, within the
    coordinator's bounds. Free times follow at once (saving an offer renews the week pages)."""
    offer = (
        Offer.objects.select_related("conversation_type", "helper")
        .filter(helper=helper, pk=offer_id)
        .first()
    )
    if offer is None:
        raise BookingRefused(_("Dit soort gesprek bied je niet aan."))
    bounds = Bounds.of(offer)
    if notice_hours < bounds.notice_floor_hours:
        raise BookingRefused(
            _("Minimaal vooraf is hier ten minste %(hours)s uur.")
            % {"hours": bounds.notice_floor_hours}
        )
    if not 1 <= horizon_days <= bounds.horizon_ceiling_days:
        raise BookingRefused(
            _("Vooruit boeken kan hier tussen 1 en %(days)s dagen.")
            % {"days": bounds.horizon_ceiling_days}
        )
    if (
        max(buffer_before, buffer_after) > bounds.buffer_ceiling_minutes
        or min(buffer_before, buffer_after) < 0
    ):
        raise BookingRefused(
            _("Vrije tijd ervoor of erna is hier hoogstens %(minutes)s minuten.")
            % {"minutes": bounds.buffer_ceiling_minutes}
        )
    if step_minutes not in bounds.steps:
        raise BookingRefused(_("Kies een van de stappen tussen starttijden."))
    offer.min_notice_hours = notice_hours
    offer.buffer_before_minutes = buffer_before
    offer.buffer_after_minutes = buffer_after
    offer.horizon_days = horizon_days
    offer.slot_step_minutes = step_minutes
    offer.save(
        update_fields=[
            "min_notice_hours",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "horizon_days",
            "slot_step_minutes",
        ]
    )
    return offer
