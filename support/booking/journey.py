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

import hmac
import secrets
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import ratelimit
from support.booking import selectors
from support.booking.errors import BookingError, NotYours, TooManyTries
from support.forms import CodeForm
from support.models import Booking, PartnerIntake
from support.visitor import CODE_ATTEMPTS, CODE_LIFETIME, code_hash, new_code, visitor_digest

SESSION_BOOKING = "booking"
SESSION_OWNED = "booking-owned"  # ids of submitted bookings this browser may manage
SESSION_LINKS = "booking-links"  # ids of bookings whose private link was opened here
SESSION_CODE = "booking-code"  # the code sent to prove a booking's address: hash, until, tries
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
#
# The private link alone shows nothing and changes nothing: it is in her mailbox, her history and
# perhaps on a shared device. A browser may manage a booking when she booked in it, when she
# typed there the code sent to the booking's address, or when it proved that address for "Mijn
# afspraken". The link is exchanged for a mark in the session and a URL without the token.


def _ids(request: HttpRequest, name: str) -> list[int]:
    stored = request.session.get(name)
    return [pk for pk in stored if isinstance(pk, int)] if isinstance(stored, list) else []


def _add_id(request: HttpRequest, name: str, pk: int) -> None:
    ids = _ids(request, name)
    if pk not in ids:
        request.session[name] = [*ids[-19:], pk]


def own(request: HttpRequest, booking: Booking) -> None:
    """She proved the booking is hers in this browser (she booked here, or typed the code)."""
    _add_id(request, SESSION_OWNED, booking.pk)


def opened_link(request: HttpRequest, booking: Booking) -> None:
    """The booking's current private link was opened here: this browser may ask for a code."""
    _add_id(request, SESSION_LINKS, booking.pk)


def managed_booking(request: HttpRequest, pk: int) -> Booking:
    """The open booking `pk`, when this browser may manage it.

    Http404 when there is no such booking still to come, or this browser never had its link;
    NotYours when it opened the link but has not shown the address is hers.
    """
    booking = (
        Booking.objects.open()
        .select_related("helper", "conversation_type")
        .filter(pk=pk, starts_at__gt=timezone.now())
        .first()
    )
    if booking is None:
        raise Http404
    if pk in _ids(request, SESSION_OWNED):
        return booking
    if (digest := visitor_digest(request)) and digest == booking.email_digest:
        return booking
    if pk in _ids(request, SESSION_LINKS):
        raise NotYours
    raise Http404


def _code_hash(booking: Booking, code: str) -> str:
    return code_hash(code, purpose=f"booking-code:{booking.pk}")


def booking_code(request: HttpRequest, booking: Booking) -> str:
    """A code for this browser to prove the booking's address; only its hash is kept."""
    code = new_code()
    pending = {"hash": _code_hash(booking, code), "until": time.time() + CODE_LIFETIME, "tries": 0}
    request.session[SESSION_CODE] = {"pk": booking.pk, **pending}
    return code


def code_pending(request: HttpRequest, booking: Booking) -> bool:
    pending = request.session.get(SESSION_CODE)
    return (
        isinstance(pending, dict)
        and pending.get("pk") == booking.pk
        and pending.get("until", 0) > time.time()
    )


def check_code(request: HttpRequest, booking: Booking, code: str) -> bool:
    """Whether `code` is the one sent for this booking; the right one makes it hers here. After
    CODE_ATTEMPTS wrong ones the code is void (TooManyTries)."""
    if not code_pending(request, booking):
        return False
    pending = request.session[SESSION_CODE]
    if hmac.compare_digest(pending["hash"], _code_hash(booking, code)):
        request.session.pop(SESSION_CODE)
        request.session.cycle_key()  # a new session key for a browser that gained a right
        own(request, booking)
        return True
    pending["tries"] += 1
    if pending["tries"] >= CODE_ATTEMPTS:
        request.session.pop(SESSION_CODE)
        raise TooManyTries(_("Te veel pogingen. Vraag een nieuwe code."))
    request.session[SESSION_CODE] = pending
    return False


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


def locked_page(request: HttpRequest, pk: int, error: BookingError | None) -> HttpResponse:
    """The page of a browser that has only the booking's link: nothing of the booking, and a
    way to get the code that makes it hers here (support/booking/views.py, booking_code)."""
    context = {"pk": pk, "error": error, "form": CodeForm(), "sent": False}
    return render(request, "support/booking/manage_locked.html", context)


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
