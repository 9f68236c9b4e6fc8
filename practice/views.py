"""The helper's dashboard and the data-subject pages: thin views over support's services and
practice/selectors.py.

Access: a helper sees her own bookings and intakes only; another helper's booking is a 404.
Pages of people's data need a permission given by name (superusers are no exception), and
every view of an intake, every export and every erasure is written to the access log.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from practice.accounts import helper_of
from practice.forms import (
    BusyFeedForm,
    BusyFileForm,
    ConfirmForm,
    DeclineForm,
    ExceptionForm,
    LimitsForm,
    ProposeForm,
    RuleForm,
)
from practice.models import AccessAction
from practice.selectors import open_bookings, own_booking, week_bookings
from practice.services import access_log
from support.booking import busyfeeds, helper_actions, limits, modes, selectors
from support.booking import services as booking_services
from support.models import (
    Booking,
    BookingStatus,
    Helper,
    Offer,
    PartnerIntake,
    SessionMode,
)

PREVIEW_DAYS = 14


def helper_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only for a logged-in helper; she is passed to the view. Pages are never cached."""

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
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
    requests, upcoming = open_bookings(helper, timezone.now())
    return render(
        request,
        "practice/dashboard.html",
        {
            "helper": helper,
            "requests": requests,
            "upcoming": upcoming,
            "days": days,
            "monday": monday,
            "previous_week": monday - datetime.timedelta(days=7),
            "next_week": monday + datetime.timedelta(days=7),
            "this_week": _monday(today),
            "failing_feeds": list(helper.busy_feeds.failing()),
        },
    )


def _free_choices(booking: Booking) -> list[tuple[str, str]]:
    """Free times for another proposal, on the helper's clock, over the next weeks."""
    offer = selectors.offer_for(booking)
    zone = offer.helper.zone
    first_day = timezone.localdate(timezone=zone)
    times = selectors.free_times(
        offer=offer,
        first_day=first_day,
        last_day=first_day + datetime.timedelta(days=PREVIEW_DAYS * 2),
        minutes=booking.duration_minutes,
        exclude=booking.pk,
    )
    return [
        (local.isoformat(), date_format(local, "l j F, H:i"))
        for local in (timezone.localtime(t, zone) for t in times[:80])
    ]


def _booking_page(
    request: HttpRequest,
    booking: Booking,
    *,
    error: str | None = None,
    decline_form: DeclineForm | None = None,
    propose_form: ProposeForm | None = None,
    confirm_form: ConfirmForm | None = None,
    status: int = HTTPStatus.OK,
) -> HttpResponse:
    now = timezone.now()
    is_request = booking.status == BookingStatus.REQUESTED
    extended = booking.conversation_type.extended_minutes
    context = {
        "booking": booking,
        "error": error,
        "is_request": is_request,
        "can_cancel": booking.is_open,
        "can_extend": extended is not None
        and extended > 0
        and booking.is_open
        and booking.duration_minutes < extended,
        "extended_minutes": extended,
        "can_record_outcome": booking.status == BookingStatus.CONFIRMED
        and booking.starts_at <= now,
        "decline_form": decline_form or DeclineForm(),
        "confirm_form": confirm_form or ConfirmForm(),
        "is_video": booking.mode == SessionMode.VIDEO,
        "can_change_link": modes.video_link_changeable(booking, now),
        "video_link": modes.video_link_for(booking),
        "propose_form": propose_form
        or (ProposeForm(times=_free_choices(booking)) if is_request else None),
    }
    return render(request, "practice/booking_detail.html", context, status=status)


@require_GET
@helper_required
def booking_detail(request: HttpRequest, helper: Helper, pk: int) -> HttpResponse:
    return _booking_page(request, own_booking(helper, pk))


ACTIONS = {
    "bevestigen": gettext_lazy("bevestigd"),
    "videolink": gettext_lazy("bijgewerkt: de aanvrager krijgt de nieuwe link per e-mail"),
    "afwijzen": gettext_lazy("afgewezen"),
    "voorstellen": gettext_lazy("verzet naar de voorgestelde tijd"),
    "verlengen": gettext_lazy("verlengd"),
    "annuleren": gettext_lazy("geannuleerd"),
    "afgerond": gettext_lazy("afgerond"),
    "niet-gekomen": gettext_lazy("gemarkeerd als niet gekomen"),
}


@require_POST
@helper_required
def booking_action(request: HttpRequest, helper: Helper, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    booking = own_booking(helper, pk)
    decline_form = propose_form = confirm_form = None
    try:
        if action in ("bevestigen", "videolink"):
            # Confirming and changing the link take the same field: a video session's link.
            confirm_form = ConfirmForm(request.POST)
            if not confirm_form.is_valid():
                return _booking_page(
                    request,
                    booking,
                    error=str(confirm_form.errors["video_link"][0]),
                    confirm_form=confirm_form,
                    status=HTTPStatus.BAD_REQUEST,
                )
            give_link = (
                helper_actions.booking_confirm
                if action == "bevestigen"
                else helper_actions.booking_set_video_link
            )
            give_link(booking=booking, video_link=confirm_form.cleaned_data["video_link"])
        elif action == "afwijzen":
            decline_form = DeclineForm(request.POST)
            if not decline_form.is_valid():
                return _booking_page(
                    request, booking, decline_form=decline_form, status=HTTPStatus.BAD_REQUEST
                )
            helper_actions.booking_decline(
                booking=booking, message=decline_form.cleaned_data["message"]
            )
        elif action == "voorstellen":
            propose_form = ProposeForm(request.POST, times=_free_choices(booking))
            if not propose_form.is_valid():
                return _booking_page(
                    request, booking, propose_form=propose_form, status=HTTPStatus.BAD_REQUEST
                )
            helper_actions.booking_propose(
                booking=booking,
                start=datetime.datetime.fromisoformat(propose_form.cleaned_data["start"]),
                message=propose_form.cleaned_data["message"],
            )
        elif action == "verlengen":
            helper_actions.booking_extend(booking=booking)
        elif action == "annuleren":
            booking_services.booking_cancel(booking=booking, by_visitor=False)
        else:
            outcome = BookingStatus.COMPLETED if action == "afgerond" else BookingStatus.NO_SHOW
            helper_actions.booking_record_outcome(booking=booking, outcome=outcome)
    except booking_services.BookingRefused as refused:
        error = refused.message
    except booking_services.SlotTaken as taken:
        error = taken.reason or _("Deze tijd is net niet meer vrij. Kies een andere tijd.")
    else:
        messages.success(request, _("De afspraak is %(done)s.") % {"done": ACTIONS[action]})
        return redirect("practice:booking", pk=booking.pk)
    return _booking_page(
        request,
        own_booking(helper, pk),
        error=error,
        decline_form=decline_form,
        propose_form=propose_form,
        confirm_form=confirm_form,
        status=HTTPStatus.CONFLICT,
    )


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


# -- availability -------------------------------------------------------------------------------


def _preview(helper: Helper) -> list[dict[str, object]]:
    """The free times her visitors will see in the coming two weeks, per conversation type."""
    zone = helper.zone
    first_day = timezone.localdate(timezone=zone)
    last_day = first_day + datetime.timedelta(days=PREVIEW_DAYS - 1)
    preview = []
    for offer in Offer.objects.filter(helper=helper).select_related("helper", "conversation_type"):
        days: dict[datetime.date, list[str]] = {}
        for start in selectors.free_times(offer=offer, first_day=first_day, last_day=last_day):
            local = timezone.localtime(start, zone)
            days.setdefault(local.date(), []).append(local.strftime("%H:%M"))
        preview.append(
            {
                "offer": offer,
                "days": [(date_format(day, "l j F"), times) for day, times in days.items()],
            }
        )
    return preview


@require_http_methods(["GET", "POST"])
@helper_required
def availability(request: HttpRequest, helper: Helper) -> HttpResponse:
    rule_form = RuleForm(prefix="rule")
    exception_form = ExceptionForm(prefix="exception")
    limits_form = LimitsForm(
        prefix="limits",
        initial={"per_day": helper.max_sessions_per_day, "per_week": helper.max_sessions_per_week},
    )
    feed_form = BusyFeedForm(prefix="feed")
    file_form = BusyFileForm(prefix="upload")
    status = HTTPStatus.OK
    if request.method == "POST":
        what = request.POST.get("what")
        if what == "limits":
            limits_form = LimitsForm(request.POST, prefix="limits")
            if limits_form.is_valid():
                limits.helper_limits_set(helper=helper, **limits_form.cleaned_data)
                return _saved(request)
        elif what == "feed":
            feed_form = BusyFeedForm(request.POST, prefix="feed")
            if feed_form.is_valid():
                busyfeeds.busy_feed_add(helper=helper, url=feed_form.cleaned_data["url"])
                messages.success(
                    request,
                    _("Je agenda is toegevoegd. De bezette tijden tellen binnen 15 minuten mee."),
                )
                return redirect("practice:availability")
        elif what == "upload":
            file_form = BusyFileForm(request.POST, request.FILES, prefix="upload")
            if file_form.is_valid():
                try:
                    busyfeeds.busy_feed_upload(helper=helper, data=file_form.cleaned_data["data"])
                except busyfeeds.FeedError as error:
                    file_form.add_error("file", str(error))
                else:
                    return _saved(request)
        elif what == "remove-feed":
            try:
                feed_id = int(request.POST.get("id", ""))
            except ValueError:
                feed_id = 0
            busyfeeds.busy_feed_remove(helper=helper, feed_id=feed_id)
            return _saved(request)
        elif what == "rule":
            rule_form = RuleForm(request.POST, prefix="rule")
            if rule_form.is_valid():
                helper_actions.availability_rule_add(helper=helper, **rule_form.cleaned_data)
                return _saved(request)
        elif what == "exception":
            exception_form = ExceptionForm(request.POST, prefix="exception")
            if exception_form.is_valid():
                helper_actions.availability_exception_add(
                    helper=helper, **exception_form.cleaned_data
                )
                return _saved(request)
        elif what in ("remove-rule", "remove-exception"):
            try:
                item = int(request.POST.get("id", ""))
            except ValueError:
                item = 0
            if what == "remove-rule":
                helper_actions.availability_rule_remove(helper=helper, rule_id=item)
            else:
                helper_actions.availability_exception_remove(helper=helper, exception_id=item)
            return _saved(request)
        status = HTTPStatus.BAD_REQUEST
    today = timezone.localdate(timezone=helper.zone)
    return render(
        request,
        "practice/availability.html",
        {
            "helper": helper,
            "rules": helper.availability.all(),
            "exceptions": helper.exceptions.filter(date__gte=today),
            "rule_form": rule_form,
            "exception_form": exception_form,
            "limits_form": limits_form,
            "feeds": helper.busy_feeds.all(),
            "feed_form": feed_form,
            "file_form": file_form,
            "preview": _preview(helper),
        },
        status=status,
    )


def _saved(request: HttpRequest) -> HttpResponse:
    messages.success(request, _("Je beschikbaarheid is opgeslagen."))
    return redirect("practice:availability")


# -- data-subject rights ------------------------------------------------------------------------
