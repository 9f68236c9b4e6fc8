"""Calendar files (.ics) for confirmed appointments: a neutral title, a stable UID, a SEQUENCE
that grows with every change, and METHOD:CANCEL when the appointment is cancelled."""

import datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils.translation import gettext as _

from support.models import Booking


def booking_uid(booking: Booking) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"afspraak-{booking.pk}@{domain}"


def booking_ics(booking: Booking, *, cancel: bool = False) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = icalendar.Event()
    event.add("uid", booking_uid(booking))
    # The version counter grows with every reschedule and with the cancellation.
    event.add("sequence", booking.token_version)
    event.add("dtstamp", datetime.datetime.now(datetime.UTC))
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    # Neutral on purpose: calendars are often seen by others.
    event.add("summary", _("Afspraak"))
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
