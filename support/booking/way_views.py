"""The visitor's answer to another way of meeting her helper proposed (support/booking/helper/
ways.py), on her private page: yes, and the booking takes it (with a new private link, as the
calendar file's version grows); no, and nothing changes."""

from __future__ import annotations

import contextlib

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from support import links
from support.booking import helper as helper_side
from support.booking.errors import BookingRefused


class WayAnswerForm(forms.Form):
    accept = forms.TypedChoiceField(choices=[("ja", "ja"), ("nee", "nee")], coerce="ja".__eq__)


@never_cache
@require_POST
def booking_way_answer(request: HttpRequest, token: str) -> HttpResponse:
    booking = links.booking_from_token(token)
    if booking is None:
        raise Http404
    form = WayAnswerForm(request.POST)
    # Answered already, or the booking is gone: her page shows how it stands.
    if form.is_valid():
        with contextlib.suppress(BookingRefused):
            booking = helper_side.booking_answer_way(
                booking=booking, accept=form.cleaned_data["accept"]
            )
    return redirect(links.booking_url(booking) + "?manier=1")
