"""The retention purge: intakes, contact details and sign-ups are kept no longer than needed."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from support.directory.services import free_seat
from support.fields import own_field
from support.models import (
    INTAKE_FIELDS,
    Booking,
    BookingStatus,
    PartnerIntake,
    Signup,
    SignupStatus,
)

logger = logging.getLogger(__name__)

ERASED_FIELDS = (*INTAKE_FIELDS, "helper_message", "video_link")


def booking_erase_intake(*, booking: Booking, now: datetime.datetime) -> None:
    """Clear a booking's intake and contact details (the caller saves): the booking itself,
    its time and status, stays for the helper's calendar."""
    for field in ERASED_FIELDS:
        setattr(booking, field, own_field(Booking, field).get_default())
    booking.consent_at = None
    booking.erased_at = now
    booking.messages.all().delete()  # her messages to the helper go with her answers


def retention_purge(*, now: datetime.datetime | None = None) -> int:
    """Erase intakes and contact details of sessions that ended more than the retention period
    ago. The booking itself stays, so the helper's calendar stays consistent."""
    now = now or timezone.now()
    erased = 0
    with transaction.atomic():
        for booking in Booking.objects.past_retention(now).select_for_update():
            booking_erase_intake(booking=booking, now=now)
            booking.save()
            PartnerIntake.objects.filter(booking=booking).delete()
            erased += 1
        for booking in Booking.objects.abandoned_holds(now).select_for_update():
            # Typed but never sent: nothing of it is kept.
            booking_erase_intake(booking=booking, now=now)
            booking.status = BookingStatus.EXPIRED
            booking.save()
            erased += 1
        expired_signups = list(Signup.objects.past_retention(now).values_list("pk", flat=True))
        for signup in Signup.objects.select_for_update().filter(pk__in=expired_signups):
            if signup.status == SignupStatus.CONFIRMED:
                free_seat(signup.group_id)
            signup.delete()
            erased += 1
        if erased:
            logger.info("Retention: erased %d intake(s), hold(s) and sign-up(s)", erased)
    return erased
