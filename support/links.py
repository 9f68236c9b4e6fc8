"""Private links: signed tokens for a sign-up, a booking and a partner's intake.

A token names a row and a stamp (the sign-up's creation time, or the row's `token_version`):
signed, so it cannot be guessed or altered, and refused once the stamp changed (a booking
moved or cancelled, a new invitation sent) or the row left the state the link is for.
"""

from __future__ import annotations

import datetime

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from support.models import OPEN_STATUSES, Booking, PartnerIntake, Signup, SignupStatus

SIGNUP_TOKEN_SALT = "support.signup"
BOOKING_TOKEN_SALT = "support.booking"
PARTNER_TOKEN_SALT = "support.partner"


def _sign(pk: int, stamp: float | int, *, salt: str) -> str:
    return signing.dumps([pk, stamp], salt=salt)


def _unsign(token: str, *, salt: str) -> tuple[int, float | int] | None:
    """The row id and stamp of a token; None for a tampered or malformed one."""
    try:
        pk, stamp = signing.loads(token, salt=salt)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return pk, stamp


def signup_token(signup: Signup) -> str:
    return _sign(signup.pk, signup.created_at.timestamp(), salt=SIGNUP_TOKEN_SALT)


def signup_from_token(token: str) -> Signup | None:
    """The sign-up a link belongs to, active or still to be proved (perhaps lapsed), or None
    for a tampered, reused or stale link."""
    if (signed := _unsign(token, salt=SIGNUP_TOKEN_SALT)) is None:
        return None
    pk, created = signed
    signups = Signup.objects.exclude(status=SignupStatus.CANCELLED)
    signup = signups.select_related("group").filter(pk=pk).first()
    if signup is None or signup.created_at.timestamp() != created:
        return None
    return signup


def signup_url(signup: Signup) -> str:
    return reverse("support:signup_manage", kwargs={"token": signup_token(signup)})


def booking_token(booking: Booking) -> str:
    return _sign(booking.pk, booking.token_version, salt=BOOKING_TOKEN_SALT)


def booking_from_token(token: str, *, now: datetime.datetime | None = None) -> Booking | None:
    """The booking of a private link; None for a tampered, superseded or expired link."""
    if (signed := _unsign(token, salt=BOOKING_TOKEN_SALT)) is None:
        return None
    pk, version = signed
    booking = (
        Booking.objects.open().select_related("helper", "conversation_type").filter(pk=pk).first()
    )
    if booking is None or not _current(booking, version, booking.starts_at, now):
        return None
    return booking


def booking_link_replaced(token: str) -> bool:
    """A genuine link of ours to a booking that no longer works: the booking was moved or
    cancelled since (a newer link went out), or its time has passed."""
    if (signed := _unsign(token, salt=BOOKING_TOKEN_SALT)) is None:
        return False
    pk, version = signed
    return Booking.objects.filter(pk=pk, token_version__gt=version).exists()


def booking_url(booking: Booking) -> str:
    return reverse("support:booking_manage", kwargs={"token": booking_token(booking)})


def partner_token(intake: PartnerIntake) -> str:
    return _sign(intake.pk, intake.token_version, salt=PARTNER_TOKEN_SALT)


def partner_from_token(token: str, *, now: datetime.datetime | None = None) -> PartnerIntake | None:
    """The partner intake of a private link; None for a tampered, stale or expired link."""
    if (signed := _unsign(token, salt=PARTNER_TOKEN_SALT)) is None:
        return None
    pk, version = signed
    intake = (
        PartnerIntake.objects.select_related("booking__helper", "booking__conversation_type")
        .filter(pk=pk, booking__status__in=OPEN_STATUSES)
        .first()
    )
    if intake is None or not _current(intake, version, intake.booking.starts_at, now):
        return None
    return intake


def partner_url(intake: PartnerIntake) -> str:
    return reverse("support:partner_start", kwargs={"token": partner_token(intake)})


def _current(
    row: Booking | PartnerIntake,
    version: float | int,
    starts_at: datetime.datetime,
    now: datetime.datetime | None,
) -> bool:
    """The link's version is the row's, and the session it is about is still to come."""
    return row.token_version == version and starts_at > (now or timezone.now())
