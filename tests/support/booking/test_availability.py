"""Free-slot computation across daylight-saving changes, notice and horizon boundaries."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from support.booking.availability import (
    DateException,
    SlotRules,
    WeeklyRule,
    free_slots,
    local_to_utc,
)

AMS = ZoneInfo("Europe/Amsterdam")
UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)
T = datetime.time


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def slots_on(day: datetime.date, *, rules=None, exceptions=(), busy=(), **rule_kwargs):
    now = rule_kwargs.pop("now", utc(2020, 1, 1))
    slot_rules = SlotRules(
        duration=rule_kwargs.pop("duration", HOUR),
        step=rule_kwargs.pop("step", HOUR),
        min_notice=rule_kwargs.pop("min_notice", datetime.timedelta(0)),
        horizon=rule_kwargs.pop("horizon", datetime.timedelta(days=3650)),
        **rule_kwargs,
    )
    return free_slots(
        zone=AMS,
        rules=rules or [WeeklyRule(day.weekday(), T(9), T(17))],
        exceptions=list(exceptions),
        busy=list(busy),
        slot_rules=slot_rules,
        first_day=day,
        last_day=day,
        now=now,
    )


def test_spring_forward_day_gives_wall_clock_times_at_the_right_instants() -> None:
    # 2026-03-29: clocks go from 02:00 to 03:00; 09:00 local is 07:00 UTC (CEST).
    slots = slots_on(datetime.date(2026, 3, 29))
    assert slots[0] == utc(2026, 3, 29, 7)
    assert slots[-1] == utc(2026, 3, 29, 14)  # 16:00 local, ends 17:00
    assert len(slots) == 8


def test_fall_back_day_gives_wall_clock_times_at_the_right_instants() -> None:
    # 2026-10-25: clocks go from 03:00 back to 02:00; 09:00 local is 08:00 UTC (CET).
    slots = slots_on(datetime.date(2026, 10, 25))
    assert slots[0] == utc(2026, 10, 25, 8)
    assert slots[-1] == utc(2026, 10, 25, 15)
    assert len(slots) == 8


def test_the_day_before_the_change_is_still_summer_time() -> None:
    assert slots_on(datetime.date(2026, 10, 24))[0] == utc(2026, 10, 24, 7)


def test_a_time_that_does_not_exist_is_never_offered() -> None:
    # Available 01:00-05:00 on the spring-forward night: 02:00 and 02:30 do not exist.
    day = datetime.date(2026, 3, 29)
    slots = slots_on(
        day,
        rules=[WeeklyRule(day.weekday(), T(1), T(5))],
        step=datetime.timedelta(minutes=30),
        duration=datetime.timedelta(minutes=30),
    )
    local = [s.astimezone(AMS).strftime("%H:%M") for s in slots]
    assert "02:00" not in local and "02:30" not in local
    assert local == ["01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]
    assert local_to_utc(day, T(2, 30), AMS) is None


def test_a_time_that_occurs_twice_is_offered_once() -> None:
    day = datetime.date(2026, 10, 25)
    slots = slots_on(
        day,
        rules=[WeeklyRule(day.weekday(), T(1), T(4))],
        step=datetime.timedelta(minutes=30),
        duration=datetime.timedelta(minutes=30),
    )
    assert len(slots) == len(set(slots))
    local = [s.astimezone(AMS).strftime("%H:%M") for s in slots]
    assert local.count("02:00") == 1 and local.count("02:30") == 1


def test_a_session_always_lasts_its_elapsed_length_across_the_change() -> None:
    day = datetime.date(2026, 10, 25)
    # 01:30 local + 60 elapsed minutes ends at 02:30 (first pass), not 03:30 on the wall clock.
    slots = slots_on(
        day,
        rules=[WeeklyRule(day.weekday(), T(1, 30), T(3))],
        step=datetime.timedelta(minutes=30),
    )
    first = slots[0]
    assert first == utc(2026, 10, 24, 23, 30)  # 01:30 CEST
    # Every session is 60 elapsed minutes and ends inside the interval, which closes at
    # 03:00 CET = 02:00 UTC (2.5 elapsed hours after 01:30 CEST).
    assert slots == [utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 0), utc(2026, 10, 25, 0, 30)]
    assert all(s + HOUR <= utc(2026, 10, 25, 2) for s in slots)


def test_busy_ranges_and_buffers_block_times() -> None:
    day = datetime.date(2026, 6, 1)  # CEST: local = UTC + 2
    busy = [(utc(2026, 6, 1, 9), utc(2026, 6, 1, 10, 15))]  # 11:00-12:00 local + 15 min buffer
    slots = slots_on(
        day,
        busy=busy,
        step=datetime.timedelta(minutes=15),
        buffer_after=datetime.timedelta(minutes=15),
    )
    local = [s.astimezone(AMS).strftime("%H:%M") for s in slots]
    # A session ending at 11:00 would need its own buffer until 11:15: not free.
    assert "09:45" in local and "10:00" not in local and "10:45" not in local
    assert "12:15" in local and "12:00" not in local


def test_exceptions_replace_the_day_or_close_it() -> None:
    day = datetime.date(2026, 6, 1)
    closed = slots_on(day, exceptions=[DateException(day)])
    assert closed == []
    short = slots_on(day, exceptions=[DateException(day, T(13), T(15))])
    assert [s.astimezone(AMS).hour for s in short] == [13, 14]


def test_several_intervals_a_day_and_no_time_twice() -> None:
    day = datetime.date(2026, 6, 1)
    rules = [WeeklyRule(0, T(9), T(11)), WeeklyRule(0, T(10), T(12)), WeeklyRule(0, T(14), T(15))]
    slots = slots_on(day, rules=rules)
    assert [s.astimezone(AMS).hour for s in slots] == [9, 10, 11, 14]


@pytest.mark.parametrize(
    ("now", "expected_first"),
    [
        # Notice 24 h. now 2026-06-01 08:00 UTC: 2026-06-02 08:00 UTC (10:00 local) is exactly
        # at the boundary and allowed; one second later it is not.
        (utc(2026, 6, 1, 8), 10),
        (utc(2026, 6, 1, 8, 0, 1), 11),
    ],
)
def test_minimum_notice_holds_at_its_exact_boundary(now, expected_first) -> None:
    day = datetime.date(2026, 6, 2)
    slots = slots_on(day, now=now, min_notice=datetime.timedelta(hours=24))
    assert slots[0].astimezone(AMS).hour == expected_first


def test_notice_is_elapsed_time_across_the_change() -> None:
    # now = Saturday 2026-10-24 10:00 CEST (08:00 UTC); 24 elapsed hours later is 08:00 UTC
    # Sunday = 09:00 CET. A wall-clock "+1 day" would wrongly give 10:00.
    slots = slots_on(
        datetime.date(2026, 10, 25), now=utc(2026, 10, 24, 8), min_notice=datetime.timedelta(days=1)
    )
    assert slots[0] == utc(2026, 10, 25, 8)


@pytest.mark.parametrize(
    ("now", "last_hour"),
    [(utc(2026, 5, 25, 12), 14), (utc(2026, 5, 25, 11, 59, 59), 13)],
)
def test_booking_horizon_holds_at_its_exact_boundary(now, last_hour) -> None:
    # Horizon 7 days: 2026-06-01 12:00 UTC (14:00 local) is exactly 7 days after 2026-05-25 12:00.
    slots = slots_on(datetime.date(2026, 6, 1), now=now, horizon=datetime.timedelta(days=7))
    assert slots[-1].astimezone(AMS).hour == last_hour


def test_an_interval_ending_in_the_skipped_hour_ends_when_the_clock_jumps() -> None:
    # Found by the property tests. 2026-03-29 in Amsterdam: 02:30 never shows on the clock, so
    # an interval 01:00–02:30 ends at the jump (02:00 CET = 01:00 UTC). A one-hour session from
    # 01:30 would end at 03:30 CEST, half an hour after the helper stops; it was offered because
    # the skipped 02:30 was read with the winter offset (01:30 UTC).
    day = datetime.date(2026, 3, 29)
    slots = slots_on(day, rules=[WeeklyRule(day.weekday(), T(1), T(2, 30))], step=HOUR / 2)
    assert slots == [utc(2026, 3, 29, 0)]  # 01:00 CET, ending at the jump
