"""The helper's dashboard and her intakes: thin views over practice/selectors.py. Her booking
pages are in booking_views.py, her availability in availability_views.py, both writing through
support/booking/helper/.

Access: a helper sees her own bookings and intakes only; another helper's booking is a 404.
Pages of people's data need a permission given by name (superusers are no exception), and
every view of an intake, every export and every erasure is written to the access log.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from practice.accounts import helper_of
from practice.models import AccessAction
from practice.selectors import open_bookings, own_booking, week_bookings
from practice.services import access_log
from support.booking.helper import conflicts
from support.models import Booking, BookingStatus, Helper, PartnerIntake


def helper_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only for a logged-in helper; she is passed to the view. Pages are never cached."""

    @wraps(view)
    @never_cache
    @login_required
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        helper = helper_of(request.user)
        if helper is None:
            raise PermissionDenied
        return view(request, helper, *args, **kwargs)

    return wrapper


# How far back and ahead the week calendar goes: beyond any booking's horizon or retention.
DASHBOARD_RANGE = datetime.timedelta(days=5 * 366)


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@require_GET
@helper_required
def dashboard(request: HttpRequest, helper: Helper) -> HttpResponse:
    zone = helper.zone
    today = timezone.localdate(timezone=zone)
    monday = _monday(today)
    if (value := request.GET.get("week")) is not None:
        try:
            wanted = _monday(datetime.date.fromisoformat(value))
        except (ValueError, OverflowError):
            wanted = None
        if wanted is None or abs(wanted - monday) > DASHBOARD_RANGE:
            # Not a date, or a week nobody can have sessions in: back to this week.
            return redirect("practice:dashboard")
        monday = wanted
    week_start = datetime.datetime.combine(monday, datetime.time(), tzinfo=zone)
    week_end = week_start + datetime.timedelta(days=7)
    in_week = week_bookings(helper, week_start, week_end)
    days = []
    for offset in range(7):
        day = monday + datetime.timedelta(days=offset)
        days.append(
            {
                "date": day,
                "label": date_format(day, "l j F"),
                "is_today": day == today,
                "bookings": [
                    b for b in in_week if timezone.localtime(b.starts_at, zone).date() == day
                ],
            }
        )
    now = timezone.now()
    requests, upcoming = open_bookings(helper, now)
    marked = conflicts.marked(helper, [*requests, *upcoming])
    return render(
        request,
        "practice/dashboard.html",
        {
            "helper": helper,
            "requests": by_urgency(requests, marked, today, zone, now),
            "upcoming": by_urgency(upcoming, marked, today, zone, now),
            "days": days,
            "monday": monday,
            "previous_week": monday - datetime.timedelta(days=7),
            "next_week": monday + datetime.timedelta(days=7),
            "this_week": _monday(today),
            "failing_feeds": list(helper.busy_feeds.failing()),
        },
    )


def by_urgency(
    bookings: list[Booking],
    marked: set[int],
    today: datetime.date,
    zone: datetime.tzinfo,
    now: datetime.datetime,
) -> list[dict[str, object]]:
    """Each booking with what makes it urgent (a conflict with her hours, today or tomorrow,
    moved, how long a request has waited), the most urgent first: conflicts, then today and
    tomorrow, then the longest waiting, then the soonest."""
    rows = []
    for booking in bookings:
        day = timezone.localtime(booking.starts_at, zone).date()
        soon = {today: _("vandaag"), today + datetime.timedelta(days=1): _("morgen")}.get(day)
        waited = booking.requested_at if booking.status == BookingStatus.REQUESTED else None
        rows.append(
            {
                "booking": booking,
                "conflict": booking.pk in marked,
                "soon": soon,
                "moved": booking.token_version > 1,
                "waited": timesince(waited, now, depth=1) if waited else "",
                "key": (
                    booking.pk not in marked,
                    soon is None,
                    waited or now,
                    booking.starts_at,
                ),
            }
        )
    return sorted(rows, key=lambda row: row["key"])  # type: ignore[arg-type,return-value]


@require_GET
@helper_required
def booking_intake(request: HttpRequest, helper: Helper, pk: int) -> HttpResponse:
    booking = own_booking(helper, pk)
    access_log(request=request, action=AccessAction.VIEW_INTAKE, record=f"booking {booking.pk}")
    return render(
        request,
        "practice/intake.html",
        {"booking": booking, "answers": booking, "is_partner": False},
    )


@require_GET
@helper_required
def partner_intake(request: HttpRequest, helper: Helper, pk: int) -> HttpResponse:
    booking = own_booking(helper, pk)
    intake = get_object_or_404(PartnerIntake, booking=booking, submitted_at__isnull=False)
    access_log(
        request=request,
        action=AccessAction.VIEW_PARTNER_INTAKE,
        record=f"booking {booking.pk} partner",
    )
    return render(
        request,
        "practice/intake.html",
        {"booking": booking, "answers": intake, "is_partner": True},
    )


@require_GET
@helper_required
def intakes(request: HttpRequest, helper: Helper, pk: int) -> HttpResponse:
    """Both partners' intakes side by side (on a phone one under the other); each is logged as
    read, as when opened alone."""
    booking = own_booking(helper, pk)
    partner = PartnerIntake.objects.filter(booking=booking, submitted_at__isnull=False).first()
    if partner is None:
        return redirect("practice:intake", pk=booking.pk)
    access_log(request=request, action=AccessAction.VIEW_INTAKE, record=f"booking {booking.pk}")
    access_log(
        request=request,
        action=AccessAction.VIEW_PARTNER_INTAKE,
        record=f"booking {booking.pk} partner",
    )
    return render(
        request,
        "practice/intakes.html",
        {"booking": booking, "answers": booking, "partner_answers": partner},
    )
