"""The helper's own calendar subscription: a private, revocable link to an iCalendar feed of
her sessions, for the calendar she keeps elsewhere.

The link carries a long random token. The database keeps its SHA-256, to find her by it, and the
token itself encrypted, so she can see and copy her link again; a new token replaces both at
once, so the old link answers 404 from that moment. A calendar client fetches the feed without
a login, so the token is all the access there is: the feed holds no e-mail addresses, phone
numbers or intake answers. Each event says when, the kind of conversation, how and where (the
practice's address, the video link, or that she calls), with a link to the booking's page on
the site, in her language; the visitor's first name (or the name she gave) only if the helper
turns that on.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from support.booking import modes
from support.booking.calendar import booking_uid
from support.models import ON_CALENDAR_STATUSES, Booking, BookingStatus, Helper, SessionMode

TOKEN_BYTES = 32
# The longest token a URL may carry: token_urlsafe(32) gives 43 characters.
MAX_TOKEN_LENGTH = 64
# How far back the feed still lists sessions, so a past week stays filled in her calendar.
FEED_PAST = datetime.timedelta(days=90)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def helper_for_calendar_token(token: str) -> Helper | None:
    """The helper whose current calendar link carries this token, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = token_digest(token)
    helper = Helper.objects.filter(calendar_token_digest=digest).first()
    # The digest found her; the comparison of the token itself takes constant time.
    if helper is None or not hmac.compare_digest(helper.calendar_token or "", token):
        return None
    return helper


def feed_bookings(helper: Helper, now: datetime.datetime | None = None) -> list[Booking]:
    """Her sessions for the feed: requested and confirmed ones (and those that took place),
    never a hold, a cancelled, declined or expired one."""
    since = (now or timezone.now()) - FEED_PAST
    return list(
        Booking.objects.filter(helper=helper, status__in=ON_CALENDAR_STATUSES, ends_at__gt=since)
        .select_related("conversation_type", "helper")
        .only(
            "status",
            "starts_at",
            "ends_at",
            "token_version",
            "mode",
            "video_link",
            "name",
            "conversation_type__name",
            "helper",
        )
        .order_by("starts_at")
    )


def _title(booking: Booking, helper: Helper) -> str:
    title = _("Afspraak – %(type)s") % {"type": booking.conversation_type.name}
    first = booking.name.split()[0] if helper.feed_shows_name and booking.name.strip() else ""
    return f"{title} – {first}" if first else title


def _where(booking: Booking, helper: Helper) -> tuple[str, list[str]]:
    """The LOCATION and the lines saying how, for one of her sessions."""
    mode = booking.mode or SessionMode.PRACTICE
    how = _("Manier: %(mode)s") % {"mode": SessionMode(mode).label}
    if mode == SessionMode.VIDEO:
        link = modes.video_link_for(booking)
        return link, [how, _("Videolink: %(link)s") % {"link": link or _("nog niet gegeven")}]
    if mode == SessionMode.PHONE:
        location = _("Telefonisch: jij belt de aanvrager (nummer op de afspraakpagina)")
        return location, [how, location]
    address = modes.one_line(helper.practice_address)
    return address, [how, _("Waar: %(address)s") % {"address": address or _("je praktijk")}]


def helper_feed_ics(
    helper: Helper, bookings: list[Booking], *, now: datetime.datetime | None = None
) -> bytes:
    """Her sessions as a calendar to subscribe to, in UTC, in her language (Dutch until her
    profile says otherwise)."""
    with translation.override(getattr(helper, "language", "") or settings.LANGUAGE_CODE):
        calendar = icalendar.Calendar()
        calendar.add("prodid", f"-//{settings.SITE_NAME}//NL")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("Afspraken via %(site)s") % {"site": settings.SITE_NAME})
        # A hint to clients how often to look again (most choose their own interval anyway).
        calendar.add(
            "refresh-interval", datetime.timedelta(minutes=15), parameters={"VALUE": "DURATION"}
        )
        calendar.add("x-published-ttl", "PT15M")
        stamp = now or datetime.datetime.now(datetime.UTC)
        for booking in bookings:
            page = settings.SITE_URL + reverse("practice:booking", kwargs={"pk": booking.pk})
            location, lines = _where(booking, helper)
            event = icalendar.Event()
            event.add("uid", booking_uid(booking))
            event.add("sequence", booking.token_version)
            event.add("dtstamp", stamp)
            event.add("dtstart", booking.starts_at.astimezone(datetime.UTC))
            event.add("dtend", booking.ends_at.astimezone(datetime.UTC))
            event.add("summary", _title(booking, helper))
            if location:
                event.add("location", location)
            event.add("url", page)
            event.add("description", "\n".join([*lines, _("Op de site: %(url)s") % {"url": page}]))
            # A request she has not confirmed yet is tentative in her calendar.
            requested = booking.status == BookingStatus.REQUESTED
            event.add("status", "TENTATIVE" if requested else "CONFIRMED")
            event.add("transp", "OPAQUE")
            calendar.add_component(event)
    return calendar.to_ical()
