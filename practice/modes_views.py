"""Where and how the helper holds her conversations: her modes, her practice's address with a
route and accessibility note, and her standing video link (support/booking/modes.py)."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from practice.forms import ModesForm
from practice.views import helper_required
from support.booking import helper as helper_side
from support.booking.errors import BookingRefused
from support.models import Helper
from support.models.booking import parse_modes


@sensitive_post_parameters("video_link")
@require_http_methods(["GET", "POST"])
@helper_required
def modes_page(request: HttpRequest, helper: Helper) -> HttpResponse:
    status = HTTPStatus.OK
    if request.method == "POST":
        form = ModesForm(request.POST)
        if form.is_valid():
            try:
                helper_side.helper_modes_set(helper=helper, **form.cleaned_data)
            except BookingRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Je gegevens zijn opgeslagen."))
                return redirect("practice:modes")
        status = HTTPStatus.BAD_REQUEST
    else:
        form = ModesForm(
            initial={
                "modes": parse_modes(helper.session_modes),
                "address": helper.practice_address,
                "route": helper.practice_route,
                "access": helper.practice_access,
                "video_link": helper.video_link,
                "language": helper.language,
                "client_phone": helper.client_phone,
                "client_email": helper.client_email,
            }
        )
    offers = helper.offers.select_related("conversation_type", "helper")
    return render(request, "practice/modes.html", {"form": form, "offers": offers}, status=status)
