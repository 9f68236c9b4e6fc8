"""The visitor's booking journey: choose a conversation and a free time, hold it, manage the
request through its private link. The intake's steps are in support/booking/intake.py.

Every page sends Cache-Control: no-store. Answers are stored on the visitor's own held booking,
never in the URL or the session; the session only remembers which booking is hers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from http import HTTPStatus

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import ratelimit
from support import links
from support.booking import journey, modes, selectors
from support.booking import partner as partner_services
from support.booking import services as booking_services
from support.booking.calendar import booking_ics
from support.booking.errors import BookingError, BookingRefused, NotYours
from support.forms import CodeForm, HelperMessageForm, PartnerInviteForm
from support.models import Booking, BookingStatus, PartnerIntake
from support.outbox import email_queue, seal


@never_cache
@require_GET
def booking_start(request: HttpRequest) -> HttpResponse:
    return render(request, "support/booking/start.html")


@never_cache
@require_GET
def booking_choose(request: HttpRequest) -> HttpResponse:
    """Every offer, and "first available helper" for each type several helpers offer. With
    `?hulpverlener=<slug>` (from her directory page): only that helper's offers."""
    offers = list(selectors.bookable_offers())
    merged = selectors.first_free_type_ids(offers)
    types = {
        o.conversation_type_id: o.conversation_type
        for o in offers
        if o.conversation_type_id in merged
    }
    first_free_types = sorted(types.values(), key=lambda t: (t.order, t.name))
    helper = None
    if slug := request.GET.get("hulpverlener"):
        offers = [offer for offer in offers if offer.helper.slug == slug]
        if not offers:
            raise Http404
        helper = offers[0].helper
        first_free_types = []
    return render(
        request,
        "support/booking/choose.html",
        {"offers": offers, "first_free_types": first_free_types, "helper": helper},
    )


@never_cache
@require_POST
def booking_switch_to_individual(request: HttpRequest) -> HttpResponse:
    hold, booking = journey.held_booking(request)
    offer = selectors.individual_offer(booking) if booking else None
    if hold is None or booking is None or offer is None:
        raise Http404
    # If the switch is not possible, the summary simply shows the booking as it still is.
    with contextlib.suppress(BookingError):
        booking_services.booking_switch_type(booking=booking, hold_key=hold.key, offer=offer)
    return redirect("support:booking_summary")


@never_cache
@require_GET
def booking_link(request: HttpRequest, token: str) -> HttpResponse:
    """The private link from her e-mails: exchanged for a mark in this browser's session and a
    URL without the token, so neither the address bar nor the history holds one that works."""
    booking = links.booking_from_token(token)
    if booking is None:
        if links.booking_link_replaced(token):
            return render(request, "support/booking/link_replaced.html", status=HTTPStatus.GONE)
        raise Http404
    journey.opened_link(request, booking)
    url = reverse("support:booking_page", kwargs={"pk": booking.pk})
    return redirect(f"{url}?nieuw=1" if request.GET.get("nieuw") == "1" else url)


@never_cache
@require_http_methods(["GET", "POST"])
def booking_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Her booking: where and when, and what she may still change (cancel, another time,
    invite her partner), or, inside the free-cancellation window, a message to her helper."""
    # A browser with only the link sees the page that asks for a code, and changes nothing.
    return journey.respond(
        lambda: _booking_page(request, journey.managed_booking(request, pk)),
        lambda error: journey.locked_page(request, pk, error if request.method == "POST" else None),
    )


def _booking_page(request: HttpRequest, booking: Booking) -> HttpResponse:
    def page(error: BookingError | None = None, **extra: object) -> HttpResponse:
        context = _manage_context(booking)
        context.update({"is_new": request.GET.get("nieuw") == "1", "error": error, **extra})
        return render(request, "support/booking/manage.html", context)

    if request.method == "POST" and "partner" in request.POST:
        return _invite_partner(request, booking, page)
    if request.method == "POST" and "text" in request.POST:
        return _message_helper(request, booking, page)
    if request.method == "POST":
        return journey.respond(lambda: _cancel(request, booking), page)
    return page()


@never_cache
@require_GET
def booking_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Zet in mijn agenda": her confirmed session as a calendar file, whenever she wants it, in
    the browser that may manage it. The address holds no token: on its own it grants nothing."""
    try:
        booking = journey.managed_booking(request, pk)
    except NotYours:
        raise Http404 from None
    if booking.status != BookingStatus.CONFIRMED:
        raise Http404
    response = HttpResponse(booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="afspraak.ics"'
    return response


def _cancel(request: HttpRequest, booking: Booking) -> HttpResponse:
    booking_services.booking_cancel(booking=booking, by_visitor=True)
    return render(request, "support/booking/cancelled.html", {"booking": booking})


def _manage_context(booking: Booking) -> dict[str, object]:
    # Where and how, for how long, the price and the cancellation rule (support/booking/modes.py).
    place = modes.booking_place(booking, modes.offer_of(booking))
    invitation = PartnerIntake.objects.filter(booking=booking).first()
    return {
        "booking": booking,
        "place": place,
        "can_change": not place.late,
        "calendar_url": reverse("support:booking_calendar", kwargs={"pk": booking.pk})
        if booking.status == BookingStatus.CONFIRMED
        else "",
        "partner_form": PartnerInviteForm(),
        "message_form": HelperMessageForm(),
        "partner_done": invitation is not None and invitation.submitted_at is not None,
        # Said at the top; sending again makes the first link stop working.
        "partner_invitation": invitation,
        "partner_invited_to": partner_services.masked_address(invitation.invite_email)
        if invitation
        else "",
    }


def _message_helper(
    request: HttpRequest, booking: Booking, page: Callable[..., HttpResponse]
) -> HttpResponse:
    """A short message to her helper: kept encrypted, the helper told without its content."""
    form = HelperMessageForm(request.POST)

    def send() -> HttpResponse:
        journey.check_limit(request, ratelimit.HELPER_MESSAGE, key=f"booking:{booking.pk}")
        if not form.is_valid():
            response = page(message_form=form)
            response.status_code = HTTPStatus.BAD_REQUEST
            return response
        booking_services.booking_message_helper(booking=booking, text=form.cleaned_data["text"])
        messages.success(request, _("Je bericht is verstuurd naar je hulpverlener."))
        return redirect("support:booking_page", pk=booking.pk)

    return journey.respond(send, lambda error: page(error, message_form=form))


def _invite_partner(
    request: HttpRequest, booking: Booking, page: Callable[..., HttpResponse]
) -> HttpResponse:
    """The booker invites her partner: by e-mail, or by a link she passes on herself."""
    form = PartnerInviteForm(request.POST)
    by_email = request.POST.get("partner") == "email"

    def invite() -> HttpResponse:
        journey.check_limit(request, ratelimit.PARTNER_INVITE, key=f"booking:{booking.pk}")
        if by_email and not (form.is_valid() and form.cleaned_data["email"]):
            if form.is_valid():
                form.add_error("email", _("Vul het e-mailadres van je partner in."))
            raise BookingRefused(_("Vul het e-mailadres van je partner in."))
        email = form.cleaned_data["email"] if by_email else ""
        note = form.cleaned_data["note"] if by_email else ""
        intake = partner_services.partner_invite(booking=booking, email=email, note=note)
        if by_email:
            return page(partner_invited=True)
        return page(partner_link=request.build_absolute_uri(links.partner_url(intake)))

    def refused(error: BookingError) -> HttpResponse:
        if form.errors:  # what to do is said at the field
            response = page(partner_form=form)
            response.status_code = HTTPStatus.BAD_REQUEST
            return response
        return page(error, partner_form=form)

    return journey.respond(invite, refused)


@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def booking_code(request: HttpRequest, pk: int) -> HttpResponse:
    """A browser with only the link proves the booking's address: a code is sent to it (the
    page never shows the address), and the right code makes the booking hers here."""
    with contextlib.suppress(NotYours):  # hers here already: her page
        return redirect("support:booking_page", pk=journey.managed_booking(request, pk).pk)
    booking = Booking.objects.get(pk=pk)  # managed_booking found it
    form = CodeForm(request.POST if "code" in request.POST else None)

    def page(error: BookingError | None = None) -> HttpResponse:
        context = {
            "pk": pk,
            "form": form,
            "error": error,
            "sent": journey.code_pending(request, booking),
        }
        status = HTTPStatus.BAD_REQUEST if form.errors else HTTPStatus.OK
        return render(request, "support/booking/manage_locked.html", context, status=status)

    def send() -> HttpResponse:
        journey.check_limit(request, ratelimit.BOOKING_CODE, key=f"booking:{pk}")
        code = journey.booking_code(request, booking)
        email_queue(kind="booking_code", booking=booking, sealed=seal(to=booking.email, code=code))
        return redirect("support:booking_code", pk=pk)

    def check() -> HttpResponse:
        journey.check_limit(request, ratelimit.BOOKING_CODE_CONFIRM, key=f"booking:{pk}")
        if form.is_valid():
            if journey.check_code(request, booking, form.cleaned_data["code"]):
                return redirect("support:booking_page", pk=pk)
            form.add_error("code", _("Deze code klopt niet. Kijk goed en probeer het opnieuw."))
        return page()

    if request.method == "POST":
        return journey.respond(check if "code" in request.POST else send, page)
    return page()
