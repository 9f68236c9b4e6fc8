"""The helper's own settings: where and how she meets (her modes, her practice's address with a
route and accessibility note, her standing video link), her private calendar link, and what its
events' titles say."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from support.booking.errors import BookingRefused
from support.booking.modes import check_video_link
from support.booking.subscription import TOKEN_BYTES, token_digest
from support.models import Helper, SessionMode
from support.models.booking import parse_modes


def helper_modes_set(
    *,
    helper: Helper,
    modes: list[str],
    address: str,
    route: str,
    access: str,
    video_link: str,
    client_phone: str = "",
    client_email: str = "",
    language: str | None = None,
) -> Helper:
    """Her modes, her practice's address with a route and accessibility note, her own link, and
    how her clients reach her when a change is too late to make on their booking's page; and
    the language of her own e-mails, whatever language she works on the site in."""
    chosen = parse_modes(",".join(modes))
    if not chosen:
        raise BookingRefused(_("Kies minstens één manier."))
    if SessionMode.PRACTICE in chosen and not address.strip():
        raise BookingRefused(_("Vul het adres van je praktijk in, of zet ‘In de praktijk’ uit."))
    helper.session_modes = ",".join(chosen)
    helper.practice_address = address.strip()
    helper.practice_route = route.strip()
    helper.practice_access = access.strip()
    helper.video_link = check_video_link(video_link)
    if language in dict(settings.LANGUAGES):
        helper.language = language
    helper.client_phone = client_phone.strip()
    helper.client_email = client_email.strip()
    # Saving a helper counts as a change of the directory's pages (support/apps.py).
    helper.save(
        update_fields=[
            "session_modes",
            "practice_address",
            "practice_route",
            "practice_access",
            "video_link",
            "language",
            "client_phone",
            "client_email",
            "changed_at",
        ]
    )
    return helper


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


def helper_feed_names_set(*, helper: Helper, show: bool) -> Helper:
    """Whether her feed's titles carry the visitor's first name (or the name she gave)."""
    Helper.objects.filter(pk=helper.pk).update(feed_shows_name=show)
    helper.feed_shows_name = show
    return helper
