"""The intake's four steps and the summary, for both partners: the visitor who books, and the
partner she invites (who fills in her own intake through a private link, claimed by the first
browser that starts it). One step view serves both; one partial lists the answers.
"""

import datetime
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from portal import ratelimit
from support import links
from support.booking import modes
from support.booking import partner as partner_services
from support.booking import services as booking_services
from support.booking.views import (
    SESSION_BOOKING,
    current_booking,
    first_free_assigned,
    individual_offer,
)
from support.booking.week import local_times
from support.forms import INTAKE_STEPS, MODE_HINTS, ModeForm
from support.models import Booking, IntakeAnswers, PartnerIntake, SessionMode

SESSION_PARTNER = "partner-claims"


def initial_answers(form_class: type[forms.Form], answers: IntakeAnswers) -> dict[str, object]:
    """One step's form filled with what is stored (the consent box: whether it was given)."""
    initial: dict[str, object] = {}
    for name in form_class.base_fields:
        if name == "consent":
            initial[name] = answers.consent_at is not None
        else:
            initial[name] = getattr(answers, name)
    return initial


def intake_complete(answers: IntakeAnswers) -> bool:
    return all(
        form_class(initial_answers(form_class, answers)).is_valid() for form_class in INTAKE_STEPS
    )


@dataclass(frozen=True)
class IntakeJourney:
    """One person's way through the four steps: the visitor's own, or her partner's."""

    booking: Booking
    answers: IntakeAnswers  # where the answers are stored: the booking, or the partner's intake
    save: Callable[[dict[str, object]], None]  # stores one step's answers (a service)
    step_url: Callable[[int], str]
    summary_url: str
    before_first_step_url: str | None = None
    # The helper was assigned ("Eerst beschikbare hulpverlener"): the first step says who.
    first_free: bool = False
    # Adjusts a step's form before it is validated (the visitor's phone, for a phone call).
    prepare: Callable[[int, forms.Form], None] | None = None


def intake_step(request: HttpRequest, journey: IntakeJourney, step: int) -> HttpResponse:
    """One step of the intake: the form with what is stored, saved on POST, then onwards."""
    if not 1 <= step <= len(INTAKE_STEPS):
        raise Http404
    form_class = INTAKE_STEPS[step - 1]
    status = HTTPStatus.OK
    if request.method == "POST":
        form = form_class(request.POST)
        if journey.prepare:
            journey.prepare(step, form)
        if form.is_valid():
            try:
                journey.save(form.cleaned_data)
            except booking_services.BookingRefused as refused:
                form.add_error(None, refused.message)
            else:
                if step < len(INTAKE_STEPS):
                    return redirect(journey.step_url(step + 1))
                return redirect(journey.summary_url)
        status = HTTPStatus.BAD_REQUEST
    else:
        form = form_class(initial=initial_answers(form_class, journey.answers))
        if journey.prepare:
            journey.prepare(step, form)
    if "wants_longer" in form.fields and not journey.booking.conversation_type.extended_minutes:
        del form.fields["wants_longer"]
    return render(
        request,
        "support/booking/intake.html",
        {
            "booking": journey.booking,
            "answers": journey.answers,
            "form": form,
            "step": step,
            "steps": len(INTAKE_STEPS),
            "previous_url": journey.step_url(step - 1) if step > 1 else None,
            "choose_url": journey.before_first_step_url,
            "first_free": journey.first_free,
        },
        status=status,
    )


# -- the visitor ------------------------------------------------------------------------------


def _require_phone(step: int, form: forms.Form) -> None:
    """A phone call needs her number: asked on the first step, where her contact details are."""
    if "phone" in form.fields:
        form.fields["phone"].required = True
        form.fields["phone"].label = _("Telefoon (je hulpverlener belt je op dit nummer)")


def _other_time_url(request: HttpRequest, booking: Booking) -> str:
    """Where "choose another time" leads: back to the merged week for a helper who was
    assigned ("Eerst beschikbare hulpverlener"), else to the choice of conversation."""
    if first_free_assigned(request):
        return reverse(
            "support:booking_week_first_free", kwargs={"type_slug": booking.conversation_type.slug}
        )
    return reverse("support:booking_choose")


@never_cache
@require_http_methods(["GET", "POST"])
def booking_mode(request: HttpRequest) -> HttpResponse:
    """Where the helper offers more than one mode: the visitor chooses one."""
    booking = current_booking(request)
    if booking is None:
        return render(request, "support/booking/lost.html", status=HTTPStatus.NOT_FOUND)
    offer = modes.offer_of(booking)
    offered = modes.offered_modes(offer)
    if request.method == "GET" and offered == [booking.mode]:
        return redirect("support:booking_intake", step=1)  # one mode: nothing to choose
    status = HTTPStatus.OK
    error = None
    if request.method == "POST":
        form = ModeForm(request.POST, modes=offered)
        if form.is_valid():
            try:
                modes.booking_choose_mode(
                    booking=booking,
                    hold_key=request.session[SESSION_BOOKING]["key"],
                    offer=offer,
                    mode=form.cleaned_data["mode"],
                )
            except booking_services.BookingRefused as refused:
                error = refused.message
            else:
                return redirect("support:booking_intake", step=1)
        status = HTTPStatus.BAD_REQUEST
    else:
        form = ModeForm(initial={"mode": booking.mode or None}, modes=offered)
    hints = [(mode, SessionMode(mode).label, MODE_HINTS[SessionMode(mode)]) for mode in offered]
    return render(
        request,
        "support/booking/mode.html",
        {
            "booking": booking,
            "form": form,
            "error": error,
            "hints": hints,
            "address": modes.one_line(booking.helper.practice_address),
            "other_time_url": _other_time_url(request, booking),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def booking_intake(request: HttpRequest, step: int) -> HttpResponse:
    booking = current_booking(request)
    if booking is None:
        return render(request, "support/booking/lost.html", status=HTTPStatus.NOT_FOUND)
    if not booking.mode:
        # More than one mode is offered and she has not chosen yet.
        return redirect("support:booking_mode")
    hold_key = request.session[SESSION_BOOKING]["key"]
    first_free = first_free_assigned(request)
    several = step == 1 and len(modes.offered_modes(modes.offer_of(booking))) > 1
    journey = IntakeJourney(
        booking=booking,
        answers=booking,
        save=lambda answers: booking_services.booking_save_intake(
            booking=booking, hold_key=hold_key, answers=answers
        ),
        step_url=lambda number: reverse("support:booking_intake", kwargs={"step": number}),
        summary_url=reverse("support:booking_summary"),
        before_first_step_url=(
            reverse("support:booking_mode") if several else _other_time_url(request, booking)
        ),
        first_free=first_free,
        prepare=_require_phone if booking.mode == SessionMode.PHONE else None,
    )
    return intake_step(request, journey, step)


@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def booking_summary(request: HttpRequest) -> HttpResponse:
    # Every submit counts against the client's limit, whether or not it holds a booking.
    limited = ratelimit.refusal(request, ratelimit.SUBMIT) if request.method == "POST" else None
    booking = current_booking(request)
    if booking is None:
        return render(request, "support/booking/lost.html", status=HTTPStatus.NOT_FOUND)
    status = HTTPStatus.OK
    error = None
    nearest: list[datetime.datetime] = []
    key = request.session[SESSION_BOOKING]["key"]
    if limited:
        error = limited
        status = HTTPStatus.TOO_MANY_REQUESTS
    elif request.method == "POST":
        try:
            submitted = booking_services.booking_submit(booking=booking, hold_key=key)
        except booking_services.SlotTaken as taken:
            error = taken.reason or _(
                "Het spijt ons: je tijd is intussen door iemand anders gekozen."
            )
            nearest = local_times(taken, booking.helper.zone)
            status = HTTPStatus.CONFLICT
        except booking_services.BookingRefused as refused:
            error = refused.message
            status = HTTPStatus.BAD_REQUEST
        else:
            del request.session[SESSION_BOOKING]
            return redirect(links.booking_url(submitted) + "?nieuw=1")
    offer = modes.offer_of(booking)
    mode_problem = modes.mode_refusal(booking, offer)
    complete = intake_complete(booking) and not mode_problem
    individual = individual_offer(booking)
    return render(
        request,
        "support/booking/summary.html",
        {
            "booking": booking,
            "complete": complete,
            "mode_problem": mode_problem,
            "several_modes": len(modes.offered_modes(offer)) > 1,
            "place": modes.booking_place(booking, offer),
            "error": error,
            "taken_nearest": nearest,
            "individual_offer": individual
            if booking.conversation_type.both_partners and booking.safety_flag
            else None,
        },
        status=status,
    )


# -- the partner ------------------------------------------------------------------------------


def _partner_context(booking: Booking) -> dict[str, object]:
    """The partner sees where and how, and a video link under the same rule as the booker."""
    return {"booking": booking, "place": modes.booking_place(booking, modes.offer_of(booking))}


def _partner(token: str) -> PartnerIntake:
    intake = links.partner_from_token(token)
    if intake is None:
        raise Http404
    return intake


def _claim_key(request: HttpRequest, intake: PartnerIntake) -> str:
    return (request.session.get(SESSION_PARTNER) or {}).get(str(intake.pk), "")


def _partner_refusal(request: HttpRequest, intake: PartnerIntake) -> HttpResponse | None:
    """Submitted, or being filled in elsewhere: a page without any answers."""
    if intake.submitted_at is not None:
        return render(request, "support/partner/done.html", _partner_context(intake.booking))
    key = _claim_key(request, intake)
    if not key or key != intake.claim_key:
        return render(
            request,
            "support/partner/elsewhere.html",
            {"booking": intake.booking},
            status=HTTPStatus.CONFLICT,
        )
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def partner_start(request: HttpRequest, token: str) -> HttpResponse:
    intake = _partner(token)
    if intake.submitted_at is not None:
        return render(request, "support/partner/done.html", _partner_context(intake.booking))
    if request.method == "POST":
        key = _claim_key(request, intake) or secrets.token_urlsafe(24)
        if partner_services.partner_claim(intake=intake, claim_key=key):
            claims = request.session.get(SESSION_PARTNER) or {}
            claims[str(intake.pk)] = key
            request.session[SESSION_PARTNER] = claims
            return redirect("support:partner_intake", token=token, step=1)
        return render(
            request,
            "support/partner/elsewhere.html",
            {"booking": intake.booking},
            status=HTTPStatus.CONFLICT,
        )
    return render(
        request, "support/partner/start.html", {**_partner_context(intake.booking), "token": token}
    )


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def partner_intake(request: HttpRequest, token: str, step: int) -> HttpResponse:
    intake = _partner(token)
    if (refusal := _partner_refusal(request, intake)) is not None:
        return refusal
    claim_key = _claim_key(request, intake)
    journey = IntakeJourney(
        booking=intake.booking,
        answers=intake,
        save=lambda answers: partner_services.partner_save_intake(
            intake=intake, claim_key=claim_key, answers=answers
        ),
        step_url=lambda number: reverse(
            "support:partner_intake", kwargs={"token": token, "step": number}
        ),
        summary_url=reverse("support:partner_summary", kwargs={"token": token}),
    )
    return intake_step(request, journey, step)


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def partner_summary(request: HttpRequest, token: str) -> HttpResponse:
    intake = _partner(token)
    if (refusal := _partner_refusal(request, intake)) is not None:
        return refusal
    error = None
    if request.method == "POST":
        try:
            partner_services.partner_submit(intake=intake, claim_key=_claim_key(request, intake))
        except booking_services.BookingRefused as refused:
            error = refused.message
        else:
            return render(request, "support/partner/done.html", _partner_context(intake.booking))
    complete = intake_complete(intake)
    return render(
        request,
        "support/partner/summary.html",
        {
            **_partner_context(intake.booking),
            "intake": intake,
            "token": token,
            "complete": complete,
            "error": error,
        },
        status=HTTPStatus.BAD_REQUEST if error else HTTPStatus.OK,
    )
