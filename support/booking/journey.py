"""The visitor's way through a booking, as the session remembers it: the one module that reads
and writes the booking's session keys (tests/test_architecture.py holds it to that).

- `Held`: the time she holds while she fills in the intake (the booking's id and the key that
  proves the hold is hers; whether a "first available helper" page gave it to her).
- Which submitted bookings this browser may show and change (`owns`): the one she booked in,
  and those whose address she proved here with a code (support/booking/access.py).
- Which partner intake this browser claimed (the first browser that starts it owns it).
- `respond`: the one place where a booking error (support/booking/errors.py) becomes a page.
"""

from __future__ import annotations

import secrets
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from portal import ratelimit
from support.booking import selectors
from support.booking.errors import BookingError, TooManyTries
from support.models import Booking, PartnerIntake

SESSION_BOOKING = "booking"
SESSION_OWNED = "booking-owned"  # ids of submitted bookings this browser may manage
SESSION_LINKS = "booking-links"  # ids of bookings whose private link was opened here
SESSION_PARTNER = "partner-claims"  # partner intake id -> the key this browser claimed it with


@dataclass(frozen=True)
class Held:
    """The time this browser holds; `booking` is None once the hold is gone."""

    pk: int
    key: str
    first_free: bool = False

    @property
    def booking(self) -> Booking | None:
        return selectors.held_booking(self.pk, self.key)


def held(request: HttpRequest) -> Held | None:
    stored = request.session.get(SESSION_BOOKING) or {}
    if not isinstance(stored.get("pk"), int) or not stored.get("key"):
        return None
    return Held(stored["pk"], stored["key"], bool(stored.get("first_free")))


def held_booking(request: HttpRequest) -> tuple[Held, Booking] | tuple[None, None]:
    """The hold and its booking, or (None, None) when she holds nothing (any more)."""
    hold = held(request)
    booking = hold.booking if hold else None
    if hold is None or booking is None:
        return None, None
    return hold, booking


def hold_key(request: HttpRequest) -> str:
    """The key for a new hold: the one she has (so choosing again lets the old time go)."""
    hold = held(request)
    return hold.key if hold else secrets.token_urlsafe(24)


def remember_hold(request: HttpRequest, booking: Booking, *, first_free: bool) -> None:
    request.session[SESSION_BOOKING] = {
        "pk": booking.pk,
        "key": booking.hold_key,
        "first_free": first_free,
    }


def submitted(request: HttpRequest, booking: Booking) -> None:
    """The hold became a request: this browser keeps managing it without a code."""
    request.session.pop(SESSION_BOOKING, None)
    own(request, booking)


# -- the bookings this browser may manage -------------------------------------------------------


def _ids(request: HttpRequest, name: str) -> list[int]:
    stored = request.session.get(name)
    return [pk for pk in stored if isinstance(pk, int)] if isinstance(stored, list) else []


def own(request: HttpRequest, booking: Booking) -> None:
    """She proved the booking is hers in this browser (she booked here, or typed the code)."""
    owned = _ids(request, SESSION_OWNED)
    if booking.pk not in owned:
        request.session[SESSION_OWNED] = [*owned[-19:], booking.pk]


def owns(request: HttpRequest, booking: Booking, visitor_digest: str | None = None) -> bool:
    """Whether this browser may see and change the booking: proved here, or the session proved
    the booking's address for "Mijn afspraken" (`visitor_digest`)."""
    if booking.pk in _ids(request, SESSION_OWNED):
        return True
    return bool(visitor_digest) and visitor_digest == booking.email_digest


def opened_link(request: HttpRequest, booking: Booking) -> None:
    """The booking's current private link was opened here: this browser may ask for a code."""
    opened = _ids(request, SESSION_LINKS)
    if booking.pk not in opened:
        request.session[SESSION_LINKS] = [*opened[-19:], booking.pk]


def has_opened_link(request: HttpRequest, booking: Booking) -> bool:
    return booking.pk in _ids(request, SESSION_LINKS)


# -- the invited partner's intake, claimed by the first browser that starts it -----------------


def partner_claim_key(request: HttpRequest, intake: PartnerIntake) -> str:
    claims = request.session.get(SESSION_PARTNER)
    return str(claims.get(str(intake.pk), "")) if isinstance(claims, dict) else ""


def remember_partner_claim(request: HttpRequest, intake: PartnerIntake, key: str) -> None:
    claims = request.session.get(SESSION_PARTNER)
    claims = claims if isinstance(claims, dict) else {}
    request.session[SESSION_PARTNER] = {**claims, str(intake.pk): key}


# -- errors become pages in one place -----------------------------------------------------------


def respond(
    action: Callable[[], HttpResponse], page: Callable[[BookingError], HttpResponse]
) -> HttpResponse:
    """Do `action`; a booking error it raises becomes `page(error)`, sent with the error's
    status. Every view of the journey turns its errors into pages through here."""
    try:
        return action()
    except BookingError as error:
        response = page(error)
        if response.status_code == HTTPStatus.OK:  # not a redirect
            response.status_code = error.status
        return response


def error_context(error: BookingError | None, zone: zoneinfo.ZoneInfo) -> dict[str, object]:
    """What a page shows of an error: its message and, for a time just taken, the nearest free
    times instead, on the page's clock."""
    return {
        "error": error.message if error else None,
        "taken_nearest": [timezone.localtime(t, zone) for t in error.nearest] if error else [],
    }


def check_limit(request: HttpRequest, action: str, *, key: str | None = None) -> None:
    """Count one attempt against a rate limit (portal.ratelimit); TooManyTries when used up."""
    if message := ratelimit.refusal(request, action, key=key):
        raise TooManyTries(message)
