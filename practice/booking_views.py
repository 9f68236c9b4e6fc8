"""One of the helper's bookings: its page, and one view per thing she can do with it (the URL
names it). Every write goes through support/booking/helper/."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from http import HTTPStatus

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from practice.forms import ConfirmForm, DeclineForm, ModeProposalForm, ProposeForm
from practice.selectors import own_booking
from practice.views import helper_required
from support.booking import helper as helper_side
from support.booking import modes, selectors
from support.booking.errors import BookingRefused
from support.booking.helper import conflicts
from support.booking.services import SlotTaken
from support.models import Booking, BookingStatus, Helper, SessionMode

PROPOSE_DAYS = 28


def _free_choices(booking: Booking) -> list[tuple[str, str]]:
    """Free times for another proposal, on the helper's clock, over the next weeks."""
    offer = selectors.offer_for(booking)
    zone = offer.helper.zone
    first_day = timezone.localdate(timezone=zone)
    times = selectors.free_times(
        offer=offer,
        first_day=first_day,
        last_day=first_day + datetime.timedelta(days=PROPOSE_DAYS),
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
    bound: dict[str, forms.Form] | None = None,
    status: int = HTTPStatus.OK,
) -> HttpResponse:
    bound = bound or {}
    now = timezone.now()
    is_request = booking.status == BookingStatus.REQUESTED
    extended = booking.conversation_type.extended_minutes
    conflict = bool(conflicts.marked(booking.helper, [booking]))
    to_come = booking.is_open and booking.starts_at > now
    ways = helper_side.other_ways(booking) if to_come and not booking.proposed_mode else []
    context = {
        "booking": booking,
        "error": error,
        "is_request": is_request,
        "conflict": conflict,
        "can_cancel": booking.is_open,
        "can_extend": extended is not None
        and extended > 0
        and booking.is_open
        and booking.duration_minutes < extended,
        "extended_minutes": extended,
        "can_record_outcome": booking.status == BookingStatus.CONFIRMED
        and booking.starts_at <= now,
        "decline_form": bound.get("decline") or DeclineForm(),
        "confirm_form": bound.get("confirm") or ConfirmForm(),
        "is_video": booking.mode == SessionMode.VIDEO,
        "can_change_link": modes.video_link_changeable(booking, now),
        "video_link": modes.video_link_for(booking),
        "propose_form": bound.get("propose")
        or (ProposeForm(times=_free_choices(booking)) if is_request or conflict else None),
        "way_form": bound.get("way") or (ModeProposalForm(modes=ways) if ways else None),
    }
    return render(request, "practice/booking_detail.html", context, status=status)


@require_GET
@helper_required
def booking_detail(request: HttpRequest, helper: Helper, pk: int) -> HttpResponse:
    return _booking_page(request, own_booking(helper, pk))


def _act(
    request: HttpRequest,
    helper: Helper,
    pk: int,
    write: Callable[[Booking], object],
    done: object,
    *,
    bound: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    """Do one thing with her booking; a refusal shows the page again with the reason."""
    booking = own_booking(helper, pk)
    try:
        write(booking)
    except BookingRefused as refused:
        error = refused.message
    except SlotTaken as taken:
        error = taken.reason or _("Deze tijd is net niet meer vrij. Kies een andere tijd.")
    else:
        messages.success(request, str(done))
        return redirect("practice:booking", pk=booking.pk)
    return _booking_page(
        request, own_booking(helper, pk), error=error, bound=bound, status=HTTPStatus.CONFLICT
    )


def _invalid(
    request: HttpRequest, helper: Helper, pk: int, name: str, form: forms.Form
) -> HttpResponse:
    errors = [str(e) for field in form.errors.values() for e in field]
    return _booking_page(
        request,
        own_booking(helper, pk),
        error=errors[0] if errors else None,
        bound={name: form},
        status=HTTPStatus.BAD_REQUEST,
    )


def _link_view(write: Callable[..., Booking], done: object) -> Callable[..., HttpResponse]:
    """Confirming and changing the link take the same form: a video session's link."""

    @require_POST
    @helper_required
    def view(request: HttpRequest, helper: Helper, pk: int) -> HttpResponse:
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            return _invalid(request, helper, pk, "confirm", form)
        data = form.cleaned_data
        return _act(
            request, helper, pk, lambda b: write(booking=b, **data), done, bound={"confirm": form}
        )

    return view


def _set_link(*, booking: Booking, video_link: str, outside_hours_ok: bool) -> Booking:
    return helper_side.booking_set_video_link(booking=booking, video_link=video_link)


booking_confirm = _link_view(helper_side.booking_confirm, gettext_lazy("De afspraak is bevestigd."))
booking_video_link = _link_view(
    _set_link,
    gettext_lazy("De videolink is bijgewerkt: de aanvrager krijgt de nieuwe link per e-mail."),
)


@require_POST
@helper_required
def booking_decline(request: HttpRequest, helper: Helper, pk: int) -> HttpResponse:
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _invalid(request, helper, pk, "decline", form)
    message = form.cleaned_data["message"]
    return _act(
        request,
        helper,
        pk,
        lambda b: helper_side.booking_decline(booking=b, message=message),
        _("De aanvraag is afgewezen."),
        bound={"decline": form},
    )


@require_POST
@helper_required
def booking_propose(request: HttpRequest, helper: Helper, pk: int) -> HttpResponse:
    form = ProposeForm(request.POST, times=_free_choices(own_booking(helper, pk)))
    if not form.is_valid():
        return _invalid(request, helper, pk, "propose", form)
    start = datetime.datetime.fromisoformat(form.cleaned_data["start"])
    message = form.cleaned_data["message"]
    return _act(
        request,
        helper,
        pk,
        lambda b: helper_side.booking_propose(booking=b, start=start, message=message),
        _("De afspraak is verzet naar de voorgestelde tijd."),
        bound={"propose": form},
    )


@require_POST
@helper_required
def booking_propose_way(request: HttpRequest, helper: Helper, pk: int) -> HttpResponse:
    booking = own_booking(helper, pk)
    form = ModeProposalForm(request.POST, modes=helper_side.other_ways(booking))
    if not form.is_valid():
        return _invalid(request, helper, pk, "way", form)
    data = form.cleaned_data
    return _act(
        request,
        helper,
        pk,
        lambda b: helper_side.booking_propose_way(
            booking=b, mode=data["mode"], message=data["message"]
        ),
        _("Je voorstel is verstuurd. Tot de aanvrager akkoord gaat, verandert er niets."),
        bound={"way": form},
    )


def _simple(write: Callable[[Booking], object], done: object) -> Callable[..., HttpResponse]:
    @require_POST
    @helper_required
    def view(request: HttpRequest, helper: Helper, pk: int) -> HttpResponse:
        return _act(request, helper, pk, write, done)

    return view


booking_extend = _simple(
    lambda b: helper_side.booking_extend(booking=b), gettext_lazy("De afspraak is verlengd.")
)
booking_cancel = _simple(
    lambda b: helper_side.booking_call_off(booking=b), gettext_lazy("De afspraak is afgezegd.")
)
booking_keep = _simple(
    lambda b: helper_side.booking_keep_outside_hours(booking=b),
    gettext_lazy("De afspraak blijft staan, ook al valt hij buiten je tijden."),
)
booking_completed = _simple(
    lambda b: helper_side.booking_record_outcome(booking=b, outcome=BookingStatus.COMPLETED),
    gettext_lazy("De afspraak is afgerond."),
)
booking_no_show = _simple(
    lambda b: helper_side.booking_record_outcome(booking=b, outcome=BookingStatus.NO_SHOW),
    gettext_lazy("De afspraak is gemarkeerd als niet gekomen."),
)
