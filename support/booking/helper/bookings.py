"""What a helper does with a booking: confirm, decline, propose another time, cancel, keep one
outside her hours, record the outcome, extend to the longer session.

Typed, keyword-only and atomic, like the visitor's side in services.py.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from support.booking import availability, modes, services
from support.booking.emails import email_booker, queue_reminder
from support.booking.errors import BookingRefused
from support.booking.helper.conflicts import is_outside_hours
from support.booking.selectors import busy, offer_for, slot_rules
from support.booking.services import SlotTaken, booking_reschedule, locked_booking
from support.models import OUTCOME_STATUSES, Booking, BookingStatus, SessionMode


def booking_confirm(
    *, booking: Booking, video_link: str = "", outside_hours_ok: bool = False
) -> Booking:
    """Confirm a request. `video_link`: a link for this session only (video sessions), which
    takes the place of her standing link; without either a video session is not confirmed.
    A request outside her hours is confirmed only when she says she knows
    (`outside_hours_ok`)."""
    link = modes.check_video_link(video_link)
    with transaction.atomic():
        current = locked_booking(booking)
        if current.status != BookingStatus.REQUESTED:
            raise BookingRefused(_("Alleen een aanvraag kan worden bevestigd."))
        if not current.outside_hours_ok and is_outside_hours(current):
            if not outside_hours_ok:
                raise BookingRefused(
                    _(
                        "Deze aanvraag valt buiten je tijden. Vink aan dat je dat weet, of "
                        "stel een andere tijd voor."
                    )
                )
            current.outside_hours_ok = True
        if current.mode == SessionMode.VIDEO:
            current.video_link = _session_link(current, link)
        current.status = BookingStatus.CONFIRMED
        current.save(update_fields=["status", "video_link", "outside_hours_ok"])
        email_booker(kind="booking_confirmed", booking=current)
        queue_reminder(current)
    return current


def _session_link(booking: Booking, link: str) -> str:
    """The link a video session gets: its own, or none to use her standing link; with
    neither, the session cannot go ahead."""
    if not (link or booking.helper.video_link):
        raise BookingRefused(
            _(
                "Dit is een videogesprek. Vul een videolink in, of zet een vaste "
                "videolink bij ‘Waar en hoe’."
            )
        )
    return link


def booking_set_video_link(
    *, booking: Booking, video_link: str, now: datetime.datetime | None = None
) -> Booking:
    """Change the link of a confirmed video session that has not ended (empty: her standing
    link). The visitor gets the confirmation again, with the new link."""
    link = modes.check_video_link(video_link)
    now = now or timezone.now()
    with transaction.atomic():
        current = locked_booking(booking)
        if not modes.video_link_changeable(current, now):
            raise BookingRefused(
                _("Alleen bij een bevestigd videogesprek dat nog komt kun je de link wijzigen.")
            )
        if _session_link(current, link) == current.video_link:
            return current
        current.video_link = link
        current.calendar_changes += 1  # the calendar file's SEQUENCE grows with it
        current.save(update_fields=["video_link", "calendar_changes"])
        email_booker(kind="booking_confirmed", booking=current)
    return current


def booking_decline(*, booking: Booking, message: str = "") -> Booking:
    with transaction.atomic():
        current = locked_booking(booking)
        if current.status != BookingStatus.REQUESTED:
            raise BookingRefused(_("Alleen een aanvraag kan worden afgewezen."))
        current.status = BookingStatus.DECLINED
        current.helper_message = message
        current.token_version += 1
        current.save(update_fields=["status", "helper_message", "token_version"])
        email_booker(kind="booking_declined", booking=current)
    return current


def booking_propose(
    *,
    booking: Booking,
    start: datetime.datetime,
    message: str = "",
    now: datetime.datetime | None = None,
) -> Booking:
    """Helper: move a request to another free time and say so; it stays a request until she
    confirms, so the visitor can still choose another time or cancel with her link. A confirmed
    session moves at once (a day off over it, say): the visitor gets the new time and file."""
    with transaction.atomic():
        # Checked under the lock: a request confirmed meanwhile is moved as a session.
        status = locked_booking(booking).status
        if status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
            raise BookingRefused(_("Deze afspraak kan niet meer worden verzet."))
        requested = status == BookingStatus.REQUESTED
        current = booking_reschedule(booking=booking, start=start, now=now, notify=not requested)
        current.helper_message = message
        current.save(update_fields=["helper_message"])
        if requested:
            email_booker(kind="booking_proposed", booking=current)
    return current


def booking_call_off(*, booking: Booking) -> Booking:
    """Call off a request or a session still to come; the visitor is told by e-mail."""
    return services.booking_cancel(booking=booking, by_visitor=False)


def booking_keep_outside_hours(*, booking: Booking) -> Booking:
    """She keeps a session that lies outside her hours: its conflict mark goes."""
    with transaction.atomic():
        current = locked_booking(booking)
        if not current.is_open:
            raise BookingRefused(_("Deze afspraak gaat niet meer door."))
        current.outside_hours_ok = True
        current.save(update_fields=["outside_hours_ok"])
    return current


def booking_record_outcome(
    *, booking: Booking, outcome: str, now: datetime.datetime | None = None
) -> Booking:
    """Helper: after a confirmed session has begun, note that it took place or that nobody
    came."""
    now = now or timezone.now()
    if outcome not in OUTCOME_STATUSES:
        raise ValueError(f"not an outcome: {outcome}")
    with transaction.atomic():
        current = locked_booking(booking)
        if current.status != BookingStatus.CONFIRMED or current.starts_at > now:
            raise BookingRefused(_("Dit kan pas als een bevestigd gesprek is begonnen."))
        current.status = outcome
        current.save(update_fields=["status"])
    return current


def booking_extend(*, booking: Booking, now: datetime.datetime | None = None) -> Booking:
    """60 → 90 minutes by mutual agreement, only if the time after it is still free."""
    now = now or timezone.now()
    offer = offer_for(booking)
    longer = offer.conversation_type.extended_minutes
    if not longer:
        raise BookingRefused(_("Dit soort gesprek kan niet langer duren."))
    try:
        with transaction.atomic():
            current = locked_booking(booking)
            if not current.is_open:
                raise BookingRefused(_("Deze afspraak kan niet meer worden verlengd."))
            if current.duration_minutes >= longer:
                return current
            # Notice does not apply to lengthening an existing booking, only the free time does.
            rules = slot_rules(offer, minutes=longer)
            blocked = availability.blocked_range(current.starts_at, rules)
            if busy(current.helper, *blocked, exclude=current.pk):
                raise SlotTaken([])
            current.ends_at = current.starts_at + rules.duration
            current.blocked_from, current.blocked_until = blocked
            current.save()
            return current
    except (SlotTaken, IntegrityError) as error:
        raise BookingRefused(_("De tijd na dit gesprek is niet meer vrij.")) from error
