"""Free times for a helper: pure functions over rules, exceptions and busy ranges.

Rules and exceptions are wall-clock times in the helper's time zone; durations, buffers, notice
and the booking horizon are elapsed time, computed in UTC. A wall-clock time that does not exist
(the hour skipped when clocks go forward) is never offered; a time that occurs twice (the hour
repeated when clocks go back) is offered once, at its first occurrence.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = datetime.UTC


@dataclass(frozen=True, order=True)
class Interval:
    """A local wall-clock interval on one day."""

    start: datetime.time
    end: datetime.time


@dataclass(frozen=True)
class WeeklyRule:
    weekday: int  # Monday is 0
    start: datetime.time
    end: datetime.time


@dataclass(frozen=True)
class DateException:
    """Replaces the weekly rules on one local date; no times means not available that day."""

    date: datetime.date
    start: datetime.time | None = None
    end: datetime.time | None = None


@dataclass(frozen=True)
class SlotRules:
    duration: datetime.timedelta
    buffer_before: datetime.timedelta = datetime.timedelta(0)
    buffer_after: datetime.timedelta = datetime.timedelta(0)
    step: datetime.timedelta = datetime.timedelta(minutes=30)
    min_notice: datetime.timedelta = datetime.timedelta(hours=24)
    horizon: datetime.timedelta = datetime.timedelta(days=56)


Busy = tuple[datetime.datetime, datetime.datetime]  # a blocked [start, end) in UTC


def local_to_utc(
    day: datetime.date, time: datetime.time, zone: ZoneInfo
) -> datetime.datetime | None:
    """The UTC instant of a wall-clock time, or None when that time does not exist that day."""
    local = datetime.datetime.combine(day, time, tzinfo=zone)  # fold=0: first occurrence
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # skipped by a clock change: zoneinfo would silently shift it an hour
    return instant


def day_intervals(
    day: datetime.date, rules: Iterable[WeeklyRule], exceptions: Sequence[DateException]
) -> list[Interval]:
    """The local intervals a helper is available on one date."""
    todays = [e for e in exceptions if e.date == day]
    if todays:
        return sorted(
            Interval(e.start, e.end)
            for e in todays
            if e.start is not None and e.end is not None and e.start < e.end
        )
    return sorted(
        Interval(r.start, r.end) for r in rules if r.weekday == day.weekday() and r.start < r.end
    )


def blocked_range(start: datetime.datetime, rules: SlotRules) -> Busy:
    """The time a session starting at `start` keeps free, buffers included."""
    return start - rules.buffer_before, start + rules.duration + rules.buffer_after


def _overlaps(a: Busy, b: Busy) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _interval_end(day: datetime.date, end: datetime.time, zone: ZoneInfo) -> datetime.datetime:
    instant = local_to_utc(day, end, zone)
    if instant is None:
        # An interval that ends in the skipped hour ends when the clock jumps. Neither reading
        # of the skipped time is that instant: fold=0 (the offset before the jump) lies after
        # it, by as much as the end lies past the jump's start on the clock, which let a session
        # run on past the helper's end (01:30–02:30 on 29 March 2026 in Amsterdam, then 03:30
        # on the clock, was offered for an interval 01:00–02:30). fold=1 (the offset after the
        # jump) lies before it. Find the jump between the two, to the second.
        low = datetime.datetime.combine(day, end, tzinfo=zone).replace(fold=1).astimezone(UTC)
        high = datetime.datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
        offset_before = low.astimezone(zone).utcoffset()
        while high - low > datetime.timedelta(seconds=1):
            middle = low + datetime.timedelta(seconds=(high - low).total_seconds() // 2)
            if middle.astimezone(zone).utcoffset() == offset_before:
                low = middle
            else:
                high = middle
        instant = high
    return instant


def free_slots(
    *,
    zone: ZoneInfo,
    rules: Iterable[WeeklyRule],
    exceptions: Sequence[DateException],
    busy: Sequence[Busy],
    slot_rules: SlotRules,
    first_day: datetime.date,
    last_day: datetime.date,
    now: datetime.datetime,
) -> list[datetime.datetime]:
    """Every start time (UTC) that can be booked between two local dates, inclusive."""
    rules = list(rules)
    earliest = now + slot_rules.min_notice
    latest = now + slot_rules.horizon
    seen: set[datetime.datetime] = set()
    slots: list[datetime.datetime] = []
    day = first_day
    while day <= last_day:
        for interval in day_intervals(day, rules, exceptions):
            interval_end = _interval_end(day, interval.end, zone)
            wall = datetime.datetime.combine(day, interval.start)
            while wall.time() < interval.end and wall.date() == day:
                start = local_to_utc(day, wall.time(), zone)
                wall += slot_rules.step
                if start is None or start in seen:
                    continue
                if start + slot_rules.duration > interval_end:
                    continue
                if not earliest <= start <= latest:
                    continue
                blocked = blocked_range(start, slot_rules)
                if any(_overlaps(blocked, other) for other in busy):
                    continue
                seen.add(start)
                slots.append(start)
        day += datetime.timedelta(days=1)
    return sorted(slots)


def is_free(
    start: datetime.datetime,
    *,
    zone: ZoneInfo,
    rules: Iterable[WeeklyRule],
    exceptions: Sequence[DateException],
    busy: Sequence[Busy],
    slot_rules: SlotRules,
    now: datetime.datetime,
) -> bool:
    """Whether exactly this start time would be offered."""
    day = start.astimezone(zone).date()
    return start in free_slots(
        zone=zone,
        rules=rules,
        exceptions=exceptions,
        busy=busy,
        slot_rules=slot_rules,
        first_day=day,
        last_day=day,
        now=now,
    )


def within_hours(
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    zone: ZoneInfo,
    rules: Iterable[WeeklyRule],
    exceptions: Sequence[DateException],
) -> bool:
    """Whether a session from `start` to `end` (UTC) lies inside one of the helper's intervals
    on its local day."""
    day = start.astimezone(zone).date()
    for interval in day_intervals(day, list(rules), exceptions):
        begins = datetime.datetime.combine(day, interval.start, tzinfo=zone).astimezone(UTC)
        if begins <= start and end <= _interval_end(day, interval.end, zone):
            return True
    return False
