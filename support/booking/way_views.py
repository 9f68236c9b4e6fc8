"""The visitor's answer to another way of meeting her helper proposed (support/booking/helper/
ways.py), on her private page: yes, and the booking takes it; no, and nothing changes."""

from __future__ import annotations

import contextlib

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from support.booking import helper as helper_side
from support.booking import journey
from support.booking.errors import BookingRefused
from support.models import Booking


class WayAnswerForm(forms.Form):
    accept = forms.TypedChoiceField(choices=[("ja", "ja"), ("nee", "nee")], coerce="ja".__eq__)


@never_cache
@require_POST
def booking_way_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Only from a browser that may manage the booking (support/booking/journey.py)."""
    return journey.respond(
        lambda: _answer(request, journey.managed_booking(request, pk)),
        lambda error: journey.locked_page(request, pk, error),
    )


def _answer(request: HttpRequest, booking: Booking) -> HttpResponse:
    form = WayAnswerForm(request.POST)
    # Answered already, or the proposal is gone: her page shows how it stands.
    if form.is_valid():
        with contextlib.suppress(BookingRefused):
            helper_side.booking_answer_way(booking=booking, accept=form.cleaned_data["accept"])
    return redirect(reverse("support:booking_page", kwargs={"pk": booking.pk}) + "?manier=1")
