"""The intake's four steps and the summary, for both partners: the visitor who books, and the
partner she invites (who fills in her own intake through a private link, claimed by the first
browser that starts it). One step view serves both; one partial lists the answers.
"""

import contextlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from portal import ratelimit
from support import links
from support.booking import journey, modes, selectors
from support.booking import partner as partner_services
from support.booking import services as booking_services
from support.booking.errors import BookingError, TooManyTries
from support.forms import INTAKE_STEPS, MODE_HINTS, PARTNER_INTAKE_STEPS, ModeForm
from support.models import Booking, IntakeAnswers, PartnerIntake, SessionMode


def initial_answers(form_class: type[forms.Form], answers: IntakeAnswers) -> dict[str, object]:
    """One step's form filled with what is stored (the consent box: whether it was given)."""
    initial: dict[str, object] = {}
    for name in form_class.base_fields:
        if name == "consent":
            initial[name] = answers.consent_at is not None
        else:
            initial[name] = getattr(answers, name)
    return initial


def intake_complete(
    answers: IntakeAnswers, steps: Sequence[type[forms.Form]] = INTAKE_STEPS
) -> bool:
    return all(form_class(initial_answers(form_class, answers)).is_valid() for form_class in steps)


# On a step reached by a "Wijzig" link of the check page, saving leads back to that page.
BACK_TO_CHECK = "terug"


def change_urls(step_url: Callable[[int], str], steps: int) -> list[str]:
    """The check page's "Wijzig" links: each step, and back to the check page after it."""
    return [f"{step_url(number)}?{BACK_TO_CHECK}=1" for number in range(1, steps + 1)]


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
    # The questions of each step: the invited partner is asked in her own words.
    steps: tuple[type[forms.Form], ...] = tuple(INTAKE_STEPS)


def intake_step(request: HttpRequest, journey: IntakeJourney, step: int) -> HttpResponse:
    """One step of the intake: the form with what is stored, saved on POST, then onwards (or
    back to the check page, when she came from its "Wijzig" link)."""
    if not 1 <= step <= len(journey.steps):
        raise Http404
    form_class = journey.steps[step - 1]
    back_to_check = request.GET.get(BACK_TO_CHECK) == "1"
    status = HTTPStatus.OK
    if request.method == "POST":
        form = form_class(request.POST)
        if journey.prepare:
            journey.prepare(step, form)
        if form.is_valid():
            try:
                journey.save(form.cleaned_data)
            except BookingError as refused:
                # Said in the form's own error summary, with everything she typed kept.
                form.add_error(None, refused.message)
            else:
                if step < len(journey.steps) and not back_to_check:
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
            "steps": len(journey.steps),
            "previous_url": journey.step_url(step - 1) if step > 1 else None,
            "choose_url": journey.before_first_step_url,
            "first_free": journey.first_free,
            "check_url": journey.summary_url if back_to_check else None,
        },
        status=status,
    )


# -- the visitor ------------------------------------------------------------------------------


def _require_phone(step: int, form: forms.Form) -> None:
    """A phone call needs her number: asked on the first step, where her contact details are."""
    if "phone" in form.fields:
        form.fields["phone"].required = True
        form.fields["phone"].label = _("Telefoon (je hulpverlener belt je op dit nummer)")


def _other_time_url(hold: journey.Held, booking: Booking) -> str:
    """Where "choose another time" leads: back to the merged week for a helper who was
    assigned ("Eerst beschikbare hulpverlener"), else to the choice of conversation."""
    if hold.first_free:
        return reverse(
            "support:booking_week_first_free", kwargs={"type_slug": booking.conversation_type.slug}
        )
    return reverse("support:booking_choose")


@never_cache
@require_http_methods(["GET", "POST"])
def booking_mode(request: HttpRequest) -> HttpResponse:
    """Where the helper offers more than one mode: the visitor chooses one."""
    hold, booking = journey.held_booking(request)
    if hold is None or booking is None:
        return _lost(request)
    offer = modes.offer_of(booking)
    offered = offer.offered_modes
    if request.method == "GET" and offered == [booking.mode]:
        return redirect("support:booking_intake", step=1)  # one mode: nothing to choose
    if request.method == "POST":
        form = ModeForm(request.POST, modes=offered)
    else:
        form = ModeForm(initial={"mode": booking.mode or None}, modes=offered)

    def page(error: BookingError | None = None) -> HttpResponse:
        hints = [(m, SessionMode(m).label, MODE_HINTS[SessionMode(m)]) for m in offered]
        context = {
            "booking": booking,
            "form": form,
            "error": error,
            "hints": hints,
            "address": modes.one_line(booking.helper.practice_address),
            "other_time_url": _other_time_url(hold, booking),
        }
        status = HTTPStatus.BAD_REQUEST if form.errors else HTTPStatus.OK
        return render(request, "support/booking/mode.html", context, status=status)

    def choose() -> HttpResponse:
        if not form.is_valid():
            return page()
        modes.booking_choose_mode(
            booking=booking, hold_key=hold.key, offer=offer, mode=form.cleaned_data["mode"]
        )
        return redirect("support:booking_intake", step=1)

    if request.method == "POST":
        return journey.respond(choose, page)
    return page()


def _intake_url(step: int) -> str:
    return reverse("support:booking_intake", kwargs={"step": step})


def _lost(request: HttpRequest) -> HttpResponse:
    """Her hold is gone (or there never was one): a page that says how to begin again."""
    return render(request, "support/booking/lost.html", status=HTTPStatus.NOT_FOUND)


@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def booking_intake(request: HttpRequest, step: int) -> HttpResponse:
    hold, booking = journey.held_booking(request)
    if hold is None or booking is None:
        return _lost(request)
    if not booking.mode:
        # More than one mode is offered and she has not chosen yet.
        return redirect("support:booking_mode")
    several = step == 1 and len(modes.offer_of(booking).offered_modes) > 1
    way = IntakeJourney(
        booking=booking,
        answers=booking,
        save=lambda answers: booking_services.booking_save_intake(
            booking=booking, hold_key=hold.key, answers=answers
        ),
        step_url=_intake_url,
        summary_url=reverse("support:booking_summary"),
        before_first_step_url=(
            reverse("support:booking_mode") if several else _other_time_url(hold, booking)
        ),
        first_free=hold.first_free,
        prepare=_require_phone if booking.mode == SessionMode.PHONE else None,
    )
    return intake_step(request, way, step)


@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def booking_summary(request: HttpRequest) -> HttpResponse:
    # Every submit counts against the client's limit, whether or not it holds a booking.
    limited = ratelimit.refusal(request, ratelimit.SUBMIT) if request.method == "POST" else None
    hold, booking = journey.held_booking(request)
    if hold is None or booking is None:
        return _lost(request)

    def submit() -> HttpResponse:
        if limited:
            raise TooManyTries(limited)
        submitted = booking_services.booking_submit(booking=booking, hold_key=hold.key)
        journey.submitted(request, submitted)
        url = reverse("support:booking_page", kwargs={"pk": submitted.pk})
        return redirect(f"{url}?nieuw=1")

    def page(error: BookingError | None = None) -> HttpResponse:
        offer = modes.offer_of(booking)
        mode_problem = modes.mode_refusal(booking, offer)
        individual = selectors.individual_offer(booking)
        context = {
            "booking": booking,
            "change": change_urls(_intake_url, len(INTAKE_STEPS)),
            "complete": intake_complete(booking) and not mode_problem,
            "mode_problem": mode_problem,
            "several_modes": len(offer.offered_modes) > 1,
            "place": modes.booking_place(booking, offer),
            "individual_offer": individual
            if booking.conversation_type.both_partners and booking.safety_flag
            else None,
            **journey.error_context(error, booking.helper.zone),
        }
        return render(request, "support/booking/summary.html", context)

    if request.method == "POST":
        return journey.respond(submit, page)
    return page()


@never_cache
@require_POST
def booking_hold_extend(request: HttpRequest) -> HttpResponse:
    """Keep her time ten minutes longer, once, and back to the page she was on."""
    hold, booking = journey.held_booking(request)
    if hold is None or booking is None:
        return _lost(request)
    # Refused (lapsed, or already extended once): the page she returns to says how things are.
    with contextlib.suppress(BookingError):
        booking_services.booking_extend_hold(booking=booking, hold_key=hold.key)
    back = request.POST.get("next", "")
    if not (back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None)):
        back = reverse("support:booking_summary")
    return HttpResponseRedirect(back)


# -- the partner ------------------------------------------------------------------------------


def _partner_context(booking: Booking) -> dict[str, object]:
    """The partner sees where and how, and a video link under the same rule as the booker."""
    return {"booking": booking, "place": modes.booking_place(booking, modes.offer_of(booking))}


def _partner(token: str) -> PartnerIntake:
    intake = links.partner_from_token(token)
    if intake is None:
        raise Http404
    return intake


def _partner_done(request: HttpRequest, intake: PartnerIntake) -> HttpResponse:
    return render(request, "support/partner/done.html", _partner_context(intake.booking))


def _partner_elsewhere(request: HttpRequest, intake: PartnerIntake) -> HttpResponse:
    context = {"booking": intake.booking}
    return render(request, "support/partner/elsewhere.html", context, status=HTTPStatus.CONFLICT)


def _partner_refusal(request: HttpRequest, intake: PartnerIntake) -> HttpResponse | None:
    """Submitted, or being filled in elsewhere: a page without any answers."""
    if intake.submitted_at is not None:
        return _partner_done(request, intake)
    key = journey.partner_claim_key(request, intake)
    return _partner_elsewhere(request, intake) if not key or key != intake.claim_key else None


@never_cache
@require_http_methods(["GET", "POST"])
def partner_start(request: HttpRequest, token: str) -> HttpResponse:
    intake = _partner(token)
    if intake.submitted_at is not None:
        return _partner_done(request, intake)
    if request.method == "POST":
        key = journey.partner_claim_key(request, intake) or secrets.token_urlsafe(24)
        if partner_services.partner_claim(intake=intake, claim_key=key):
            journey.remember_partner_claim(request, intake, key)
            return redirect("support:partner_intake", token=token, step=1)
        return _partner_elsewhere(request, intake)
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
    claim_key = journey.partner_claim_key(request, intake)
    way = IntakeJourney(
        booking=intake.booking,
        answers=intake,
        save=lambda answers: partner_services.partner_save_intake(
            intake=intake, claim_key=claim_key, answers=answers
        ),
        step_url=_partner_step_url(token),
        summary_url=reverse("support:partner_summary", kwargs={"token": token}),
        steps=tuple(PARTNER_INTAKE_STEPS),
    )
    return intake_step(request, way, step)


def _partner_step_url(token: str) -> Callable[[int], str]:
    return lambda step: reverse("support:partner_intake", kwargs={"token": token, "step": step})


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def partner_summary(request: HttpRequest, token: str) -> HttpResponse:
    intake = _partner(token)
    if (refusal := _partner_refusal(request, intake)) is not None:
        return refusal

    def submit() -> HttpResponse:
        partner_services.partner_submit(
            intake=intake, claim_key=journey.partner_claim_key(request, intake)
        )
        return _partner_done(request, intake)

    def page(error: BookingError | None = None) -> HttpResponse:
        context = {
            **_partner_context(intake.booking),
            "intake": intake,
            "token": token,
            "change": change_urls(_partner_step_url(token), len(PARTNER_INTAKE_STEPS)),
            "complete": intake_complete(intake, PARTNER_INTAKE_STEPS),
            "error": error,
        }
        return render(request, "support/partner/summary.html", context)

    if request.method == "POST":
        return journey.respond(submit, page)
    return page()
