"""Property-based tests of `support.booking.availability` around every clock change of 2026–2028.

Hypothesis draws weekly rules, date exceptions, busy ranges, buffers, notice, horizon, step and
duration near a real clock change in Europe/Amsterdam, America/New_York or Australia/Lord_Howe
(which moves its clock by 30 minutes), and checks what a visitor must be able to rely on:

- every offered session lies, in elapsed time, inside one interval its rule or exception
  describes: from the instant the helper's clock first reads its start to the instant it first
  reads its end (a skipped end is reached when the clock jumps over it);
- it lasts exactly its duration (a start and a fixed elapsed length, nothing else);
- its start exists on the wall clock, is a time of the helper's grid (interval start plus whole
  steps) and is the first occurrence of that time: nothing in a skipped hour, nothing twice in a
  repeated hour;
- no busy range is overlapped by the session with its buffers;
- notice and horizon hold;
- and, the other way round, nothing that satisfies all of this is withheld.

The oracle below finds those instants by walking the clock in 15-minute steps (the grain of all
generated times and of every clock change in these zones), independently of how the module
computes interval ends.

The run is bounded and reproducible: `derandomize=True`, no example database, a fixed number of
examples (500; 100 in `make quick`), so CI sees the same cases every time.
"""

from __future__ import annotations

import datetime
import functools
import os
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.booking.availability import (
    Busy,
    DateException,
    SlotRules,
    WeeklyRule,
    free_slots,
    is_free,
)

UTC = datetime.UTC
GRAIN = datetime.timedelta(minutes=15)
ZONES = [ZoneInfo(name) for name in ("Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe")]

# `make quick`, the inner loop, tries a fifth of the examples (PROPERTY_EXAMPLES); `make test`
# and CI try them all.
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "500"))
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a shared CI machine has pauses; the total runtime is bounded by examples
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def clock_changes(zone: ZoneInfo, first_year: int, last_year: int) -> list[datetime.datetime]:
    """Every instant (UTC) the zone's offset changes, found by walking the years in 15 minutes."""
    instant = datetime.datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime.datetime(last_year + 1, 1, 1, tzinfo=UTC)
    changes = []
    offset = instant.astimezone(zone).utcoffset()
    while instant < end:
        instant += GRAIN
        current = instant.astimezone(zone).utcoffset()
        if current != offset:
            changes.append(instant)
            offset = current
    return changes


CHANGES = [(zone, change) for zone in ZONES for change in clock_changes(zone, 2026, 2028)]


def test_every_zone_changes_its_clock_twice_a_year() -> None:
    for zone in ZONES:
        assert len([c for z, c in CHANGES if z is zone]) == 6, zone


# -- the oracle -----------------------------------------------------------------------------------


def spec_intervals(
    day: datetime.date, rules: list[WeeklyRule], exceptions: list[DateException]
) -> list[tuple[datetime.time, datetime.time]]:
    """The wall-clock intervals of one date as the helper entered them."""
    todays = [e for e in exceptions if e.date == day]
    if todays:
        candidates = [(e.start, e.end) for e in todays if e.start is not None and e.end is not None]
    else:
        candidates = [(r.start, r.end) for r in rules if r.weekday == day.weekday()]
    return [(start, end) for start, end in candidates if start < end]


def wall(instant: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    return instant.astimezone(zone)


@functools.cache
def reaches(day: datetime.date, time: datetime.time, zone: ZoneInfo) -> datetime.datetime:
    """The first instant the helper's clock reads `time` or later on `day`.

    An interval from `start` to `end` is, in elapsed time, [reaches(start), reaches(end)): the
    helper is there from the moment the clock first shows the start until it first shows the
    end. A skipped time is reached when the clock jumps over it; a repeated time at its first
    occurrence, and a clock turned back does not end an interval early. Found by walking the
    day in 15-minute steps, with no help from the module under test.
    """
    target = datetime.datetime.combine(day, time)
    instant = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone).astimezone(UTC)
    while True:
        reading = wall(instant, zone).replace(tzinfo=None)
        if reading >= target:
            return instant
        instant += GRAIN


def session_inside(
    start: datetime.datetime,
    duration: datetime.timedelta,
    day: datetime.date,
    interval: tuple[datetime.time, datetime.time],
    zone: ZoneInfo,
) -> bool:
    """Whether [start, start + duration) lies, in elapsed time, inside `interval` of `day`."""
    return reaches(day, interval[0], zone) <= start and start + duration <= reaches(
        day, interval[1], zone
    )


def blocked(start: datetime.datetime, slot_rules: SlotRules) -> Busy:
    return (
        start - slot_rules.buffer_before,
        start + slot_rules.duration + slot_rules.buffer_after,
    )


def overlaps(a: Busy, b: Busy) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def first_occurrence(day: datetime.date, time: datetime.time, zone: ZoneInfo):
    """The first instant the clock reads `time` on `day`, or None when it never does."""
    candidates = [
        datetime.datetime.combine(day, time, tzinfo=zone).replace(fold=fold).astimezone(UTC)
        for fold in (0, 1)
    ]
    readings = [c for c in candidates if wall(c, zone).replace(tzinfo=None).time() == time]
    return min(readings) if readings else None


def expected_slots(case: dict) -> list[datetime.datetime]:
    """Brute force: every grid time of every interval that satisfies every rule."""
    zone, slot_rules, now = case["zone"], case["slot_rules"], case["now"]
    found: set[datetime.datetime] = set()
    day = case["first_day"]
    while day <= case["last_day"]:
        for interval in spec_intervals(day, case["rules"], case["exceptions"]):
            grid = datetime.datetime.combine(day, interval[0])
            while grid.date() == day and grid.time() < interval[1]:
                start = first_occurrence(day, grid.time(), zone)
                grid += slot_rules.step
                if start is None:
                    continue
                if not now + slot_rules.min_notice <= start <= now + slot_rules.horizon:
                    continue
                if not session_inside(start, slot_rules.duration, day, interval, zone):
                    continue
                if any(overlaps(blocked(start, slot_rules), b) for b in case["busy"]):
                    continue
                found.add(start)
        day += datetime.timedelta(days=1)
    return sorted(found)


# -- the strategies -------------------------------------------------------------------------------

# Times on a 15-minute grid, drawn more often from the night when clocks change.
quarter_hours = st.one_of(st.integers(0, 4 * 4), st.integers(0, 95)).map(
    lambda q: datetime.time(q // 4, q % 4 * 15)
)
minutes = st.integers(0, 4 * 4).map(lambda q: datetime.timedelta(minutes=15 * q))


@st.composite
def cases(draw: st.DrawFn) -> dict:
    zone, change = draw(st.sampled_from(CHANGES))
    change_day = change.astimezone(zone).date()
    first_day = change_day - datetime.timedelta(days=draw(st.integers(0, 1)))
    last_day = change_day + datetime.timedelta(days=draw(st.integers(0, 1)))
    days = [first_day + datetime.timedelta(days=n) for n in range((last_day - first_day).days + 1)]

    rules = draw(
        st.lists(
            st.builds(WeeklyRule, st.integers(0, 6), quarter_hours, quarter_hours),
            max_size=4,
        )
    )
    # Most cases get a rule (or an exception) on the day of the change that ends near the
    # change on the clock: near the reading just before it or the one just after it.
    readings = [
        (change - GRAIN).astimezone(zone).replace(tzinfo=None) + GRAIN,
        change.astimezone(zone).replace(tzinfo=None),
    ]
    midnight = datetime.datetime.combine(change_day, datetime.time(0))
    last_quarter = datetime.datetime.combine(change_day, datetime.time(23, 45))
    exceptions: list[DateException] = []
    kind = draw(st.sampled_from(["rule", "rule", "rule", "exception", "none"]))
    if kind != "none":
        end = draw(st.sampled_from(readings)) + draw(st.integers(-4, 4)) * GRAIN
        end = max(midnight + GRAIN, min(end, last_quarter))
        start = max(midnight, end - draw(st.integers(1, 12)) * GRAIN)
        start, end = start.time(), end.time()
        if kind == "rule":
            rules.append(WeeklyRule(change_day.weekday(), start, end))
        else:
            exceptions.append(DateException(change_day, start, end))
    if draw(st.integers(0, 3)) == 0:
        exceptions += draw(
            st.lists(
                st.one_of(
                    st.builds(DateException, st.sampled_from(days)),
                    st.builds(DateException, st.sampled_from(days), quarter_hours, quarter_hours),
                ),
                max_size=2,
            )
        )
    busy = [
        (change + offset, change + offset + length)
        for offset, length in draw(
            st.lists(
                st.tuples(
                    st.integers(-4 * 30, 4 * 30).map(lambda q: q * GRAIN),
                    st.integers(1, 4 * 4).map(lambda q: q * GRAIN),
                ),
                max_size=2,
            )
        )
    ]
    before_change = draw(st.integers(0, 4 * 72).map(lambda q: q * GRAIN))
    now = change - before_change
    slot_rules = SlotRules(
        duration=draw(st.integers(1, 4 * 2).map(lambda q: q * GRAIN)),
        buffer_before=draw(minutes),
        buffer_after=draw(minutes),
        # The steps a helper may choose on her own (support/booking/helper/schedule.py) that keep
        # to the oracle's 15-minute grain.
        step=draw(st.sampled_from([15, 30, 45, 60, 90, 120])) * datetime.timedelta(minutes=1),
        # Mostly short enough to leave the change itself bookable, sometimes reaching past it;
        # often none at all, as a helper may set (bookable from this very minute).
        min_notice=draw(
            st.one_of(
                st.just(0),
                st.integers(0, max(0, before_change // GRAIN - 8)),
                st.integers(0, before_change // GRAIN + 8),
            ).map(lambda q: q * GRAIN)
        ),
        # Mostly far enough ahead to reach past the change, sometimes ending near it.
        horizon=before_change + draw(st.integers(-4 * 6, 4 * 72).map(lambda q: q * GRAIN)),
    )
    return {
        "zone": zone,
        "rules": rules,
        "exceptions": exceptions,
        "busy": busy,
        "slot_rules": slot_rules,
        "first_day": first_day,
        "last_day": last_day,
        "now": now,
    }


def offered(case: dict) -> list[datetime.datetime]:
    return free_slots(**case)


# -- the properties -------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(cases())
def test_every_offered_session_lies_inside_its_interval_and_lasts_its_duration(case) -> None:
    zone, slot_rules = case["zone"], case["slot_rules"]
    for start in offered(case):
        assert start.utcoffset() == datetime.timedelta(0)
        day = wall(start, zone).date()
        assert case["first_day"] <= day <= case["last_day"]
        intervals = spec_intervals(day, case["rules"], case["exceptions"])
        # The session is [start, start + duration) in elapsed time; each of its instants reads a
        # time of one interval of that day on the helper's clock.
        assert any(
            session_inside(start, slot_rules.duration, day, interval, zone)
            for interval in intervals
        ), (start, wall(start, zone), intervals)


@PROPERTY_SETTINGS
@given(cases())
def test_every_offered_start_exists_on_the_clock_once(case) -> None:
    zone, step = case["zone"], case["slot_rules"].step
    slots = offered(case)
    assert slots == sorted(set(slots))  # sorted, and no instant twice
    readings = [wall(start, zone).replace(tzinfo=None) for start in slots]
    assert len(set(readings)) == len(readings)  # no wall-clock time twice (the repeated hour)
    for start, reading in zip(slots, readings, strict=True):
        # The first time the clock shows this reading, and a time of the helper's grid.
        assert first_occurrence(reading.date(), reading.time(), zone) == start
        intervals = spec_intervals(reading.date(), case["rules"], case["exceptions"])
        assert any(
            low <= reading.time() < high
            and (reading - datetime.datetime.combine(reading.date(), low)) % step
            == datetime.timedelta(0)
            for low, high in intervals
        ), (reading, intervals)


@PROPERTY_SETTINGS
@given(cases())
def test_busy_ranges_buffers_notice_and_horizon_hold(case) -> None:
    slot_rules, now = case["slot_rules"], case["now"]
    for start in offered(case):
        assert now + slot_rules.min_notice <= start <= now + slot_rules.horizon
        session = blocked(start, slot_rules)
        assert not any(overlaps(session, busy) for busy in case["busy"]), (start, case["busy"])


@PROPERTY_SETTINGS
@given(cases())
def test_nothing_bookable_is_withheld(case) -> None:
    assert offered(case) == expected_slots(case)


@settings(PROPERTY_SETTINGS, max_examples=min(60, EXAMPLES))
@given(cases(), st.data())
def test_is_free_agrees_with_the_offered_times(case, data) -> None:
    slots = offered(case)
    single = {key: case[key] for key in ("zone", "rules", "exceptions", "busy", "slot_rules")}
    for start in slots:
        assert is_free(start, now=case["now"], **single)
    # And any other time on the days asked for is not free: is_free computes its own day alone,
    # which gives the same times as a run over several days.
    candidate = case["now"] + data.draw(st.integers(0, 4 * 24 * 4)) * GRAIN
    day = wall(candidate, case["zone"]).date()
    if case["first_day"] <= day <= case["last_day"]:
        assert is_free(candidate, now=case["now"], **single) == (candidate in slots)


# -- every clock change, one generous day each ---------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "change"), CHANGES, ids=[f"{z.key}-{c:%Y-%m-%d}" for z, c in CHANGES]
)
@pytest.mark.parametrize("minutes_long", [30, 60, 90])
def test_every_clock_change_with_a_day_long_rule(zone, change, minutes_long) -> None:
    day = change.astimezone(zone).date()
    case = {
        "zone": zone,
        "rules": [WeeklyRule(day.weekday(), datetime.time(0), datetime.time(23, 45))],
        "exceptions": [],
        "busy": [],
        "slot_rules": SlotRules(
            duration=datetime.timedelta(minutes=minutes_long),
            step=GRAIN,
            min_notice=datetime.timedelta(0),
            horizon=datetime.timedelta(days=30),
        ),
        "first_day": day,
        "last_day": day,
        "now": change - datetime.timedelta(days=2),
    }
    slots = offered(case)
    assert slots == expected_slots(case)
    readings = [wall(s, zone).replace(tzinfo=None) for s in slots]
    assert len(set(readings)) == len(readings)
    # Every quarter from 00:00 whose session ends by 23:45: a day shortened by the skipped time
    # when clocks go forward; when they go back, the repeated time lengthens only the sessions
    # across it, not the number of starts (each is offered at its first occurrence).
    shift = change.astimezone(zone).utcoffset() - (change - GRAIN).astimezone(zone).utcoffset()
    minutes = 23 * 60 + 45 - max(shift, datetime.timedelta(0)) // datetime.timedelta(minutes=1)
    assert len(slots) == (minutes - minutes_long) // 15 + 1
