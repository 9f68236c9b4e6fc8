"""The week page: free times to choose from, for one helper's offer or ("Eerst beschikbare
hulpverlener") every helper of one conversation type; holding a time; moving a booking.

For a visitor without a session the whole page is the same for everyone: each app server keeps
it (portal/pagecache.py) under the versions of its helpers' free times, with her own CSRF token
put in.
"""

from __future__ import annotations

import datetime
import secrets
import zoneinfo
from dataclasses import dataclass
from http import HTTPStatus
from typing import TypedDict

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal import pagecache, ratelimit
from portal.pagecache import reading_page
from portal.ratelimit import client_digest
from support import links
from support.booking import selectors
from support.booking import services as booking_services
from support.booking.limits import monday_of
from support.booking.views import SESSION_BOOKING
from support.models import Booking, ConversationType, Offer

# The week page shows the offer and its helper (directory) and the free times (availability).
WEEK_DOMAINS = (pagecache.DIRECTORY, pagecache.AVAILABILITY)


@dataclass(frozen=True)
class WeekSource:
    """Whose free times a week page shows: one offer, or ("Eerst beschikbare hulpverlener")
    every offer of one conversation type, merged."""

    offers: tuple[Offer, ...]
    first_free: bool = False

    @classmethod
    def of(cls, offer: Offer) -> WeekSource:
        return cls((offer,))

    @property
    def offer(self) -> Offer:
        return self.offers[0]

    @property
    def conversation_type(self) -> ConversationType:
        return self.offers[0].conversation_type

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The clock the page shows: the helper's own; for several helpers, the site's."""
        if self.first_free:
            return zoneinfo.ZoneInfo(settings.TIME_ZONE)
        return self.offer.helper.zone

    @property
    def horizon_days(self) -> int:
        return max(offer.setting("horizon_days") for offer in self.offers)

    @property
    def helper_ids(self) -> list[int]:
        return [offer.helper_id for offer in self.offers]

    def free_times(
        self, first_day: datetime.date, last_day: datetime.date, exclude: int | None
    ) -> list[datetime.datetime]:
        if self.first_free:
            # A day wider on each side: a helper's own day may begin before the site's.
            return selectors.first_free_times(
                self.offers,
                first_day=first_day - datetime.timedelta(days=1),
                last_day=last_day + datetime.timedelta(days=1),
            )
        return selectors.free_times(
            offer=self.offer, first_day=first_day, last_day=last_day, exclude=exclude
        )


class WeekOutOfRange(Exception):
    """The asked week is no week a visitor can book in; `monday` is the nearest one that is."""

    def __init__(self, monday: datetime.date) -> None:
        super().__init__(monday.isoformat())
        self.monday = monday


def _week_start(request: HttpRequest, source: WeekSource) -> datetime.date:
    """The Monday of the week asked for, bounded to this week … the booking horizon.

    Only a valid Monday in that range is ever used (for the page and its cache key); anything
    else raises WeekOutOfRange with the nearest valid week.
    """
    today = timezone.localdate(timezone=source.zone)
    first = monday_of(today)
    last = monday_of(today + datetime.timedelta(days=source.horizon_days))
    value = request.GET.get("week")
    if value is None:
        return first
    try:
        wanted = datetime.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        wanted = None
    if wanted is None:
        raise WeekOutOfRange(first)
    monday = min(max(monday_of(wanted), first), last)
    if monday != wanted:
        raise WeekOutOfRange(monday)
    return monday


def _week_context(
    request: HttpRequest,
    source: WeekSource,
    *,
    exclude: int | None = None,
    monday: datetime.date | None = None,
) -> dict[str, object]:
    """The week page's context. `monday`: a week from WeekOutOfRange, shown instead of the one
    asked for."""
    zone = source.zone
    if monday is None:
        monday = _week_start(request, source)
    sunday = monday + datetime.timedelta(days=6)
    today = timezone.localdate(timezone=zone)
    last = monday_of(today + datetime.timedelta(days=source.horizon_days))
    has_times, days_html, nearest = _render_week(source, monday, sunday, exclude)
    return {
        "offer": source.offer,
        "first_free": source.conversation_type if source.first_free else None,
        "days_html": mark_safe(days_html),  # rendered from our template, escaped there
        "has_times": has_times,
        "monday": monday,
        "sunday": sunday,
        "previous_week": monday - datetime.timedelta(days=7) if monday > monday_of(today) else None,
        "next_week": monday + datetime.timedelta(days=7) if monday < last else None,
        "nearest": nearest,
        "nearest_week": monday_of(nearest.date()) if nearest else None,
    }


class WeekDay(TypedDict):
    label: str
    times: list[tuple[str, str, str]]  # (ISO time, "HH:MM", what a screen reader says)


def _render_week(
    source: WeekSource, monday: datetime.date, sunday: datetime.date, exclude: int | None
) -> tuple[bool, str, datetime.datetime | None]:
    zone = source.zone
    # One computation covers this week and the nearest free time after it, if it is empty.
    last_day = sunday + datetime.timedelta(days=selectors.NEAREST_SEARCH_DAYS)
    times = source.free_times(monday, last_day, exclude)
    this_week = [t for t in times if monday <= timezone.localtime(t, zone).date() <= sunday]
    later = [t for t in times if timezone.localtime(t, zone).date() > sunday]
    days: list[WeekDay] = []
    for offset in range(7):
        date = monday + datetime.timedelta(days=offset)
        days.append({"label": date_format(date, "l j F"), "times": []})
    for start in this_week:
        local = timezone.localtime(start, zone)
        day = days[(local.date() - monday).days]
        hhmm = local.strftime("%H:%M")
        day["times"].append((local.isoformat(), hhmm, f"{day['label']} {hhmm}"))
    days_html = render_to_string("support/booking/week_days.html", {"days": days})
    nearest = timezone.localtime(later[0], zone) if not this_week and later else None
    return bool(this_week), str(days_html), nearest


def local_times(
    taken: booking_services.SlotTaken, zone: zoneinfo.ZoneInfo
) -> list[datetime.datetime]:
    """The free times offered instead of one just taken, on the helper's clock."""
    return [timezone.localtime(t, zone) for t in taken.nearest]


def _parse_start(value: str, horizon_days: int) -> datetime.datetime | None:
    """A start time from a form: an ISO time with its offset, between now and the horizon."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        start = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if start.tzinfo is None:
        return None
    now = timezone.now()
    horizon = datetime.timedelta(days=horizon_days + 1)
    try:
        in_range = now - datetime.timedelta(days=1) <= start <= now + horizon
    except OverflowError:  # an offset that takes the time past year 1 or 9999
        return None
    return start if in_range else None


def _week_redirect(request: HttpRequest, monday: datetime.date) -> HttpResponse:
    return redirect(f"{request.path}?week={monday.isoformat()}")


def _anonymous_copy(request: HttpRequest) -> HttpRequest:
    """A request with the same path and language and nothing of the visitor's: no cookies,
    session, user, messages or query string."""
    clean = HttpRequest()
    clean.method = "GET"
    clean.path, clean.path_info = request.path, request.path_info
    clean.resolver_match = request.resolver_match
    clean.LANGUAGE_CODE = get_language()
    clean.user = AnonymousUser()
    return clean


def _shared_week_page(request: HttpRequest, source: WeekSource) -> str:
    """The whole week page for visitors without a session, to be kept for every visitor like
    her: rendered for an anonymous copy of the request, with a placeholder where each
    visitor's CSRF token goes."""
    context = _week_context(request, source)
    context.update({"error": None, "taken_nearest": [], "csrf_token": pagecache.CSRF_PLACEHOLDER})
    return render_to_string("support/booking/week.html", context, request=_anonymous_copy(request))


def _hold(request: HttpRequest, source: WeekSource, start: datetime.datetime, key: str) -> Booking:
    client = client_digest(request)
    if source.first_free:
        return booking_services.booking_hold_first_free(
            offers=source.offers, start=start, hold_key=key, client=client
        )
    return booking_services.booking_hold(
        offer=source.offer, start=start, hold_key=key, client=client
    )


def _week_page(request: HttpRequest, source: WeekSource) -> HttpResponse:
    """The week page of one offer or of "first available helper": free times, and a hold."""
    # Read before the free times: a change meanwhile makes the kept page look older, not newer.
    if request.method == "GET" and pagecache.page_keys(request, source.helper_ids):
        try:
            page = _shared_week_page(request, source)
        except WeekOutOfRange as out_of_range:
            return _week_redirect(request, out_of_range.monday)
        response = HttpResponse(pagecache.put_csrf_token(request, page))
        pagecache.set_shared_page(response, page)  # kept for the next visitor like her
        return response
    status = HTTPStatus.OK
    error = None
    nearest: list[datetime.datetime] = []
    if request.method == "POST":
        limited = ratelimit.refusal(request, ratelimit.HOLD)
        start = _parse_start(request.POST.get("start", ""), source.horizon_days)
        if limited:
            error = limited
            status = HTTPStatus.TOO_MANY_REQUESTS
        elif start is None:
            error = _("Kies een tijd uit de lijst.")
            status = HTTPStatus.BAD_REQUEST
        else:
            stored = request.session.get(SESSION_BOOKING) or {}
            key = stored.get("key") or secrets.token_urlsafe(24)
            try:
                booking = _hold(request, source, start, key)
            except booking_services.TooManyHolds:
                error = _(
                    "Je houdt al een paar tijden vast. Maak die eerst af, of wacht tien minuten."
                )
                status = HTTPStatus.TOO_MANY_REQUESTS
            except booking_services.SlotTaken as taken:
                error = taken.reason or _(
                    "Deze tijd is net bezet of niet meer te kiezen. Kies een andere tijd."
                )
                nearest = local_times(taken, source.zone)
                status = HTTPStatus.CONFLICT
            else:
                request.session[SESSION_BOOKING] = {
                    "pk": booking.pk,
                    "key": key,
                    "first_free": source.first_free,
                }
                return redirect("support:booking_intake", step=1)
    try:
        context = _week_context(request, source)
    except WeekOutOfRange as out_of_range:
        if request.method == "GET":
            return _week_redirect(request, out_of_range.monday)
        context = _week_context(request, source, monday=out_of_range.monday)
    context.update({"error": error, "taken_nearest": nearest})
    return render(request, "support/booking/week.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@reading_page(domains=WEEK_DOMAINS, params=("week",), per_minute=True, csrf=True, keyed=True)
def booking_week(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = get_object_or_404(selectors.bookable_offers(), pk=offer_id)
    return _week_page(request, WeekSource.of(offer))


@never_cache
@require_http_methods(["GET", "POST"])
@reading_page(domains=WEEK_DOMAINS, params=("week",), per_minute=True, csrf=True, keyed=True)
def booking_week_first_free(request: HttpRequest, type_slug: str) -> HttpResponse:
    """ "Eerst beschikbare hulpverlener": the free times of every helper who offers this
    conversation type, merged; a time held goes to one of them (the service decides)."""
    offers = selectors.first_free_offers(type_slug)
    if not offers:
        raise Http404
    return _week_page(request, WeekSource(tuple(offers), first_free=True))


@never_cache
@require_http_methods(["GET", "POST"])
def booking_reschedule(request: HttpRequest, token: str) -> HttpResponse:
    booking = links.booking_from_token(token)
    if booking is None:
        raise Http404
    offer = get_object_or_404(
        selectors.bookable_offers(),
        helper_id=booking.helper_id,
        conversation_type_id=booking.conversation_type_id,
    )
    error = None
    nearest: list[datetime.datetime] = []
    status = HTTPStatus.OK
    if request.method == "POST":
        start = _parse_start(request.POST.get("start", ""), offer.setting("horizon_days"))
        try:
            if start is None:
                raise booking_services.SlotTaken([])
            moved = booking_services.booking_reschedule(
                booking=booking, start=start, by_visitor=True
            )
        except booking_services.SlotTaken as taken:
            error = taken.reason or _(
                "Deze tijd is net bezet of niet meer te kiezen. Kies een andere tijd."
            )
            nearest = local_times(taken, offer.helper.zone)
            status = HTTPStatus.CONFLICT
        except booking_services.BookingRefused as refused:
            error = refused.message
            status = HTTPStatus.CONFLICT
        else:
            return redirect(links.booking_url(moved) + "?verzet=1")
    try:
        context = _week_context(request, WeekSource.of(offer), exclude=booking.pk)
    except WeekOutOfRange as out_of_range:
        return _week_redirect(request, out_of_range.monday)
    context.update(
        {"error": error, "taken_nearest": nearest, "rescheduling": booking, "token": token}
    )
    return render(request, "support/booking/week.html", context, status=status)
