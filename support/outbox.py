"""The e-mail outbox: queue, deliver, retry, and the tasks that do it, side by side.

Every e-mail is an OutgoingEmail row plus a task, both written in the transaction of the change
that causes them: they commit or roll back with it, so a booking never fails because of e-mail
and no e-mail is sent about a change that did not happen. The worker sends with retries. Task
arguments carry ids only (task rows are stored in plain text); a login code's address and code
travel sealed.
"""

from __future__ import annotations

import datetime
import json
import logging
import smtplib
from collections.abc import Mapping
from email.utils import make_msgid
from typing import Required, TypedDict
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from support.booking.calendar import booking_ics
from support.booking.modes import booking_place, offer_of
from support.fields import fernet
from support.links import booking_url, partner_url, signup_url
from support.models import (
    Booking,
    BookingStatus,
    EmailStatus,
    Helper,
    OutgoingEmail,
    PartnerIntake,
    Signup,
)

logger = logging.getLogger(__name__)

REMINDER_BEFORE = datetime.timedelta(hours=24)
# E-mails to the booking's helper: they say that something is waiting, never what.
HELPER_KIND_PREFIX = "helper_"
# A staff member's own e-mails (templates/practice/emails/<kind without the prefix>).
STAFF_KIND_PREFIX = "staff_"
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
PARTNER_COPY_PREFIX = PARTNER_PREFIX + "booking_"
PARTNER_COPIES = {
    "booking_confirmed",
    "booking_rescheduled",
    "booking_cancelled",
    "booking_declined",
    "booking_proposed",
    "booking_way_changed",
}
EMAIL_RETRY_FIRST = datetime.timedelta(minutes=1)
EMAIL_RETRY_MAX = datetime.timedelta(hours=1)


def email_queue(
    *,
    kind: str,
    booking: Booking | None = None,
    signup: Signup | None = None,
    partner: PartnerIntake | None = None,
    user: User | None = None,
    send_after: datetime.datetime | None = None,
    sealed: str = "",
) -> None:
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    email = OutgoingEmail.objects.create(
        kind=kind,
        language=recipient_language(kind, booking=booking, signup=signup, partner=partner),
        booking=booking,
        signup=signup,
        partner=partner,
        user=user,
        send_after=send_after,
        message_id=make_msgid(domain=domain),
        sealed=sealed,
    )
    if send_after is None:
        send_email.enqueue(email.pk)
    else:
        send_email.using(run_after=send_after).enqueue(email.pk)
    if booking is not None and partner is None and kind in PARTNER_COPIES:
        # The invited partner who asked for them gets the confirmation and every change too.
        intake = PartnerIntake.objects.filter(booking=booking, wants_updates=True).first()
        if intake is not None and intake.email:
            # Hung on her intake alone: the booker's records (export) never show it.
            email_queue(kind=PARTNER_PREFIX + kind, partner=intake)


def recipient_language(
    kind: str,
    *,
    booking: Booking | None = None,
    signup: Signup | None = None,
    partner: PartnerIntake | None = None,
) -> str:
    """Everyone gets her own language, whoever's action sends the e-mail: a visitor the one she
    booked or signed up in, the helper the one on her profile, staff the portal's. Only a
    login code, asked for in the request that queues it, goes in the language of that request."""
    if kind.startswith(STAFF_KIND_PREFIX):
        return settings.LANGUAGE_CODE
    if kind == "visitor_code":
        return translation.get_language() or settings.LANGUAGE_CODE
    if kind.startswith(HELPER_KIND_PREFIX) and booking is not None:
        return Helper.objects.filter(pk=booking.helper_id).values_list("language", flat=True)[0]
    if partner is not None:
        return partner.language
    if signup is not None:
        return signup.language
    if booking is not None:
        return booking.language
    return translation.get_language() or settings.LANGUAGE_CODE


def email_login_code(*, digest: str, sealed_code: str) -> bool:
    """Queue a visitor's login code for the address behind `digest`, if it has records here."""
    found = recipient_for(digest)
    if found is None:
        return False
    code = unseal(sealed_code)["code"]
    with transaction.atomic():
        email_queue(
            kind="visitor_code",
            booking=found.get("booking"),
            signup=found.get("signup"),
            partner=found.get("partner"),
            sealed=seal(to=found["to"], code=code),
        )
    return True


def reminder_time(starts_at: datetime.datetime) -> datetime.datetime:
    """24 elapsed hours before the session, whatever the clocks do in between."""
    return starts_at.astimezone(datetime.UTC) - REMINDER_BEFORE


def queue_reminder(booking: Booking) -> None:
    # A reminder for an earlier time is skipped when its turn comes (see email_deliver).
    when = reminder_time(booking.starts_at)
    if when > timezone.now():
        email_queue(kind="booking_reminder", booking=booking, send_after=when)


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


def _retry_delay(attempts: int) -> datetime.timedelta:
    doubled: int = 2 ** (attempts - 1)  # attempts >= 1: an int
    return min(EMAIL_RETRY_FIRST * doubled, EMAIL_RETRY_MAX)


def email_deliver(*, email_id: int) -> None:
    """Send one queued e-mail: once, or again later with backoff, or mark it failed."""
    with transaction.atomic():
        # The row lock keeps two workers from sending the same e-mail.
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != EmailStatus.PENDING:
            return
        if email.kind == "booking_reminder" and _reminder_is_stale(email):
            email.status = EmailStatus.SKIPPED  # cancelled, or moved to another time
            email.save(update_fields=["status"])
            return
        try:
            _compose(email).send()
        except smtplib.SMTPRecipientsRefused as error:
            # The address itself is refused: trying again will not help.
            email.attempts += 1
            email.status = EmailStatus.FAILED
            email.last_error = _describe(error)
        except Exception as error:  # any other failure of the mail server: try again later
            email.attempts += 1
            email.last_error = _describe(error)
            if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                email.status = EmailStatus.FAILED
            else:
                email.next_attempt_at = timezone.now() + _retry_delay(email.attempts)
                send_email.using(run_after=email.next_attempt_at).enqueue(email.pk)
        else:
            email.attempts += 1
            email.status = EmailStatus.SENT
            email.sent_at = timezone.now()
            email.next_attempt_at = None
        if email.status != EmailStatus.PENDING:
            email.sealed = ""  # a login code's address and code are kept no longer than needed
        email.save()
        if email.status == EmailStatus.FAILED:
            logger.error("E-mail %s failed for good: %s", email.pk, email.last_error)


def email_retry(*, email: OutgoingEmail) -> None:
    """Staff: try a failed e-mail again now."""
    with transaction.atomic():
        current = OutgoingEmail.objects.select_for_update().get(pk=email.pk)
        if current.status != EmailStatus.FAILED:
            return
        current.status = EmailStatus.PENDING
        current.next_attempt_at = None
        current.save(update_fields=["status", "next_attempt_at"])
        send_email.enqueue(current.pk)


def _describe(error: Exception) -> str:
    # The class and SMTP code only: server messages may repeat the address.
    code = getattr(error, "smtp_code", "") or ""
    return f"{type(error).__name__} {code}".strip()[:200]


def _booking_id(email: OutgoingEmail) -> int:
    """The booking an e-mail about a booking is about."""
    if email.booking_id is None:
        raise Booking.DoesNotExist(f"e-mail {email.pk} names no booking")
    return email.booking_id


def first_name(name: str) -> str:
    """How the booker is named to her partner: the first word of her name or pseudonym."""
    return (name or "").split(maxsplit=1)[0] if (name or "").strip() else ""


def _compose(email: OutgoingEmail) -> EmailMultiAlternatives:
    templates = "support/emails"
    templates_kind = email.kind.removeprefix(STAFF_KIND_PREFIX)
    context: dict[str, object]
    wants_calendar = False
    with translation.override(email.language):
        if email.user_id:
            # A staff member's own e-mail: its link travels sealed, like a login code.
            recipient = User.objects.get(pk=email.user_id).email
            context = {}
            if email.sealed:
                context.update(unseal(email.sealed))
            templates = "practice/emails"
        elif email.sealed:
            sealed = unseal(email.sealed)
            recipient = sealed["to"]
            context = {"code": sealed["code"]}
        elif email.partner_id:
            intake = PartnerIntake.objects.select_related(
                "booking__helper", "booking__conversation_type"
            ).get(pk=email.partner_id)
            booking = intake.booking
            # Her copies of the booker's e-mails, which she asked for: at her own address, with
            # the video link, as the booker gets them. Else (the invitation, a new time): at the
            # address she was invited at.
            copy = email.kind.startswith(PARTNER_COPY_PREFIX)
            recipient = intake.email if copy else intake.invite_email
            context = {
                "booking": booking,
                "intake": intake,
                "inviter": first_name(booking.name),
                "change": email.kind.removeprefix(PARTNER_PREFIX),
                "helper_name": booking.helper.email_name,
                "manage_url": settings.SITE_URL + partner_url(intake),
                "place": booking_place(booking, offer_of(booking), with_link=copy),
            }
            if copy:
                templates_kind = "partner_update"
                wants_calendar = intake.wants_calendar
        elif email.signup_id:
            signup = Signup.objects.select_related("group").get(pk=email.signup_id)
            recipient = signup.email
            context = {
                "signup": signup,
                "group": signup.group,
                "group_name": signup.group.email_name,
                "manage_url": settings.SITE_URL + signup_url(signup),
            }
        elif email.kind.startswith(HELPER_KIND_PREFIX):
            booking = Booking.objects.select_related("helper__user").get(pk=_booking_id(email))
            recipient = booking.helper.user.email if booking.helper.user else ""
            path = reverse("practice:booking", kwargs={"pk": booking.pk})
            context = {"manage_url": settings.SITE_URL + path}
            if email.kind == "helper_booking_moved":  # when, never with whom or about what
                context["starts_at"] = booking.starts_at
                context["waits"] = booking.status == BookingStatus.REQUESTED
        else:
            booking = Booking.objects.select_related("helper", "conversation_type").get(
                pk=_booking_id(email)
            )
            recipient = booking.email
            wants_calendar = booking.wants_calendar
            # The visitor's own e-mails carry her video link, whatever the time (see modes.py).
            context = {
                "booking": booking,
                "helper_name": booking.helper.email_name,
                "place": booking_place(booking, offer_of(booking), with_link=True),
            }
            if booking.is_open:
                context["manage_url"] = settings.SITE_URL + booking_url(booking)
        # Names in e-mails are the discreet ones (`email_name`), never the directory's: a mail
        # client shows the subject, the sender and the first lines, often where others see them.
        context["site_name"] = settings.SITE_NAME
        subject = render_to_string(f"{templates}/{templates_kind}_subject.txt", context)
        body = render_to_string(f"{templates}/{templates_kind}.txt", context)
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient],
            headers={"Message-ID": email.message_id},
        )
        kind = email.kind.removeprefix(PARTNER_PREFIX) if email.partner_id else email.kind
        if (
            wants_calendar
            and kind in CALENDAR_KINDS
            and (kind not in CHANGE_KINDS or booking.status == BookingStatus.CONFIRMED)
        ):
            # Only for whoever asked for it, in the e-mail's language, like the text.
            message.attach(
                "afspraak.ics",
                booking_ics(booking, cancel=kind == "booking_cancelled"),
                "text/calendar; method=PUBLISH; charset=utf-8",
            )
    return message


def staff_email_send(*, user: User, kind: str, context: Mapping[str, object]) -> None:
    """E-mail a staff member now, in the portal's language (templates/practice/emails/<kind>).

    Past the outbox on purpose, for the notices that must not wait on it: the one about stuck
    mail (the outbox may be what is stuck) and those about a second factor being reset.
    """
    with translation.override(settings.LANGUAGE_CODE):
        context = {"site_name": settings.SITE_NAME, **context}
        subject = render_to_string(f"practice/emails/{kind}_subject.txt", context)
        body = render_to_string(f"practice/emails/{kind}.txt", context)
    EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    ).send()


# -- a visitor's login code ----------------------------------------------------------------------


def seal(**values: str) -> str:
    """Encrypt what an e-mail must carry until it is sent (a login code's address and code)."""
    return fernet().encrypt(json.dumps(values).encode()).decode()


def unseal(token: str) -> dict[str, str]:
    values: dict[str, str] = json.loads(fernet().decrypt(token.encode()))  # what seal() took
    return values


class Recipient(TypedDict, total=False):
    """The address a login code goes to, and the one row it hangs on."""

    to: Required[str]
    booking: Booking
    signup: Signup
    partner: PartnerIntake


def recipient_for(digest: str) -> Recipient | None:
    """Where a code for this digest goes: the address and a row to hang the e-mail on."""
    booking = Booking.objects.submitted().filter(email_digest=digest).order_by("-pk").first()
    if booking is not None:
        return {"booking": booking, "to": booking.email}
    signup = Signup.objects.filter(email_digest=digest).order_by("-pk").first()
    if signup is not None:
        return {"signup": signup, "to": signup.email}
    intake = (
        PartnerIntake.objects.filter(email_digest=digest, submitted_at__isnull=False)
        .order_by("-pk")
        .first()
    )
    if intake is not None:
        return {"partner": intake, "to": intake.email}
    return None


# -- tasks ---------------------------------------------------------------------------------------
# Queued rows name a task by its dotted path; support/tasks.py keeps the old paths importable.


@task
def send_email(email_id: int) -> None:
    email_deliver(email_id=email_id)


@task
def send_visitor_code(digest: str, sealed_code: str, language: str) -> None:
    """A login code asked for on the site: sent only where the digest has bookings or sign-ups.

    The arguments hold no address: a keyed digest and the code encrypted.
    """
    with translation.override(language):
        email_login_code(digest=digest, sealed_code=sealed_code)
