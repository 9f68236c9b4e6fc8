"""The helper's own calendar subscription: a private, revocable link to an iCalendar feed of
her sessions, for the calendar she keeps elsewhere.

The link carries a long random token. The database keeps its SHA-256, to find her by it, and the
token itself encrypted, so she can see and copy her link again; a new token replaces both at
once, so the old link answers 404 from that moment. A calendar client fetches the feed without
a login, so the token is all the access there is: the feed holds no names, e-mail addresses or
intake answers, only the times and the kind of conversation.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from support.models import ON_CALENDAR_STATUSES, Booking, Helper

TOKEN_BYTES = 32
# The longest token a URL may carry: token_urlsafe(32) gives 43 characters.
MAX_TOKEN_LENGTH = 64
# How far back the feed still lists sessions, so a past week stays filled in her calendar.
FEED_PAST = datetime.timedelta(days=90)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def helper_calendar_token_renew(*, helper: Helper) -> str:
    """Give her a new calendar link; the previous one stops working at once. Returns the token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        Helper.objects.filter(pk=helper.pk).update(
            calendar_token=token, calendar_token_digest=token_digest(token)
        )
    helper.calendar_token = token
    helper.calendar_token_digest = token_digest(token)
    return token


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
        .select_related("conversation_type")
        .only("status", "starts_at", "ends_at", "token_version", "conversation_type__name")
        .order_by("starts_at")
    )
