"""The helper's own calendar: the private feed her calendar client subscribes to, and the page
where she sees, copies and renews its link (support/booking/subscription.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from practice.forms import FeedNamesForm
from practice.models import AccessAction
from practice.services import access_log
from practice.views import helper_required
from support.booking import helper as helper_side
from support.booking import subscription
from support.models import Helper


@never_cache
@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Her sessions as iCalendar, for a client that fetches without a login: the token is the
    key. Never kept by a shared cache (`never_cache` makes it private and no-store)."""
    helper = subscription.helper_for_calendar_token(token)
    if helper is None:
        raise Http404
    response = HttpResponse(
        subscription.helper_feed_ics(helper, subscription.feed_bookings(helper)),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="afspraken.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "POST"])
@helper_required
def calendar_link(request: HttpRequest, helper: Helper) -> HttpResponse:
    if request.method == "POST":
        renewed = bool(helper.calendar_token)
        helper_side.helper_calendar_token_renew(helper=helper)
        access_log(
            request=request,
            action=AccessAction.CALENDAR_LINK_RENEWED,
            record=f"helper {helper.pk}",
        )
        messages.success(
            request,
            _("Je nieuwe agendalink staat klaar. De oude werkt niet meer.")
            if renewed
            else _("Je agendalink staat klaar."),
        )
        return redirect("practice:calendar_link")
    feed_url = None
    if helper.calendar_token:
        feed_url = request.build_absolute_uri(
            reverse("practice:calendar_feed", kwargs={"token": helper.calendar_token})
        )
    return render(
        request,
        "practice/calendar_link.html",
        {
            "helper": helper,
            "feed_url": feed_url,
            "names_form": FeedNamesForm(initial={"show": helper.feed_shows_name}),
        },
    )


@require_POST
@helper_required
def feed_names(request: HttpRequest, helper: Helper) -> HttpResponse:
    """Whether her feed's titles carry the visitor's first name (or the name she gave)."""
    form = FeedNamesForm(request.POST)
    show = form.is_valid() and form.cleaned_data["show"]
    helper_side.helper_feed_names_set(helper=helper, show=show)
    messages.success(
        request,
        _("Je agenda toont nu de voornaam bij elke afspraak.")
        if show
        else _("Je agenda toont geen namen."),
    )
    return redirect("practice:calendar_link")
