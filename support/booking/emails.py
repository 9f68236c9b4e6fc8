"""The booking's e-mails: to the visitor who booked, to her helper, to her invited partner.

Composed here and registered with the outbox by kind (support/outbox.py), which queues, sends
and retries them. Names in e-mails are the discreet ones (`email_name`), never the directory's:
a mail client shows the subject, the sender and the first lines, often where others see them.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from support.booking.calendar import booking_ics
from support.booking.modes import booking_place, offer_of
from support.links import booking_url, partner_url
from support.models import Booking, BookingStatus, Helper, OutgoingEmail, PartnerIntake
from support.outbox import Draft, composer, email_queue, unseal

TEMPLATES = "support/emails"
REMINDER_BEFORE = datetime.timedelta(hours=24)
# E-mails to the booking's helper: they say that something is waiting, never what.
HELPER_KINDS = (
    "helper_new_request",
    "helper_new_message",
    "helper_booking_moved",
    "helper_partner_intake",
    "helper_way_changed",
    "helper_way_declined",
)
# E-mails that carry a calendar file, for whoever asked for one: the booking was (or still is)
# confirmed. (The helper has her own feed of her sessions, support/booking/subscription.py.)
CALENDAR_KINDS = {
    "booking_confirmed",
    "booking_rescheduled",
    "booking_cancelled",
    "booking_way_changed",
}
# Of those, the ones about a change that carry the file only once the booking is confirmed.
CHANGE_KINDS = {"booking_rescheduled", "booking_way_changed"}
# The invited partner's copies of the booker's e-mails (templates partner_update*.txt), sent when
# she chose to get them.
PARTNER_PREFIX = "partner_"
PARTNER_COPIES = {
    "booking_confirmed",
    "booking_rescheduled",
    "booking_cancelled",
    "booking_declined",
    "booking_proposed",
    "booking_way_changed",
}


def email_booker(*, kind: str, booking: Booking) -> None:
    """Queue an e-mail to the visitor who booked, and its copy to the partner who asked for it."""
    email_queue(kind=kind, booking=booking)
    if kind in PARTNER_COPIES:
        # The invited partner who asked for them gets the confirmation and every change too.
        intake = PartnerIntake.objects.filter(booking=booking, wants_updates=True).first()
        if intake is not None and intake.email:
            # Hung on her intake alone: the booker's records (export) never show it.
            email_queue(kind=PARTNER_PREFIX + kind, partner=intake)


def reminder_time(starts_at: datetime.datetime) -> datetime.datetime:
    """24 elapsed hours before the session, whatever the clocks do in between."""
    return starts_at.astimezone(datetime.UTC) - REMINDER_BEFORE


def queue_reminder(booking: Booking) -> None:
    # A reminder for an earlier time is skipped when its turn comes (see _reminder).
    when = reminder_time(booking.starts_at)
    if when > timezone.now():
        email_queue(kind="booking_reminder", booking=booking, send_after=when)


def first_name(name: str) -> str:
    """How the booker is named to her partner: the first word of her name or pseudonym."""
    return (name or "").split(maxsplit=1)[0] if (name or "").strip() else ""


def _booking_id(email: OutgoingEmail) -> int:
    """The booking an e-mail about a booking is about."""
    if email.booking_id is None:
        raise Booking.DoesNotExist(f"e-mail {email.pk} names no booking")
    return email.booking_id


def _calendar(kind: str, booking: Booking, *, wanted: bool) -> list[tuple[str, bytes, str]]:
    """The calendar file, only for whoever asked for it, in the e-mail's language like the text."""
    if (
        wanted
        and kind in CALENDAR_KINDS
        and (kind not in CHANGE_KINDS or booking.status == BookingStatus.CONFIRMED)
    ):
        ics = booking_ics(booking, cancel=kind == "booking_cancelled")
        return [("afspraak.ics", ics, "text/calendar; method=PUBLISH; charset=utf-8")]
    return []


def _reminder_is_stale(email: OutgoingEmail) -> bool:
    booking = (
        Booking.objects.filter(pk=email.booking_id).first()
        if email.booking_id is not None
        else None
    )
    return (
        booking is None
        or booking.status != BookingStatus.CONFIRMED
        or reminder_time(booking.starts_at) != email.send_after
    )


@composer(
    "booking_received",
    "booking_confirmed",
    "booking_declined",
    "booking_proposed",
    "booking_cancelled",
    "booking_rescheduled",
    "booking_way_proposed",
    "booking_way_changed",
)
@composer("booking_reminder", stale=_reminder_is_stale)
def _to_booker(email: OutgoingEmail) -> Draft:
    booking = Booking.objects.select_related("helper", "conversation_type").get(
        pk=_booking_id(email)
    )
    # The visitor's own e-mails carry her video link, whatever the time (see modes.py).
    context: dict[str, object] = {
        "booking": booking,
        "helper_name": booking.helper.email_name,
        "place": booking_place(booking, offer_of(booking), with_link=True),
    }
    if booking.is_open:
        context["manage_url"] = settings.SITE_URL + booking_url(booking)
    return Draft(
        to=booking.email,
        template=f"{TEMPLATES}/{email.kind}",
        context=context,
        attachments=_calendar(email.kind, booking, wanted=booking.wants_calendar),
    )


@composer("booking_code")
def _code(email: OutgoingEmail) -> Draft:
    sealed = unseal(email.sealed)
    return Draft(
        to=sealed["to"], template=f"{TEMPLATES}/{email.kind}", context={"code": sealed["code"]}
    )


def _helper_language(*, booking: Booking | None, **rows: object) -> str:
    """The helper's own language, on her profile."""
    if booking is None:
        return translation.get_language() or settings.LANGUAGE_CODE
    return Helper.objects.filter(pk=booking.helper_id).values_list("language", flat=True)[0]


@composer(*HELPER_KINDS, language=_helper_language)
def _to_helper(email: OutgoingEmail) -> Draft:
    booking = Booking.objects.select_related("helper__user").get(pk=_booking_id(email))
    path = reverse("practice:booking", kwargs={"pk": booking.pk})
    context: dict[str, object] = {"manage_url": settings.SITE_URL + path}
    if email.kind == "helper_booking_moved":  # when, never with whom or about what
        context["starts_at"] = booking.starts_at
        context["waits"] = booking.status == BookingStatus.REQUESTED
    return Draft(
        to=booking.helper.user.email if booking.helper.user else "",
        template=f"{TEMPLATES}/{email.kind}",
        context=context,
    )


@composer(
    "partner_invite",
    "partner_rescheduled",
    *(PARTNER_PREFIX + kind for kind in sorted(PARTNER_COPIES)),
)
def _to_partner(email: OutgoingEmail) -> Draft:
    if email.partner_id is None:
        raise PartnerIntake.DoesNotExist(f"e-mail {email.pk} names no partner")
    intake = PartnerIntake.objects.select_related(
        "booking__helper", "booking__conversation_type"
    ).get(pk=email.partner_id)
    booking = intake.booking
    change = email.kind.removeprefix(PARTNER_PREFIX)
    # Her copies of the booker's e-mails, which she asked for: at her own address, with the
    # video link, as the booker gets them. Else (the invitation, a new time): at the address
    # she was invited at.
    copy = change in PARTNER_COPIES
    return Draft(
        to=intake.email if copy else intake.invite_email,
        template=f"{TEMPLATES}/partner_update" if copy else f"{TEMPLATES}/{email.kind}",
        context={
            "booking": booking,
            "intake": intake,
            "inviter": first_name(booking.name),
            "change": change,
            "helper_name": booking.helper.email_name,
            "manage_url": settings.SITE_URL + partner_url(intake),
            "place": booking_place(booking, offer_of(booking), with_link=copy),
        },
        attachments=_calendar(change, booking, wanted=copy and intake.wants_calendar),
    )
