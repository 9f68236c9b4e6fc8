"""Where and how a conversation takes place: at the helper's practice, by video, or by phone.

A helper offers one or more modes (an offer may narrow them for one conversation type); the
visitor chooses among them, or, with one mode, is simply told. A video link is a key to the
helper's room: it is shown on a booking's private pages only from VIDEO_LINK_BEFORE the start
until the end, and only once the booking is confirmed. E-mails and the `.ics` to the visitor
carry it (they reach her alone). No third-party service is ever embedded: it is just a link.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from support.booking.errors import BookingRefused
from support.booking.selectors import held_booking
from support.models import Booking, BookingStatus, Offer, SessionMode

VIDEO_LINK_BEFORE = datetime.timedelta(hours=24)
MAX_VIDEO_LINK_LENGTH = 500


def default_mode(offer: Offer) -> str:
    """The mode a new booking gets: the only one offered, or none yet (the visitor chooses)."""
    modes = offer.offered_modes
    return modes[0] if len(modes) == 1 else ""


def check_video_link(value: str) -> str:
    """A video link as entered, stripped; refused unless it is a plain https address."""
    link = value.strip()
    if not link:
        return ""
    parts = urlsplit(link)
    if (
        len(link) > MAX_VIDEO_LINK_LENGTH
        or parts.scheme.lower() != "https"
        or not parts.hostname
        or any(c.isspace() for c in link)
    ):
        raise BookingRefused(
            _(
                "Dit is geen geldige videolink. Een videolink begint met https:// en bevat "
                "geen spaties, bijvoorbeeld https://video.example.nl/kamer."
            )
        )
    return link


# -- the visitor's choice ------------------------------------------------------------------------


def booking_choose_mode(*, booking: Booking, hold_key: str, offer: Offer, mode: str) -> Booking:
    """Store the mode the visitor chose for her held booking; one not offered is refused."""
    if mode not in offer.offered_modes:
        raise BookingRefused(
            _("Deze hulpverlener biedt deze manier niet aan. Kies een van de mogelijkheden.")
        )
    with transaction.atomic():
        current = held_booking(booking.pk, hold_key)
        if current is None or current.helper_id != offer.helper_id:
            raise BookingRefused(_("Deze aanvraag bestaat niet meer. Begin opnieuw."))
        current.mode = mode
        current.save(update_fields=["mode"])
    booking.mode = mode
    return current


def mode_refusal(booking: Booking, offer: Offer) -> str:
    """Why a booking cannot be sent with its mode as it is, in words for the visitor; empty if
    it can. Checked again on submit: the helper may have changed her modes meanwhile."""
    if booking.mode not in offer.offered_modes:
        return _("Kies eerst hoe je het gesprek wilt voeren.")
    if booking.mode == SessionMode.PHONE and not booking.phone:
        return _("Vul je telefoonnummer in: je hulpverlener belt je op dat nummer.")
    return ""


# -- what the booking's pages, e-mails and calendar file say -------------------------------------


def offer_of(booking: Booking) -> Offer:
    """The offer a booking was made under, or, if the helper no longer offers that conversation
    type, one with the type's own settings: an e-mail about an old booking must still go out."""
    offer = Offer.objects.select_related("helper", "conversation_type").filter(
        helper_id=booking.helper_id, conversation_type_id=booking.conversation_type_id
    )
    fallback = Offer(helper=booking.helper, conversation_type=booking.conversation_type)
    return offer.first() or fallback


def video_link_for(booking: Booking) -> str:
    """The link of this session: its own, else the helper's standing link."""
    return booking.video_link or booking.helper.video_link


@dataclass(frozen=True)
class Place:
    """Where and how one booking takes place, as its visitor (and partner) may see it now."""

    mode: str
    label: str
    address: str
    route: str
    access: str
    # The video link, only while it may be shown (see link_shown_from / visible).
    video_link: str
    link_shown_from: datetime.datetime | None
    link_waits_for_confirmation: bool
    duration_minutes: int
    price: str
    insurance_note: str
    cancel_until: datetime.datetime
    cancel_hours: int
    # The free-cancellation window has begun: moving or cancelling goes through the helper, and
    # no page, e-mail or calendar file names `cancel_until` (it lies in the past).
    late: bool

    @property
    def address_line(self) -> str:
        return one_line(self.address)


def one_line(address: str) -> str:
    """An address typed on several lines, on one (for a calendar's LOCATION or a sentence)."""
    return ", ".join(line.strip() for line in address.splitlines() if line.strip())


def video_link_changeable(booking: Booking, now: datetime.datetime) -> bool:
    """Whether the helper may still give a confirmed video session another link."""
    return (
        booking.mode == SessionMode.VIDEO
        and booking.status == BookingStatus.CONFIRMED
        and now < booking.ends_at
    )


def video_link_visible(booking: Booking, now: datetime.datetime) -> bool:
    return (
        booking.mode == SessionMode.VIDEO
        and booking.status == BookingStatus.CONFIRMED
        and booking.starts_at - VIDEO_LINK_BEFORE <= now < booking.ends_at
    )


def booking_place(
    booking: Booking,
    offer: Offer,
    *,
    now: datetime.datetime | None = None,
    with_link: bool = False,
) -> Place:
    """The place, length, price and cancellation rule of a booking.

    `with_link`: for what only the visitor receives (her e-mails, her `.ics`): the video link
    whatever the time. Otherwise (pages) it is there only within its window.
    """
    now = now or timezone.now()
    helper = booking.helper
    mode = booking.mode or default_mode(offer)
    is_video = mode == SessionMode.VIDEO
    confirmed = booking.status == BookingStatus.CONFIRMED
    link = ""
    if is_video and (video_link_visible(booking, now) or (with_link and confirmed)):
        link = video_link_for(booking)
    hours = offer.setting("cancellation_window_hours")
    cancel_until = timezone.localtime(booking.starts_at - datetime.timedelta(hours=hours))
    return Place(
        mode=mode,
        label=str(SessionMode(mode).label) if mode else "",
        address=helper.practice_address if mode == SessionMode.PRACTICE else "",
        route=helper.practice_route if mode == SessionMode.PRACTICE else "",
        access=helper.practice_access if mode == SessionMode.PRACTICE else "",
        video_link=link,
        link_shown_from=(
            timezone.localtime(booking.starts_at - VIDEO_LINK_BEFORE)
            if is_video and confirmed and not link and now < booking.ends_at
            else None
        ),
        link_waits_for_confirmation=is_video and booking.status == BookingStatus.REQUESTED,
        duration_minutes=booking.duration_minutes,
        price=offer.shown_price,
        insurance_note=offer.conversation_type.shown_insurance_note,
        cancel_until=cancel_until,
        cancel_hours=hours,
        late=now >= cancel_until,
    )
