"""Reading the busy times out of an iCalendar file, in a process of its own.

`busy_ranges` (busyfeeds.py) runs `python -m support.booking.icalread ZONE START END BUDGET
SECONDS` with the file on stdin and reads one JSON object from stdout: `{"ranges": [[start,
end], ...]}` (POSIX seconds, unmerged) or `{"refused": REASON}`. A file is anyone's: the
child caps its own CPU time and memory, and the parent kills it at a wall-clock deadline, so
no file holds a web worker or the task worker for longer than that.

Inside, one budget counts every expanded occurrence, also the transparent, cancelled and
zero-length ones that block nothing, and rules that repeat every second or minute are refused
before anything is expanded. No Django here: the child starts in a fraction of a second.
"""

from __future__ import annotations

import datetime
import json
import resource
import sys
import time
from typing import Any
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar

REFUSED_FREQUENCIES = frozenset({"SECONDLY", "MINUTELY"})
CPU_SECONDS = 8
MEMORY_BYTES = 1024 * 1024 * 1024

# Reasons a file is refused; busyfeeds.py turns each into a message for the helper.
FREQUENCY, TOO_MANY, TOO_SLOW, UNREADABLE = "frequency", "too-many", "too-slow", "unreadable"


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _frequencies(calendar: Any) -> set[str]:
    found: set[str] = set()
    for component in calendar.walk("VEVENT"):
        for name in ("RRULE", "EXRULE"):
            rules = component.get(name)
            for rule in rules if isinstance(rules, list) else [rules]:
                if rule is not None:
                    found.update(str(value).upper() for value in rule.get("FREQ", []))
    return found


def _instant(value: datetime.date | datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    """An event time in UTC: a date is the start of her local day, a floating time her clock."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(datetime.UTC)


def _blocks(event: Any) -> bool:
    transparency = str(event.get("TRANSP", "OPAQUE")).upper()
    status = str(event.get("STATUS", "CONFIRMED")).upper()
    return transparency != "TRANSPARENT" and status != "CANCELLED"


def read(
    data: bytes,
    zone: ZoneInfo,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    budget: int,
    seconds: float,
) -> list[tuple[int, int]]:
    """The blocking occurrences between two instants as (start, end) POSIX seconds; refused
    past `budget` occurrences (blocking or not) or `seconds` of expanding."""
    deadline = time.monotonic() + seconds
    try:
        calendar = Calendar.from_ical(data)
    except Exception as error:
        raise Refused(UNREADABLE) from error
    if _frequencies(calendar) & REFUSED_FREQUENCIES:
        raise Refused(FREQUENCY)
    ranges: list[tuple[int, int]] = []
    counted = 0
    try:
        for event in recurring_ical_events.of(calendar, components=["VEVENT"]).after(start):
            counted += 1  # every occurrence, whether or not it blocks
            if counted > budget:
                raise Refused(TOO_MANY)
            if time.monotonic() > deadline:
                raise Refused(TOO_SLOW)
            if event.get("DTSTART") is None:
                continue
            begins = _instant(event["DTSTART"].dt, zone)
            if begins >= end:
                break  # occurrences come in order of their start
            if not _blocks(event):
                continue
            ends = _instant(event["DTEND"].dt, zone) if event.get("DTEND") else begins
            if ends > begins and ends > start:
                ranges.append((int(begins.timestamp()), int(ends.timestamp())))
    except Refused:
        raise
    except Exception as error:
        raise Refused(UNREADABLE) from error
    return ranges


def main() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    zone, start, end, budget, seconds = sys.argv[1:6]
    try:
        ranges = read(
            sys.stdin.buffer.read(),
            ZoneInfo(zone),
            datetime.datetime.fromisoformat(start),
            datetime.datetime.fromisoformat(end),
            budget=int(budget),
            seconds=float(seconds),
        )
    except Refused as refused:
        json.dump({"refused": refused.reason}, sys.stdout)
    except MemoryError:
        json.dump({"refused": TOO_MANY}, sys.stdout)
    else:
        json.dump({"ranges": ranges}, sys.stdout)


if __name__ == "__main__":
    main()
