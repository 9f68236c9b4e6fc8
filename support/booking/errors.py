"""Every refusal of the booking journey, in one place: each carries the words the visitor reads
and the HTTP status of the page that shows them. Services raise them; the views let them rise to
one handler (`support.booking.journey.shows_errors`) that renders the page again with the
message, so no view turns an error into a page by hand.
"""

from __future__ import annotations

import datetime
from http import HTTPStatus

from django.utils.translation import gettext_lazy as _


class BookingError(Exception):
    """A request of the booking journey that cannot be done; `message` says why, for her."""

    status = HTTPStatus.CONFLICT
    nearest: list[datetime.datetime] = []
    default_message = _("Dit kan niet meer. Kijk op de pagina wat er nu kan.")

    def __init__(self, message: str = "") -> None:
        self.message = message or str(self.default_message)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class BookingRefused(BookingError):
    """A change the rules do not allow."""


class SlotTaken(BookingError):
    """The time is no longer free. `nearest` holds the closest free times instead; `reason`,
    when set, says why in words for the visitor (a day or week her helper's limits filled)."""

    default_message = _("Deze tijd is net bezet of niet meer te kiezen. Kies een andere tijd.")

    def __init__(self, nearest: list[datetime.datetime], reason: str = "") -> None:
        self.nearest = nearest
        self.reason = reason
        super().__init__(reason)


class TooManyHolds(BookingError):
    """This client already holds as many times as one person can need."""

    status = HTTPStatus.TOO_MANY_REQUESTS
    default_message = _(
        "Je houdt al een paar tijden vast. Maak die eerst af, of wacht tien minuten."
    )


class NoSuchTime(BookingError):
    """The form named no time of the list (tampered, or too far off)."""

    status = HTTPStatus.BAD_REQUEST
    default_message = _("Kies een tijd uit de lijst.")


class TooManyTries(BookingError):
    """A rate limit (portal.ratelimit) refused the request; the message is the limit's own."""

    status = HTTPStatus.TOO_MANY_REQUESTS


class WeekOutOfRange(BookingError):
    """The asked week is no week a visitor can book in; `monday` is the nearest one that is.
    A page that shows weeks redirects to it instead of showing an error."""

    status = HTTPStatus.BAD_REQUEST

    def __init__(self, monday: datetime.date) -> None:
        self.monday = monday
        super().__init__(monday.isoformat())


class NotYours(BookingError):
    """This browser has not shown that the booking is hers (support/booking/journey.py)."""

    status = HTTPStatus.FORBIDDEN
    default_message = _(
        "Vraag eerst een code aan op deze pagina. Daarna kun je hier je afspraak bekijken en "
        "wijzigen."
    )
