"""The hold shows until when the time is kept, and can be extended once before it lapses."""

import datetime

import pytest

from support.booking import services as booking_services
from support.booking.errors import BookingRefused
from support.models import Booking

pytestmark = pytest.mark.django_db


def test_a_hold_is_extended_once_before_it_lapses(make_booking) -> None:
    booking = make_booking(submit=False)
    first_end = booking.hold_expires_at
    later = first_end - datetime.timedelta(minutes=1)
    booking_services.booking_extend_hold(booking=booking, hold_key=booking.hold_key, now=later)
    stored = Booking.objects.get(pk=booking.pk)
    assert stored.hold_expires_at == later + booking_services.HOLD_DURATION > first_end
    with pytest.raises(BookingRefused, match="maar één keer"):
        booking_services.booking_extend_hold(booking=booking, hold_key=booking.hold_key, now=later)


def test_a_lapsed_hold_is_not_extended(make_booking) -> None:
    booking = make_booking(submit=False)
    after = booking.hold_expires_at + datetime.timedelta(seconds=1)
    with pytest.raises(BookingRefused, match="niet meer vastgehouden"):
        booking_services.booking_extend_hold(booking=booking, hold_key=booking.hold_key, now=after)
    with pytest.raises(BookingRefused):
        booking_services.booking_extend_hold(booking=booking, hold_key="someone-else")
