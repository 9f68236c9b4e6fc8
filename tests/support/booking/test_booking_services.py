"""The booking service: holds, requests, tokens and changes, under real concurrency."""

import datetime
import secrets
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from support import links
from support.booking import helper as helper_actions
from support.booking import services as booking_services
from support.models import Booking, BookingStatus, Offer, OutgoingEmail

AMS = ZoneInfo("Europe/Amsterdam")


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A wall-clock time in Amsterdam a number of days from today, as UTC."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=AMS).astimezone(
        datetime.UTC
    )


def fill_intake(booking: Booking, key: str) -> None:
    booking_services.booking_save_intake(
        booking=booking,
        hold_key=key,
        answers={"name": "Saskia", "email": "s@example.org", "feels_safe": "ja", "consent": True},
    )


def request(offer: Offer, start: datetime.datetime) -> Booking:
    key = secrets.token_hex(8)
    booking = booking_services.booking_hold(offer=offer, start=start, hold_key=key)
    fill_intake(booking, key)
    return booking_services.booking_submit(booking=booking, hold_key=key)


def run_concurrently(count: int, work) -> tuple[list, list[BaseException]]:
    start = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            start.wait()
            results.append(work(number))
        except BaseException as error:  # collected for the assertions
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_holds_for_one_time_give_one_booking(make_offer) -> None:
    offer = make_offer()
    start = at(3, 10)

    results, errors = run_concurrently(
        50,
        lambda n: booking_services.booking_hold(offer=offer, start=start, hold_key=f"visitor-{n}"),
    )

    assert len(results) == 1
    assert len(errors) == 49
    assert all(isinstance(e, booking_services.SlotTaken) for e in errors), errors[:1]
    assert all(e.nearest and start not in e.nearest for e in errors)
    assert Booking.objects.blocking().count() == 1


@pytest.mark.django_db(transaction=True)
def test_overlapping_times_give_at_most_one_booking(make_offer) -> None:
    offer = make_offer()
    starts = [at(3, 10), at(3, 10, 15), at(3, 10, 30)] * 6

    results, errors = run_concurrently(
        len(starts),
        lambda n: booking_services.booking_hold(
            offer=offer, start=starts[n], hold_key=f"visitor-{n}"
        ),
    )

    assert len(results) == 1
    assert all(isinstance(e, booking_services.SlotTaken) for e in errors)
    assert Booking.objects.blocking().count() == 1


def test_a_cancelled_time_can_be_booked_again(make_offer) -> None:
    offer = make_offer()
    booking = request(offer, at(5, 14))
    booking_services.booking_cancel(booking=booking, by_visitor=True)
    again = request(offer, at(5, 14))
    assert again.status == BookingStatus.REQUESTED


def test_a_double_submit_gives_one_booking(make_offer) -> None:
    offer = make_offer()
    key = "visitor"
    held = booking_services.booking_hold(offer=offer, start=at(4, 11), hold_key=key)
    fill_intake(held, key)
    first = booking_services.booking_submit(booking=held, hold_key=key)
    second = booking_services.booking_submit(booking=held, hold_key=key)
    assert first.pk == second.pk
    assert Booking.objects.filter(status=BookingStatus.REQUESTED).count() == 1


def test_choosing_another_time_lets_go_of_the_first(make_offer) -> None:
    offer = make_offer()
    booking_services.booking_hold(offer=offer, start=at(4, 11), hold_key="visitor")
    booking_services.booking_hold(offer=offer, start=at(4, 13), hold_key="visitor")
    assert Booking.objects.blocking().count() == 1
    # The first time is free for someone else again.
    booking_services.booking_hold(offer=offer, start=at(4, 11), hold_key="other")


def test_an_expired_hold_no_longer_blocks(make_offer) -> None:
    offer = make_offer()
    first = booking_services.booking_hold(offer=offer, start=at(4, 11), hold_key="slow")
    Booking.objects.filter(pk=first.pk).update(
        hold_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    booking_services.booking_hold(offer=offer, start=at(4, 11), hold_key="fast")
    fill_intake(first, "slow")
    with pytest.raises(booking_services.SlotTaken) as taken:
        booking_services.booking_submit(booking=first, hold_key="slow")
    assert taken.value.nearest


def test_an_expired_hold_can_still_be_submitted_when_nobody_took_the_time(make_offer) -> None:
    offer = make_offer()
    held = booking_services.booking_hold(offer=offer, start=at(4, 11), hold_key="slow")
    fill_intake(held, "slow")
    Booking.objects.filter(pk=held.pk).update(
        hold_expires_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert booking_services.booking_submit(booking=held, hold_key="slow").status == "aangevraagd"


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(lambda: at(-1, 10), id="past"),
        pytest.param(lambda: at(0, 10) + datetime.timedelta(hours=1), id="within-notice"),
        pytest.param(lambda: at(3, 7), id="outside-availability"),
        pytest.param(lambda: at(3, 16, 30), id="would-end-after-availability"),
        pytest.param(lambda: at(3, 10, 7), id="not-on-the-grid"),
        pytest.param(lambda: at(80, 10), id="beyond-horizon"),
    ],
)
def test_times_outside_the_rules_are_refused(make_offer, start) -> None:
    offer = make_offer()
    with pytest.raises(booking_services.SlotTaken):
        booking_services.booking_hold(offer=offer, start=start(), hold_key="visitor")
    assert not Booking.objects.exists()


def test_submit_needs_consent_and_contact(make_offer) -> None:
    offer = make_offer()
    held = booking_services.booking_hold(offer=offer, start=at(4, 11), hold_key="v")
    with pytest.raises(booking_services.BookingRefused):
        booking_services.booking_submit(booking=held, hold_key="v")
    with pytest.raises(booking_services.BookingRefused):
        booking_services.booking_submit(booking=held, hold_key="someone-else")


def test_a_no_to_the_safety_question_flags_the_booking(make_offer) -> None:
    offer = make_offer()
    held = booking_services.booking_hold(offer=offer, start=at(4, 11), hold_key="v")
    booking_services.booking_save_intake(
        booking=held, hold_key="v", answers={"feels_safe": "nee", "consent": True}
    )
    held.refresh_from_db()
    assert held.safety_flag


def test_nothing_is_stored_before_consent(make_offer) -> None:
    """Defect 8: answers are stored only once she has agreed, which the first step asks."""
    offer = make_offer()
    held = booking_services.booking_hold(offer=offer, start=at(4, 11), hold_key="v")
    with pytest.raises(booking_services.BookingRefused):
        booking_services.booking_save_intake(
            booking=held, hold_key="v", answers={"name": "Saskia", "what_happened": "Berichten"}
        )
    held.refresh_from_db()
    assert (held.name, held.what_happened, held.consent_at) == ("", "", None)
    booking_services.booking_save_intake(
        booking=held, hold_key="v", answers={"name": "Saskia", "consent": True}
    )
    booking_services.booking_save_intake(booking=held, hold_key="v", answers={"what_happened": "B"})
    held.refresh_from_db()
    assert (held.name, held.what_happened) == ("Saskia", "B")


def test_tokens_tampered_superseded_or_expired_are_refused(make_offer) -> None:
    offer = make_offer()
    booking = request(offer, at(4, 11))
    token = links.booking_token(booking)
    assert links.booking_from_token(token) == booking
    assert links.booking_from_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert links.booking_from_token("nonsense") is None
    assert links.booking_from_token(token, now=booking.starts_at) is None  # expired
    booking_services.booking_reschedule(booking=booking, start=at(4, 14))
    assert links.booking_from_token(token) is None  # superseded
    booking.refresh_from_db()
    assert links.booking_from_token(links.booking_token(booking)) == booking


def test_cancelling_inside_the_window_is_refused(make_offer) -> None:
    offer = make_offer()
    booking = request(offer, at(4, 11))
    just_inside = booking.starts_at - datetime.timedelta(hours=48)
    with pytest.raises(booking_services.BookingRefused):
        booking_services.booking_cancel(booking=booking, by_visitor=True, now=just_inside)
    booking_services.booking_cancel(
        booking=booking, by_visitor=True, now=just_inside - datetime.timedelta(seconds=1)
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_the_helper_may_cancel_inside_the_window(make_offer) -> None:
    booking = request(make_offer(), at(4, 11))
    booking_services.booking_cancel(
        booking=booking, by_visitor=False, now=booking.starts_at - datetime.timedelta(hours=1)
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_extending_to_ninety_minutes_needs_the_next_half_hour_free(make_offer) -> None:
    offer = make_offer()
    booking = request(offer, at(4, 10))
    blocker = request(offer, at(4, 11))
    with pytest.raises(booking_services.BookingRefused):
        helper_actions.booking_extend(booking=booking)
    booking_services.booking_cancel(booking=blocker, by_visitor=True)
    extended = helper_actions.booking_extend(booking=booking)
    assert extended.duration_minutes == 90
    assert extended.ends_at - extended.starts_at == datetime.timedelta(minutes=90)


def test_reschedule_keeps_rules_and_one_booking(make_offer) -> None:
    offer = make_offer()
    booking = request(offer, at(4, 10))
    other = request(offer, at(4, 13))
    with pytest.raises(booking_services.SlotTaken):
        booking_services.booking_reschedule(booking=booking, start=at(4, 13))
    moved = booking_services.booking_reschedule(booking=booking, start=at(4, 15))
    assert moved.starts_at == at(4, 15)
    assert Booking.objects.blocking().count() == 2
    assert other.pk != moved.pk


def test_a_visitor_cannot_move_a_session_inside_the_no_cancel_window(make_offer) -> None:
    """Defect 7: the window that stops a late cancellation stops a late move too."""
    offer = make_offer()
    booking = helper_actions.booking_confirm(booking=request(offer, at(4, 10)))
    just_inside = booking.starts_at - datetime.timedelta(hours=48)
    with pytest.raises(booking_services.BookingRefused):
        booking_services.booking_reschedule(
            booking=booking, start=at(5, 15), now=just_inside, by_visitor=True
        )
    booking.refresh_from_db()
    assert (booking.starts_at, booking.status) == (at(4, 10), BookingStatus.CONFIRMED)
    # The helper may still move it (she agrees it with the visitor herself).
    booking_services.booking_reschedule(booking=booking, start=at(5, 15), now=just_inside)


def test_a_moved_confirmed_session_is_a_request_again_and_the_helper_is_told(
    make_offer, make_account
) -> None:
    """Defect 7: the helper confirmed one time; a new time waits for her answer again."""
    offer = make_offer()
    make_account("helper", "helper@example.org", helper=offer.helper)
    booking = helper_actions.booking_confirm(booking=request(offer, at(4, 10)))
    moved = booking_services.booking_reschedule(booking=booking, start=at(6, 15), by_visitor=True)
    assert moved.status == BookingStatus.REQUESTED
    kinds = list(
        OutgoingEmail.objects.filter(booking=booking).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds[-2:] == ["booking_rescheduled", "helper_booking_moved"]


def test_confirm_and_decline_only_requests(make_offer) -> None:
    offer = make_offer()
    booking = request(offer, at(4, 10))
    helper_actions.booking_confirm(booking=booking)
    with pytest.raises(booking_services.BookingRefused):
        helper_actions.booking_decline(booking=booking, message="nee")
    declined = helper_actions.booking_decline(booking=request(offer, at(4, 14)), message="Sorry")
    assert declined.status == BookingStatus.DECLINED


@pytest.mark.postgres
def test_postgres_refuses_overlapping_bookings_even_without_the_service(make_offer) -> None:
    offer = make_offer()
    booking = request(offer, at(4, 10))
    clash = Booking(
        helper=booking.helper,
        conversation_type=booking.conversation_type,
        status=BookingStatus.REQUESTED,
        starts_at=booking.starts_at + datetime.timedelta(minutes=30),
        ends_at=booking.ends_at + datetime.timedelta(minutes=30),
        blocked_from=booking.starts_at + datetime.timedelta(minutes=30),
        blocked_until=booking.ends_at + datetime.timedelta(minutes=30),
        hold_key="raw",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()
    clash.status = BookingStatus.CANCELLED  # cancelled bookings do not block
    clash.save()
