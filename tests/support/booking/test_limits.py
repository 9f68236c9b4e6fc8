"""A helper's limits per local day and week: at the boundary, at midnight, across a clock
change, on every path that puts a session on her calendar, and under concurrent holds."""

import datetime
import secrets
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from support.booking import helper as helper_actions
from support.booking import limits, selectors
from support.booking import services as booking_services
from support.models import Booking, BookingStatus
from tests.support.booking.test_booking_services import at, request, run_concurrently

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
DAY_FULL = "Op deze dag kan er geen afspraak meer bij. Kies een andere dag."
WEEK_FULL = "In deze week kan er geen afspraak meer bij. Kies een dag in een andere week."


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=AMS).astimezone(
        datetime.UTC
    )


def hold(offer, start: datetime.datetime, now: datetime.datetime | None = None) -> Booking:
    return booking_services.booking_hold(
        offer=offer, start=start, hold_key=secrets.token_hex(8), now=now
    )


def test_the_nth_session_of_a_day_is_allowed_and_the_next_refused_in_words(make_offer) -> None:
    offer = make_offer()
    helper_actions.helper_limits_set(helper=offer.helper, per_day=2, per_week=None)
    request(offer, at(3, 10))
    request(offer, at(3, 12))  # the second: still allowed

    with pytest.raises(booking_services.SlotTaken) as refused:
        hold(offer, at(3, 14))

    assert refused.value.reason == DAY_FULL
    # Offered instead: only times on other days.
    day = timezone.localtime(at(3, 10), AMS).date()
    assert refused.value.nearest
    assert all(timezone.localtime(t, AMS).date() != day for t in refused.value.nearest)
    assert Booking.objects.blocking().count() == 2
    hold(offer, at(4, 14))  # the next day has room


def test_visitors_are_not_offered_times_on_a_full_day(make_offer) -> None:
    offer = make_offer()
    day = timezone.localtime(at(3, 10), AMS).date()
    before = selectors.free_times(offer=offer, first_day=day, last_day=day)
    assert before
    helper_actions.helper_limits_set(helper=offer.helper, per_day=1, per_week=None)
    booking = request(offer, at(3, 10))

    assert selectors.free_times(offer=offer, first_day=day, last_day=day) == []
    # The booking itself, moved within its own day, does not count against itself.
    assert selectors.free_times(offer=offer, first_day=day, last_day=day, exclude=booking.pk)
    next_day = day + datetime.timedelta(days=1)
    assert selectors.free_times(offer=offer, first_day=next_day, last_day=next_day)


def test_a_cancelled_or_expired_session_does_not_count(make_offer) -> None:
    offer = make_offer()
    helper_actions.helper_limits_set(helper=offer.helper, per_day=1, per_week=None)
    booking = request(offer, at(3, 10))
    booking_services.booking_cancel(booking=booking, by_visitor=False)
    held = hold(offer, at(3, 11))
    # Ten minutes later her hold has ended: the day has room again.
    later = timezone.now() + booking_services.HOLD_DURATION + datetime.timedelta(seconds=1)
    hold(offer, at(3, 13), now=later)
    held.refresh_from_db()
    assert held.status == BookingStatus.EXPIRED


def test_the_mth_session_of_a_week_is_allowed_and_the_next_refused(make_offer) -> None:
    offer = make_offer()
    helper_actions.helper_limits_set(helper=offer.helper, per_day=None, per_week=3)
    today = timezone.localdate()
    monday = limits.monday_of(today) + datetime.timedelta(days=14)
    for offset in range(3):  # Monday, Tuesday, Wednesday
        request(offer, local(monday + datetime.timedelta(days=offset), 10))

    with pytest.raises(booking_services.SlotTaken) as refused:
        hold(offer, local(monday + datetime.timedelta(days=6), 16))  # Sunday, same week

    assert refused.value.reason == WEEK_FULL
    sunday = monday + datetime.timedelta(days=6)
    assert selectors.free_times(offer=offer, first_day=monday, last_day=sunday) == []
    hold(offer, local(monday + datetime.timedelta(days=7), 9))  # the next Monday: a new week


def test_a_session_just_after_local_midnight_counts_for_the_next_day(make_offer) -> None:
    offer = make_offer()
    helper = offer.helper
    day = timezone.localdate() + datetime.timedelta(days=5)
    next_day = day + datetime.timedelta(days=1)
    helper_actions.availability_exception_add(
        helper=helper, date=day, start=datetime.time(21), end=datetime.time(23, 59)
    )
    helper_actions.availability_exception_add(
        helper=helper, date=next_day, start=datetime.time(0), end=datetime.time(6)
    )
    helper_actions.helper_limits_set(helper=helper, per_day=1, per_week=None)
    hold(offer, local(day, 22))
    # 00:15 her time is still the evening before in UTC: it counts for her next day.
    after_midnight = local(next_day, 0, 15)
    assert after_midnight.date() == day
    hold(offer, after_midnight)

    with pytest.raises(booking_services.SlotTaken) as refused:
        hold(offer, local(next_day, 2))
    assert refused.value.reason == DAY_FULL


def test_days_are_her_local_days_across_the_spring_clock_change(make_offer) -> None:
    """Amsterdam skips 02:00-03:00 on Sunday 28 March 2027."""
    offer = make_offer()
    helper = offer.helper
    now = datetime.datetime(2027, 3, 24, 12, tzinfo=datetime.UTC)
    saturday, sunday = datetime.date(2027, 3, 27), datetime.date(2027, 3, 28)
    monday = datetime.date(2027, 3, 29)
    for date, start, end in (
        (saturday, datetime.time(21), datetime.time(23, 59)),
        (sunday, datetime.time(0), datetime.time(23, 59)),
        (monday, datetime.time(0), datetime.time(6)),
    ):
        helper_actions.availability_exception_add(helper=helper, date=date, start=start, end=end)
    helper_actions.helper_limits_set(helper=helper, per_day=2, per_week=3)
    hold(offer, local(saturday, 22), now=now)
    hold(offer, local(sunday, 0, 30), now=now)  # 23:30 UTC on Saturday: Sunday's first
    hold(offer, local(sunday, 3, 30), now=now)  # after the jump: Sunday's second

    # Sunday is full by day, and the week (Monday 22 to Sunday 28) by week.
    with pytest.raises(booking_services.SlotTaken) as refused:
        hold(offer, local(sunday, 21), now=now)
    assert refused.value.reason == DAY_FULL
    free_sunday = selectors.free_times(offer=offer, first_day=sunday, last_day=sunday, now=now)
    assert free_sunday == []
    # 00:30 on Monday in summer time is 22:30 UTC on Sunday: a new day and a new week.
    just_after = local(monday, 0, 30)
    assert just_after == datetime.datetime(2027, 3, 28, 22, 30, tzinfo=datetime.UTC)
    assert just_after in selectors.free_times(
        offer=offer, first_day=monday, last_day=monday, now=now
    )
    hold(offer, just_after, now=now)


def test_a_reschedule_onto_a_full_day_is_refused_and_within_its_day_allowed(make_offer) -> None:
    offer = make_offer()
    helper_actions.helper_limits_set(helper=offer.helper, per_day=1, per_week=None)
    first = request(offer, at(3, 10))
    second = request(offer, at(4, 10))

    with pytest.raises(booking_services.SlotTaken) as refused:
        booking_services.booking_reschedule(booking=second, start=at(3, 14))
    assert refused.value.reason == DAY_FULL
    with pytest.raises(booking_services.SlotTaken):
        helper_actions.booking_propose(booking=second, start=at(3, 15))

    moved = booking_services.booking_reschedule(booking=first, start=at(3, 14))
    assert moved.starts_at == at(3, 14)
    second.refresh_from_db()
    assert second.starts_at == at(4, 10)


def test_an_expired_hold_is_not_sent_onto_a_day_filled_meanwhile(make_offer) -> None:
    offer = make_offer()
    key = "late-visitor"
    late = booking_services.booking_hold(offer=offer, start=at(3, 14), hold_key=key)
    booking_services.booking_save_intake(
        booking=late,
        hold_key=key,
        answers={"name": "Saskia", "email": "s@example.org", "consent": True},
    )
    Booking.objects.filter(pk=late.pk).update(hold_expires_at=timezone.now())
    helper_actions.helper_limits_set(helper=offer.helper, per_day=1, per_week=None)
    request(offer, at(3, 10))

    with pytest.raises(booking_services.SlotTaken) as refused:
        booking_services.booking_submit(booking=late, hold_key=key)
    assert refused.value.reason == DAY_FULL


def test_limits_are_optional_and_at_least_one(make_offer) -> None:
    offer = make_offer()
    with pytest.raises(ValueError, match="at least 1"):
        helper_actions.helper_limits_set(helper=offer.helper, per_day=0, per_week=None)
    helper_actions.helper_limits_set(helper=offer.helper, per_day=1, per_week=None)
    request(offer, at(3, 10))
    helper_actions.helper_limits_set(helper=offer.helper, per_day=None, per_week=None)
    hold(offer, at(3, 14))  # lifted: no limit at all
    offer.helper.refresh_from_db()
    assert offer.helper.max_sessions_per_day is None


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_holds_on_one_day_with_a_limit_of_three_give_three(
    make_offer,
) -> None:
    offer = make_offer()
    day = timezone.localdate() + datetime.timedelta(days=4)
    helper_actions.availability_exception_add(
        helper=offer.helper, date=day, start=datetime.time(0), end=datetime.time(23, 59)
    )
    helper_actions.helper_limits_set(helper=offer.helper, per_day=3, per_week=None)
    starts = [local(day, hour) for hour in range(1, 21)]  # twenty times that do not overlap

    results, errors = run_concurrently(
        len(starts),
        lambda n: booking_services.booking_hold(
            offer=offer, start=starts[n], hold_key=f"visitor-{n}"
        ),
    )

    assert len(results) == 3
    assert len(errors) == 17
    assert all(isinstance(e, booking_services.SlotTaken) for e in errors), errors[:1]
    assert all(e.reason == DAY_FULL for e in errors)
    assert Booking.objects.blocking().count() == 3
