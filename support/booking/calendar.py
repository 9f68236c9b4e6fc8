"""Calendar files (.ics) for confirmed appointments, sent only to whoever asked for one: a neutral
title, no price, a stable UID, a SEQUENCE that grows with every change, and METHOD:PUBLISH (an
event she keeps, not an invitation to answer), with STATUS:CANCELLED when it is cancelled. And the
helper's own feed of her sessions (support/booking/subscription.py), with the same UIDs, so a
session e-mailed to her and the one in her feed are one event in her calendar."""

import datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils.translation import gettext as _

from support.booking import modes
from support.models import Booking, SessionMode


def booking_uid(booking: Booking) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"afspraak-{booking.pk}@{domain}"


def booking_ics(booking: Booking, *, cancel: bool = False) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", booking_uid(booking))
    # Grows with every reschedule, a new video link and the cancellation.
    event.add("sequence", booking.token_version + booking.calendar_changes)
    event.add("dtstamp", datetime.datetime.now(datetime.UTC))
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    # Neutral on purpose: calendars are often seen by others.
    event.add("summary", _("Afspraak"))
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    # Where: the practice's address itself, the video link, or that she will be called; the
    # description says how long and until when she can cancel. Never the topic or the price: a
    # calendar is often shared with the family.
    place = modes.booking_place(booking, modes.offer_of(booking), with_link=True)
    if place.address_line:
        event.add("location", place.address_line)
    elif place.video_link:
        event.add("location", place.video_link)
        event.add("url", place.video_link)
    elif place.mode == SessionMode.PHONE:
        event.add("location", _("Telefonisch: je hulpverlener belt je"))
    event.add("description", place_description(place))
    calendar.add_component(event)
    return calendar.to_ical()


def place_description(place: modes.Place) -> str:
    """The place, length and cancellation rule in plain words (the `.ics` DESCRIPTION)."""
    lines = []
    if place.address_line:
        lines.append(_("Waar: %(address)s") % {"address": place.address_line})
        if place.route:
            lines.append(_("Route: %(note)s") % {"note": place.route})
        if place.access:
            lines.append(_("Toegankelijkheid: %(note)s") % {"note": place.access})
    elif place.video_link:
        lines.append(_("Videogesprek: %(link)s") % {"link": place.video_link})
    elif place.mode == SessionMode.PHONE:
        lines.append(_("Telefonisch: je hulpverlener belt je op het nummer dat je opgaf."))
    lines.append(_("Duur: %(minutes)s minuten") % {"minutes": place.duration_minutes})
    # The rule, never a moment: a calendar keeps the file long after the moment has passed.
    lines.append(
        _("Kosteloos annuleren of verzetten kan tot %(hours)s uur van tevoren.")
        % {"hours": place.cancel_hours}
    )
    return "\n".join(lines)
