"""Reads for the helper's pages: her calendar, her requests, one of her own bookings."""

from __future__ import annotations

import datetime

from django.shortcuts import get_object_or_404

from support.models import Booking, BookingQuerySet, BookingStatus, Helper

# How many open requests and sessions the dashboard lists.
DASHBOARD_OPEN_LIMIT = 50


def _calendar(helper: Helper) -> BookingQuerySet:
    # Only what the calendar shows: of the encrypted intake columns only the safety answer is
    # read, for the helper's own safety badge.
    return (
        Booking.objects.filter(helper=helper)
        .only(
            "status",
            "starts_at",
            "ends_at",
            "feels_safe",
            "requested_at",
            "token_version",
            "outside_hours_ok",
            "proposed_mode",
            "conversation_type__name",
        )
        .with_partner_intake()
        .select_related("conversation_type")
    )


def week_bookings(
    helper: Helper, start: datetime.datetime, end: datetime.datetime
) -> list[Booking]:
    """The sessions on her calendar between two moments."""
    return list(_calendar(helper).on_calendar(start, end))


def open_bookings(helper: Helper, now: datetime.datetime) -> tuple[list[Booking], list[Booking]]:
    """Her requests to answer and her confirmed sessions still to come, soonest first."""
    bookings = list(
        _calendar(helper)
        .open()
        .filter(ends_at__gt=now)
        .order_by("starts_at")[:DASHBOARD_OPEN_LIMIT]
    )
    return (
        [b for b in bookings if b.status == BookingStatus.REQUESTED],
        [b for b in bookings if b.status == BookingStatus.CONFIRMED],
    )


def own_booking(helper: Helper, pk: int) -> Booking:
    """One of her bookings sent to her, or 404: another helper's booking does not exist, as
    far as this helper can tell."""
    return get_object_or_404(
        Booking.objects.submitted()
        .select_related("conversation_type", "helper")
        .with_partner_intake(),
        pk=pk,
        helper=helper,
    )
