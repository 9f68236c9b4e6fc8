"""The week page: free times to choose from, for one helper's offer or ("Eerst beschikbare
hulpverlener") every helper of one conversation type; holding a time; moving a booking.

For a visitor without a session the whole page is the same for everyone: each app server keeps
it (portal/pagecache.py) under the versions of its helpers' free times, with her own CSRF token
put in.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import TypedDict
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
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
from support.booking import journey, selectors
from support.booking import services as booking_services
from support.booking.errors import BookingError, NoSuchTime, WeekOutOfRange
from support.booking.limits import monday_of
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


def _week_start(
    request: HttpRequest, source: WeekSource, rendered: dict[datetime.date, Rendered] | None = None
) -> datetime.date:
    """The Monday of the week asked for, bounded to this week … the booking horizon.

    Only a valid Monday in that range is ever used (for the page and its cache key); anything
    else raises WeekOutOfRange with the nearest valid week.
    """
    today = timezone.localdate(timezone=source.zone)
    first = monday_of(today)
    last = monday_of(today + datetime.timedelta(days=source.horizon_days))
    value = request.GET.get("week")
    if value is None:
        return _first_week_with_times(source, first, rendered)
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


def _first_week_with_times(
    source: WeekSource, first: datetime.date, rendered: dict[datetime.date, Rendered] | None
) -> datetime.date:
    """No week asked for: the page opens on the first week with a free time (within the
    search for the nearest one), else on this week."""
    sunday = first + datetime.timedelta(days=6)
    has_times, _days_html, nearest = result = _render_week(source, first, sunday, None)
    if rendered is not None:  # the page shows this week: its free times are not read twice
        rendered[first] = result
    return monday_of(nearest.date()) if not has_times and nearest else first


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
    rendered: dict[datetime.date, Rendered] = {}
    if monday is None:
        monday = _week_start(request, source, rendered)
    sunday = monday + datetime.timedelta(days=6)
    today = timezone.localdate(timezone=zone)
    last = monday_of(today + datetime.timedelta(days=source.horizon_days))
    if exclude is None and monday in rendered:
        has_times, days_html, nearest = rendered[monday]
    else:
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


# A week as shown: whether it has free times, its days' HTML, and the nearest free time after it.
type Rendered = tuple[bool, str, datetime.datetime | None]


def _render_week(
    source: WeekSource, monday: datetime.date, sunday: datetime.date, exclude: int | None
) -> Rendered:
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


# The furthest any clock on earth is from UTC (Kiribati, +14:00); Python reads up to ±23:59.
MAX_UTC_OFFSET = datetime.timedelta(hours=14)


def parse_start(value: str, horizon_days: int) -> datetime.datetime:
    """A start time from a form: an ISO time with its offset, between now and the horizon;
    NoSuchTime for anything else."""
    if not isinstance(value, str) or len(value) > 40:
        raise NoSuchTime
    try:
        start = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise NoSuchTime from None
    offset = start.utcoffset()
    if offset is None or abs(offset) > MAX_UTC_OFFSET:
        raise NoSuchTime  # no zone, or one no place on earth keeps (PostgreSQL cannot store it)
    now = timezone.now()
    horizon = datetime.timedelta(days=horizon_days + 1)
    try:
        start = start.astimezone(datetime.UTC)
        in_range = now - datetime.timedelta(days=1) <= start <= now + horizon
    except OverflowError:  # an offset that takes the time past year 1 or 9999
        raise NoSuchTime from None
    if not in_range:
        raise NoSuchTime
    return start


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


def _hold(request: HttpRequest, source: WeekSource) -> HttpResponse:
    """Hold the chosen time for her, then on to the intake."""
    journey.check_limit(request, ratelimit.HOLD)
    start = parse_start(request.POST.get("start", ""), source.horizon_days)
    key = journey.hold_key(request)
    client = client_digest(request)
    if source.first_free:
        booking = booking_services.booking_hold_first_free(
            offers=source.offers, start=start, hold_key=key, client=client
        )
    else:
        booking = booking_services.booking_hold(
            offer=source.offer, start=start, hold_key=key, client=client
        )
    journey.remember_hold(request, booking, first_free=source.first_free)
    return redirect("support:booking_intake", step=1)


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
    if request.method == "POST":
        return journey.respond(
            lambda: _hold(request, source), lambda error: _week_response(request, source, error)
        )
    return _week_response(request, source)


def _week_response(
    request: HttpRequest, source: WeekSource, error: BookingError | None = None
) -> HttpResponse:
    try:
        context = _week_context(request, source)
    except WeekOutOfRange as out_of_range:
        if request.method == "GET":
            return _week_redirect(request, out_of_range.monday)
        context = _week_context(request, source, monday=out_of_range.monday)
    context.update(journey.error_context(error, source.zone))
    return render(request, "support/booking/week.html", context)


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


def _reschedule_offer(booking: Booking) -> Offer:
    return get_object_or_404(
        selectors.bookable_offers(),
        helper_id=booking.helper_id,
        conversation_type_id=booking.conversation_type_id,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def booking_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return journey.respond(
        lambda: _booking_reschedule(request, journey.managed_booking(request, pk)),
        lambda error: journey.locked_page(request, pk, error),
    )


def _booking_reschedule(request: HttpRequest, booking: Booking) -> HttpResponse:
    """Another time for her booking, first step: the week of free times. Choosing one changes
    nothing yet; the next page asks her to confirm."""
    pk = booking.pk
    offer = _reschedule_offer(booking)

    def choose() -> HttpResponse:
        start = parse_start(request.POST.get("start", ""), offer.setting("horizon_days"))
        booking_services.check_visitor_may_move(booking)
        url = reverse("support:booking_reschedule_confirm", kwargs={"pk": pk})
        return redirect(f"{url}?{urlencode({'start': start.isoformat()})}")

    def page(error: BookingError | None = None) -> HttpResponse:
        try:
            context = _week_context(request, WeekSource.of(offer), exclude=booking.pk)
        except WeekOutOfRange as out_of_range:
            return _week_redirect(request, out_of_range.monday)
        context.update(journey.error_context(error, offer.helper.zone))
        context["rescheduling"] = booking
        return render(request, "support/booking/week.html", context)

    if request.method == "POST":
        return journey.respond(choose, page)
    return page()


@never_cache
@require_http_methods(["GET", "POST"])
def booking_reschedule_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return journey.respond(
        lambda: _booking_reschedule_confirm(request, journey.managed_booking(request, pk)),
        lambda error: journey.locked_page(request, pk, error),
    )


def _booking_reschedule_confirm(request: HttpRequest, booking: Booking) -> HttpResponse:
    """Second step: the old time struck through, the new one, and a button to confirm. Only
    the confirmation moves the booking; her helper and an invited partner are told."""
    pk = booking.pk
    offer = _reschedule_offer(booking)
    old_start, old_end = booking.starts_at, booking.ends_at
    zone = offer.helper.zone

    def move() -> HttpResponse:
        start = parse_start(request.POST.get("start", ""), offer.setting("horizon_days"))
        moved = booking_services.booking_reschedule(booking=booking, start=start, by_visitor=True)
        when = date_format(timezone.localtime(moved.starts_at, zone), "l j F, H:i")
        messages.success(request, _("Je afspraak is verzet naar %(when)s.") % {"when": when})
        return redirect("support:booking_page", pk=pk)

    def page(error: BookingError | None = None) -> HttpResponse:
        try:
            start = parse_start(request.GET.get("start", ""), offer.setting("horizon_days"))
        except NoSuchTime:
            return redirect("support:booking_reschedule", pk=pk)
        context = {
            "booking": booking,
            "old_start": timezone.localtime(old_start, zone),
            "old_end": timezone.localtime(old_end, zone),
            "new_start": timezone.localtime(start, zone),
            "new_end": timezone.localtime(start + (old_end - old_start), zone),
            **journey.error_context(error, zone),
        }
        return render(request, "support/booking/reschedule_confirm.html", context)

    if request.method == "POST":
        return journey.respond(move, page)
    return page()
