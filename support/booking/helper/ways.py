"""Another way of meeting for one booking: the helper proposes one she offers (video instead of
the practice, say) for a request or a session still to come; the visitor accepts or declines it
on her private page. Until she accepts, nothing changes. An accepted change reaches both in an
e-mail, with the calendar file at a higher SEQUENCE (the booking's version, which also renews
the visitor's private link)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from support.booking import modes
from support.booking.emails import email_booker
from support.booking.errors import BookingRefused
from support.booking.services import locked_booking, notify_helper
from support.models import Booking, BookingStatus, SessionMode


def other_ways(booking: Booking) -> list[str]:
    """The ways she offers for this booking other than the one it has."""
    return [m for m in modes.offer_of(booking).offered_modes if m != booking.mode]


def booking_propose_way(
    *, booking: Booking, mode: str, message: str = "", now: datetime.datetime | None = None
) -> Booking:
    now = now or timezone.now()
    if mode not in other_ways(booking):
        raise BookingRefused(_("Kies een andere manier die je aanbiedt."))
    if mode == SessionMode.PHONE and not booking.phone:
        raise BookingRefused(
            _("De aanvrager gaf geen telefoonnummer. Stel een andere manier voor.")
        )
    confirmed = booking.status == BookingStatus.CONFIRMED
    if mode == SessionMode.VIDEO and confirmed and not modes.video_link_for(booking):
        raise BookingRefused(
            _("Zet eerst een vaste videolink bij ‘Waar en hoe’: dit gesprek is al bevestigd.")
        )
    with transaction.atomic():
        current = locked_booking(booking)
        if not current.is_open or current.starts_at <= now:
            raise BookingRefused(_("Alleen bij een afspraak die nog komt kan dit."))
        current.proposed_mode = mode
        current.helper_message = message
        current.save(update_fields=["proposed_mode", "helper_message"])
        email_booker(kind="booking_way_proposed", booking=current)
    return current


def booking_answer_way(*, booking: Booking, accept: bool) -> Booking:
    """The visitor's answer to a proposed way. Accepted: the booking takes it, and both are
    told (she, and the partner who asked for the changes, with a new calendar file when they
    asked for one); declined: the helper is told and nothing changes."""
    with transaction.atomic():
        current = locked_booking(booking)
        if not current.proposed_mode or not current.is_open:
            raise BookingRefused(_("Er is geen voorstel meer om te beantwoorden."))
        if not accept:
            current.proposed_mode = ""
            current.save(update_fields=["proposed_mode"])
            notify_helper(current, kind="helper_way_declined")
            return current
        current.mode = current.proposed_mode
        current.proposed_mode = ""
        if current.mode != SessionMode.VIDEO:
            current.video_link = ""
        current.token_version += 1
        current.save(update_fields=["mode", "proposed_mode", "video_link", "token_version"])
        email_booker(kind="booking_way_changed", booking=current)
        notify_helper(current, kind="helper_way_changed")
    return current
