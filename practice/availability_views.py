"""The helper's availability page: one GET view renders it, block by block (a `{% partialdef %}`
each in practice/availability.html), and each form posts to its own endpoint. A form with a
mistake comes back on the whole page with what she typed; a change that would leave bookings
outside her hours comes back as a question, listing them, before anything is saved."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from http import HTTPStatus

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from practice.forms import (
    BusyFeedForm,
    BusyFileForm,
    ExceptionSeenForm,
    LimitsForm,
    OfferRulesForm,
    RuleForm,
    SeenForm,
)
from practice.views import helper_required
from support.booking import helper as helper_side
from support.booking import selectors
from support.booking.busyfeeds import FeedError
from support.booking.errors import BookingRefused
from support.booking.helper import conflicts
from support.booking.helper.schedule import Bounds
from support.models import Booking, BookingStatus, Helper, Offer

PREVIEW_DAYS = 14


def _preview(helper: Helper, offers: list[Offer]) -> list[dict[str, object]]:
    """The free times her visitors will see in the coming two weeks, per conversation type."""
    zone = helper.zone
    first_day = timezone.localdate(timezone=zone)
    last_day = first_day + datetime.timedelta(days=PREVIEW_DAYS - 1)
    preview = []
    for offer in offers:
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


def _rules_form(offer: Offer, data: object = None) -> OfferRulesForm:
    return OfferRulesForm(
        data,
        # Several on one page, each posting to its own URL: own ids, plain names.
        auto_id=f"id_offer{offer.pk}_%s",
        steps=Bounds.of(offer).steps,
        initial={
            "notice_hours": offer.setting("min_notice_hours"),
            "buffer_before": offer.setting("buffer_before_minutes"),
            "buffer_after": offer.setting("buffer_after_minutes"),
            "horizon_days": offer.setting("horizon_days"),
            "step_minutes": offer.setting("slot_step_minutes"),
        },
    )


def describe(booking: Booking, zone: datetime.tzinfo) -> str:
    """ "Op vrijdag 18 december staat om 11:00 een aanvraag"."""
    local = timezone.localtime(booking.starts_at, zone)
    kind = _("een aanvraag") if booking.status == BookingStatus.REQUESTED else _("een afspraak")
    return _("Op %(day)s staat om %(time)s %(kind)s") % {
        "day": date_format(local, "l j F"),
        "time": local.strftime("%H:%M"),
        "kind": kind,
    }


def _page(
    request: HttpRequest,
    helper: Helper,
    *,
    bound: dict[str, forms.Form] | None = None,
    question: dict[str, object] | None = None,
    status: int = HTTPStatus.OK,
) -> HttpResponse:
    bound = bound or {}
    offers = list(Offer.objects.filter(helper=helper).select_related("helper", "conversation_type"))
    today = timezone.localdate(timezone=helper.zone)
    open_bookings = conflicts.open_to_come(helper)
    marked = conflicts.marked(helper, open_bookings)
    return render(
        request,
        "practice/availability.html",
        {
            "helper": helper,
            "rules": helper.availability.all(),
            "exceptions": helper.exceptions.filter(date__gte=today),
            "rule_form": bound.get("rule") or RuleForm(prefix="rule"),
            "exception_form": bound.get("exception") or ExceptionSeenForm(prefix="exception"),
            "limits_form": bound.get("limits")
            or LimitsForm(
                prefix="limits",
                initial={
                    "per_day": helper.max_sessions_per_day,
                    "per_week": helper.max_sessions_per_week,
                },
            ),
            "offer_forms": [
                (offer, bound.get(f"offer{offer.pk}") or _rules_form(offer)) for offer in offers
            ],
            "feeds": helper.busy_feeds.all(),
            "feed_form": bound.get("feed") or BusyFeedForm(prefix="feed"),
            "file_form": bound.get("upload") or BusyFileForm(prefix="upload"),
            "preview": _preview(helper, offers),
            "question": question,
            "outside": [(b, describe(b, helper.zone)) for b in open_bookings if b.pk in marked],
            "has_errors": any(form.errors for form in bound.values()),
        },
        status=status,
    )


@require_GET
@helper_required
def availability(request: HttpRequest, helper: Helper) -> HttpResponse:
    return _page(request, helper)


def _saved(request: HttpRequest, text: str | None = None) -> HttpResponse:
    messages.success(request, text or _("Je beschikbaarheid is opgeslagen."))
    return redirect("practice:availability")


def _ask(
    request: HttpRequest,
    helper: Helper,
    leaves: helper_side.LeavesOutside,
    *,
    post_to: str,
    fields: dict[str, str],
) -> HttpResponse:
    """Before saving: these bookings would fall outside her hours. Save anyway, or not."""
    return _page(
        request,
        helper,
        question={
            "bookings": [(b, describe(b, helper.zone)) for b in leaves.bookings],
            "post_to": post_to,
            "fields": fields,
        },
    )


def _form_post(
    name: str,
    make: Callable[[HttpRequest], forms.Form],
    save: Callable[[Helper, dict], object],
) -> Callable[..., HttpResponse]:
    """A POST endpoint for one of the page's forms."""

    @require_POST
    @helper_required
    def view(request: HttpRequest, helper: Helper) -> HttpResponse:
        form = make(request)
        if form.is_valid():
            try:
                save(helper, form.cleaned_data)
            except BookingRefused as refused:
                form.add_error(None, refused.message)
            else:
                return _saved(request)
        return _page(request, helper, bound={name: form}, status=HTTPStatus.BAD_REQUEST)

    return view


availability_rule_add = _form_post(
    "rule",
    lambda r: RuleForm(r.POST, prefix="rule"),
    lambda h, d: helper_side.availability_rule_add(helper=h, **d),
)
availability_limits = _form_post(
    "limits",
    lambda r: LimitsForm(r.POST, prefix="limits"),
    lambda h, d: helper_side.helper_limits_set(helper=h, **d),
)


@require_POST
@helper_required
def availability_exception_add(request: HttpRequest, helper: Helper) -> HttpResponse:
    form = ExceptionSeenForm(request.POST, prefix="exception")
    if form.is_valid():
        data = form.cleaned_data
        try:
            helper_side.availability_exception_add(helper=helper, **data)
        except helper_side.LeavesOutside as leaves:
            fields = {
                f"exception-{key}": request.POST.get(f"exception-{key}", "")
                for key in ("date", "start", "end")
            }
            return _ask(
                request,
                helper,
                leaves,
                post_to=reverse("practice:availability_exception_add"),
                fields={**fields, "exception-seen": "on"},
            )
        except BookingRefused as refused:
            form.add_error(None, refused.message)
        else:
            return _saved(request)
    return _page(request, helper, bound={"exception": form}, status=HTTPStatus.BAD_REQUEST)


def _remove_post(url_name: str, remove: Callable[..., bool]) -> Callable[..., HttpResponse]:
    """A POST endpoint removing a weekly time or an exception, asking first when it would leave
    bookings outside her hours."""

    @require_POST
    @helper_required
    def view(request: HttpRequest, helper: Helper, item: int) -> HttpResponse:
        form = SeenForm(request.POST)
        seen = form.is_valid() and form.cleaned_data["seen"]
        try:
            remove(helper=helper, item=item, seen=seen)
        except helper_side.LeavesOutside as leaves:
            post_to = reverse(url_name, kwargs={"item": item})
            return _ask(request, helper, leaves, post_to=post_to, fields={"seen": "on"})
        return _saved(request)

    return view


availability_rule_remove = _remove_post(
    "practice:availability_rule_remove",
    lambda *, helper, item, seen: helper_side.availability_rule_remove(
        helper=helper, rule_id=item, seen=seen
    ),
)
availability_exception_remove = _remove_post(
    "practice:availability_exception_remove",
    lambda *, helper, item, seen: helper_side.availability_exception_remove(
        helper=helper, exception_id=item, seen=seen
    ),
)


@require_POST
@helper_required
def offer_rules(request: HttpRequest, helper: Helper, offer_id: int) -> HttpResponse:
    offer = (
        Offer.objects.select_related("conversation_type", "helper")
        .filter(helper=helper, pk=offer_id)
        .first()
    )
    if offer is None:
        return _page(request, helper, status=HTTPStatus.NOT_FOUND)
    form = _rules_form(offer, request.POST)
    if form.is_valid():
        try:
            helper_side.offer_rules_set(helper=helper, offer_id=offer.pk, **form.cleaned_data)
        except BookingRefused as refused:
            form.add_error(None, refused.message)
        else:
            return _saved(
                request,
                _("Je regels voor %(type)s zijn opgeslagen. Je vrije tijden volgen meteen.")
                % {"type": offer.conversation_type.name},
            )
    return _page(request, helper, bound={f"offer{offer.pk}": form}, status=HTTPStatus.BAD_REQUEST)


def _read_message(read: helper_side.FeedRead) -> str:
    return ngettext(
        "We hebben je agenda gelezen: %(count)s bezette tijd in de komende %(weeks)s weken.",
        "We hebben je agenda gelezen: %(count)s bezette tijden in de komende %(weeks)s weken.",
        read.busy_count,
    ) % {"count": read.busy_count, "weeks": read.weeks}


@require_POST
@helper_required
def busy_feed_add(request: HttpRequest, helper: Helper) -> HttpResponse:
    """Read the calendar at once; one plain reason if it cannot be read, nothing saved."""
    form = BusyFeedForm(request.POST, prefix="feed")
    if form.is_valid():
        try:
            read = helper_side.busy_feed_add(helper=helper, url=form.cleaned_data["url"])
        except FeedError as error:
            form.add_error(
                "url", _("We konden je agenda niet lezen: %(reason)s") % {"reason": error}
            )
        else:
            return _saved(request, _read_message(read))
    return _page(request, helper, bound={"feed": form}, status=HTTPStatus.BAD_REQUEST)


@require_POST
@helper_required
def busy_feed_upload(request: HttpRequest, helper: Helper) -> HttpResponse:
    form = BusyFileForm(request.POST, request.FILES, prefix="upload")
    if form.is_valid():
        try:
            read = helper_side.busy_feed_upload(helper=helper, data=form.cleaned_data["data"])
        except FeedError as error:
            form.add_error("file", str(error))
        else:
            return _saved(request, _read_message(read))
    return _page(request, helper, bound={"upload": form}, status=HTTPStatus.BAD_REQUEST)


@require_POST
@helper_required
def busy_feed_remove(request: HttpRequest, helper: Helper, item: int) -> HttpResponse:
    helper_side.busy_feed_remove(helper=helper, feed_id=item)
    return _saved(request)
