"""Every write with invariants or side effects. Views and the admin call these, never the ORM.

Seats are guarded by the database: a seat is taken with one conditional UPDATE
(`seats_taken < capacity`), backed by a check constraint, so concurrent sign-ups can never
overfill a group on SQLite (IMMEDIATE transactions) or PostgreSQL (row locks).
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import pagecache
from support import availability
from support.fields import email_digest
from support.models import (
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingStatus,
    EmailStatus,
    Helper,
    IntakeAnswers,
    Offer,
    OutgoingEmail,
    PartnerIntake,
    PeerGroup,
    Signup,
    SignupStatus,
)

logger = logging.getLogger(__name__)

SIGNUP_TOKEN_SALT = "support.signup"
BOOKING_TOKEN_SALT = "support.booking"
PARTNER_TOKEN_SALT = "support.partner"


class GroupClosed(Exception):
    """The group takes no sign-ups."""


@dataclass(frozen=True)
class SignupResult:
    signup: Signup
    created: bool  # False when this address already had a place


# -- tokens --------------------------------------------------------------------------------------


def signup_token(signup: Signup) -> str:
    # Signed, so it cannot be guessed or altered; the lookup refuses it once the place is gone.
    return signing.dumps([signup.pk, signup.created_at.timestamp()], salt=SIGNUP_TOKEN_SALT)


def signup_from_token(token: str) -> Signup | None:
    """The active sign-up a link belongs to, or None for a tampered, reused or stale link."""
    try:
        pk, created = signing.loads(token, salt=SIGNUP_TOKEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    signup = Signup.objects.select_related("group").filter(pk=pk).first()
    if signup is None or not signup.is_active or signup.created_at.timestamp() != created:
        return None
    return signup


def signup_url(signup: Signup) -> str:
    return reverse("support:signup_manage", kwargs={"token": signup_token(signup)})


# -- sign-up ------------------------------------------------------------------------------------


def _take_seat(group_id: int) -> bool:
    pagecache.bump(pagecache.DIRECTORY)  # bulk updates send no save signal
    return bool(
        PeerGroup.objects.filter(pk=group_id, is_open=True, seats_taken__lt=F("capacity")).update(
            seats_taken=F("seats_taken") + 1
        )
    )


def _free_seat(group_id: int) -> None:
    pagecache.bump(pagecache.DIRECTORY)
    PeerGroup.objects.filter(pk=group_id, seats_taken__gt=0).update(
        seats_taken=F("seats_taken") - 1
    )


def group_signup(
    *,
    group: PeerGroup,
    name: str,
    email: str,
    phone: str = "",
    message: str = "",
) -> SignupResult:
    """Give this person a seat, or a place on the waiting list when the group is full.

    The same address gets one place per group: a second sign-up returns the first, and its
    link goes again by e-mail to that address only (whoever typed the address may not be its
    owner, so the caller shows the same answer either way).
    """
    if not group.is_open:
        raise GroupClosed
    email = email.strip()
    try:
        with transaction.atomic():
            existing = _active_signup(group.pk, email)
            if existing is not None:
                email_queue(kind="signup_reminder", signup=existing)
                return SignupResult(existing, created=False)
            status = SignupStatus.CONFIRMED if _take_seat(group.pk) else SignupStatus.WAITING
            signup = Signup.objects.create(
                group=group,
                name=name.strip(),
                email=email,
                phone=phone.strip(),
                message=message.strip(),
                status=status,
                consent_at=timezone.now(),
            )
            email_queue(kind="signup_received", signup=signup)
    except IntegrityError:
        # A concurrent sign-up with the same address won; its seat stands, ours rolled back.
        existing = _active_signup(group.pk, email)
        if existing is None:
            raise
        email_queue(kind="signup_reminder", signup=existing)
        return SignupResult(existing, created=False)
    return SignupResult(signup, created=True)


def _active_signup(group_id: int, email: str) -> Signup | None:
    return (
        Signup.objects.filter(
            group_id=group_id,
            email_digest=email_digest(email),
            status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITING],
        )
        .select_related("group")
        .first()
    )


def group_signup_cancel(*, signup: Signup) -> Signup | None:
    """Cancel a place. A freed seat goes to the first on the waiting list, who is told by e-mail.

    Returns the promoted sign-up, if any.
    """
    with transaction.atomic():
        # Re-read inside the transaction: a second click on the same link changes nothing.
        current = Signup.objects.select_for_update().get(pk=signup.pk)
        if not current.is_active:
            return None
        had_seat = current.status == SignupStatus.CONFIRMED
        current.status = SignupStatus.CANCELLED
        current.save(update_fields=["status", "changed_at"])
        if had_seat:
            _free_seat(current.group_id)
            return _promote_first_waiting(current.group_id)
    return None


def _promote_first_waiting(group_id: int) -> Signup | None:
    waiting = (
        Signup.objects.select_for_update()
        .filter(group_id=group_id, status=SignupStatus.WAITING)
        .order_by("created_at", "pk")
        .first()
    )
    if waiting is None or not _take_seat(group_id):
        return None
    waiting.status = SignupStatus.CONFIRMED
    waiting.save(update_fields=["status", "changed_at"])
    email_queue(kind="signup_promoted", signup=waiting)
    return waiting


def signup_confirm(*, signup: Signup) -> bool:
    """Coordinator: give a waiting person a seat, if one is free."""
    with transaction.atomic():
        current = Signup.objects.select_for_update().get(pk=signup.pk)
        if current.status != SignupStatus.WAITING or not _take_seat(current.group_id):
            return False
        current.status = SignupStatus.CONFIRMED
        current.save(update_fields=["status", "changed_at"])
        email_queue(kind="signup_promoted", signup=current)
    return True


def signup_move_to_waiting_list(*, signup: Signup) -> bool:
    """Coordinator: move a seated person to the waiting list (the seat becomes free)."""
    with transaction.atomic():
        current = Signup.objects.select_for_update().get(pk=signup.pk)
        if current.status != SignupStatus.CONFIRMED:
            return False
        current.status = SignupStatus.WAITING
        current.save(update_fields=["status", "changed_at"])
        _free_seat(current.group_id)
    return True


# -- e-mail -------------------------------------------------------------------------------------
#
# Every e-mail is an OutgoingEmail row plus a task, both written in the transaction of the change
# that causes them: they commit or roll back with it, so a booking never fails because of e-mail
# and no e-mail is sent about a change that did not happen. The worker sends with retries.

REMINDER_BEFORE = datetime.timedelta(hours=24)
# E-mails to the booking's helper: they say that something is waiting, never what.
HELPER_KIND_PREFIX = "helper_"
# E-mails that carry a calendar file: the booking was (or still is) confirmed.
CALENDAR_KINDS = {"booking_confirmed", "booking_rescheduled", "booking_cancelled"}
EMAIL_RETRY_FIRST = datetime.timedelta(minutes=1)
EMAIL_RETRY_MAX = datetime.timedelta(hours=1)


def email_queue(
    *,
    kind: str,
    booking: Booking | None = None,
    signup: Signup | None = None,
    partner: PartnerIntake | None = None,
    send_after: datetime.datetime | None = None,
    sealed: str = "",
) -> None:
    from support.tasks import send_email

    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    # Staff read the portal in its own language; a visitor gets the language she booked in.
    language = settings.LANGUAGE_CODE if kind.startswith(HELPER_KIND_PREFIX) else None
    email = OutgoingEmail.objects.create(
        kind=kind,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        booking=booking,
        signup=signup,
        partner=partner,
        send_after=send_after,
        message_id=make_msgid(domain=domain),
        sealed=sealed,
    )
    if send_after is None:
        send_email.enqueue(email.pk)
    else:
        send_email.using(run_after=send_after).enqueue(email.pk)


def email_login_code(*, digest: str, sealed_code: str) -> bool:
    """Queue a visitor's login code for the address behind `digest`, if it has records here."""
    from support import visitor

    found = visitor.recipient_for(digest)
    if found is None:
        return False
    code = visitor.unseal(sealed_code)["code"]
    with transaction.atomic():
        email_queue(
            kind="visitor_code",
            booking=found.get("booking"),
            signup=found.get("signup"),
            partner=found.get("partner"),
            sealed=visitor.seal(to=found["to"], code=code),
        )
    return True


def reminder_time(starts_at: datetime.datetime) -> datetime.datetime:
    """24 elapsed hours before the session, whatever the clocks do in between."""
    return starts_at.astimezone(datetime.UTC) - REMINDER_BEFORE


def _queue_reminder(booking: Booking) -> None:
    # A reminder for an earlier time is skipped when its turn comes (see email_deliver).
    when = reminder_time(booking.starts_at)
    if when > timezone.now():
        email_queue(kind="booking_reminder", booking=booking, send_after=when)


def _reminder_is_stale(email: OutgoingEmail) -> bool:
    booking = Booking.objects.filter(pk=email.booking_id).first()
    return (
        booking is None
        or booking.status != BookingStatus.CONFIRMED
        or reminder_time(booking.starts_at) != email.send_after
    )


def _retry_delay(attempts: int) -> datetime.timedelta:
    return min(EMAIL_RETRY_FIRST * 2 ** (attempts - 1), EMAIL_RETRY_MAX)


def email_deliver(*, email_id: int) -> None:
    """Send one queued e-mail: once, or again later with backoff, or mark it failed."""
    from support.tasks import send_email

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
    from support.tasks import send_email

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


def _compose(email: OutgoingEmail) -> EmailMultiAlternatives:
    with translation.override(email.language):
        if email.sealed:
            from support.visitor import unseal

            sealed = unseal(email.sealed)
            recipient = sealed["to"]
            context = {"code": sealed["code"]}
        elif email.partner_id:
            intake = PartnerIntake.objects.select_related(
                "booking__helper", "booking__conversation_type"
            ).get(pk=email.partner_id)
            recipient = intake.invite_email
            context = {
                "booking": intake.booking,
                "helper_name": intake.booking.helper.email_name,
                "manage_url": settings.SITE_URL + partner_url(intake),
            }
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
            booking = Booking.objects.select_related("helper__user").get(pk=email.booking_id)
            recipient = booking.helper.user.email if booking.helper.user else ""
            path = reverse("practice:booking", kwargs={"pk": booking.pk})
            context = {"manage_url": settings.SITE_URL + path}
        else:
            booking = Booking.objects.select_related("helper", "conversation_type").get(
                pk=email.booking_id
            )
            recipient = booking.email
            context = {"booking": booking, "helper_name": booking.helper.email_name}
            if booking.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
                context["manage_url"] = settings.SITE_URL + booking_url(booking)
        # Names in e-mails are the discreet ones (`email_name`), never the directory's: a mail
        # client shows the subject, the sender and the first lines, often where others see them.
        context["site_name"] = settings.SITE_NAME
        subject = render_to_string(f"support/emails/{email.kind}_subject.txt", context)
        body = render_to_string(f"support/emails/{email.kind}.txt", context)
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient],
            headers={"Message-ID": email.message_id},
        )
        if (
            email.booking_id
            and email.kind in CALENDAR_KINDS
            and (email.kind != "booking_rescheduled" or booking.status == BookingStatus.CONFIRMED)
        ):
            from support.calendar import booking_ics

            # In the e-mail's language, like the text.
            cancel = email.kind == "booking_cancelled"
            message.attach(
                "afspraak.ics",
                booking_ics(booking, cancel=cancel),
                f"text/calendar; method={'CANCEL' if cancel else 'REQUEST'}; charset=utf-8",
            )
    return message


# -- booking a conversation ---------------------------------------------------------------------
#
# Every write goes through one locked, re-checking transaction: the helper's row is locked
# (PostgreSQL) or the whole database is (SQLite's IMMEDIATE transactions), every rule is checked
# again against what is in the database now, and on PostgreSQL an exclusion constraint refuses
# overlapping blocked ranges even if this code were wrong.

HOLD_DURATION = datetime.timedelta(minutes=10)
NEAREST_SEARCH_DAYS = 28


class SlotTaken(Exception):
    """The time is no longer free. `nearest` holds the closest free times instead."""

    def __init__(self, nearest: list[datetime.datetime]) -> None:
        super().__init__("slot taken")
        self.nearest = nearest


class TooManyHolds(Exception):
    """This client already holds as many times as one person can need."""


# Live holds one client address may have at once (a couple deciding between two times, and
# one more); beyond it a client could take a helper's whole week off the calendar.
MAX_LIVE_HOLDS_PER_CLIENT = 3


class BookingRefused(Exception):
    """A change the rules do not allow; `message` says why, for the visitor."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def slot_rules(offer: Offer, *, minutes: int | None = None) -> availability.SlotRules:
    return availability.SlotRules(
        duration=datetime.timedelta(minutes=minutes or offer.setting("duration_minutes")),
        buffer_before=datetime.timedelta(minutes=offer.setting("buffer_before_minutes")),
        buffer_after=datetime.timedelta(minutes=offer.setting("buffer_after_minutes")),
        step=datetime.timedelta(minutes=offer.conversation_type.slot_step_minutes),
        min_notice=datetime.timedelta(hours=offer.setting("min_notice_hours")),
        horizon=datetime.timedelta(days=offer.setting("horizon_days")),
    )


def _schedule(
    helper: Helper,
) -> tuple[list[availability.WeeklyRule], list[availability.DateException]]:
    rules = [availability.WeeklyRule(r.weekday, r.start, r.end) for r in helper.availability.all()]
    exceptions = [
        availability.DateException(e.date, e.start, e.end) for e in helper.exceptions.all()
    ]
    return rules, exceptions


def _busy(
    helper: Helper,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    exclude: int | None = None,
) -> list[availability.Busy]:
    bookings = Booking.objects.blocking().filter(
        helper=helper, blocked_from__lt=end, blocked_until__gt=start
    )
    if exclude is not None:
        bookings = bookings.exclude(pk=exclude)
    return list(bookings.values_list("blocked_from", "blocked_until"))


def free_times(
    *,
    offer: Offer,
    first_day: datetime.date,
    last_day: datetime.date,
    now: datetime.datetime | None = None,
    minutes: int | None = None,
    exclude: int | None = None,
) -> list[datetime.datetime]:
    """The free start times (UTC) between two local dates, as shown to a visitor."""
    now = now or timezone.now()
    helper = offer.helper
    zone = helper.zone
    rules, exceptions = _schedule(helper)
    window_start = datetime.datetime.combine(first_day, datetime.time(), tzinfo=zone)
    window_end = datetime.datetime.combine(
        last_day + datetime.timedelta(days=2), datetime.time(), tzinfo=zone
    )
    return availability.free_slots(
        zone=zone,
        rules=rules,
        exceptions=exceptions,
        busy=_busy(helper, window_start - datetime.timedelta(days=1), window_end, exclude=exclude),
        slot_rules=slot_rules(offer, minutes=minutes),
        first_day=first_day,
        last_day=last_day,
        now=now,
    )


def nearest_free_times(
    offer: Offer, *, after: datetime.datetime | None = None, count: int = 3, **kwargs
) -> list[datetime.datetime]:
    now = kwargs.pop("now", None) or timezone.now()
    first_day = timezone.localtime(after or now, offer.helper.zone).date()
    times = free_times(
        offer=offer,
        first_day=first_day,
        last_day=first_day + datetime.timedelta(days=NEAREST_SEARCH_DAYS),
        now=now,
        **kwargs,
    )
    return times[:count]


def _lock_helper(helper_id: int) -> Helper:
    # On SQLite the IMMEDIATE transaction already holds the database's write lock.
    return Helper.objects.select_for_update().get(pk=helper_id)


def _expire_stale_holds(helper_id: int, now: datetime.datetime) -> None:
    pagecache.bump(pagecache.AVAILABILITY)
    Booking.objects.filter(
        helper_id=helper_id, status=BookingStatus.HELD, hold_expires_at__lte=now
    ).update(status=BookingStatus.EXPIRED)


def _check_free(
    offer: Offer,
    start: datetime.datetime,
    *,
    now: datetime.datetime,
    minutes: int | None = None,
    exclude: int | None = None,
) -> availability.SlotRules:
    rules = slot_rules(offer, minutes=minutes)
    blocked = availability.blocked_range(start, rules)
    helper_rules, exceptions = _schedule(offer.helper)
    free = availability.is_free(
        start,
        zone=offer.helper.zone,
        rules=helper_rules,
        exceptions=exceptions,
        busy=_busy(offer.helper, *blocked, exclude=exclude),
        slot_rules=rules,
        now=now,
    )
    if not free:
        raise SlotTaken([])
    return rules


def _taken(offer: Offer, start: datetime.datetime, **kwargs) -> SlotTaken:
    """ "Just taken", with the free times nearest to the one she wanted."""
    return SlotTaken(nearest_free_times(offer, after=start, **kwargs))


def booking_hold(
    *,
    offer: Offer,
    start: datetime.datetime,
    hold_key: str,
    client: str = "",
    now: datetime.datetime | None = None,
) -> Booking:
    """Keep a time for this visitor for ten minutes while she fills in the intake.

    `client` is a keyed hash of the client's address (portal.ratelimit.client_digest): one
    client holds at most MAX_LIVE_HOLDS_PER_CLIENT times at once, whatever its cookies.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            _lock_helper(offer.helper_id)
            _expire_stale_holds(offer.helper_id, now)
            # One time at a time: choosing another time lets go of the previous one (the
            # expiry above already counts as a change of the data).
            Booking.objects.filter(hold_key=hold_key, status=BookingStatus.HELD).update(
                status=BookingStatus.EXPIRED
            )
            if client and (
                Booking.objects.filter(
                    hold_client=client, status=BookingStatus.HELD, hold_expires_at__gt=now
                ).count()
                >= MAX_LIVE_HOLDS_PER_CLIENT
            ):
                raise TooManyHolds
            rules = _check_free(offer, start, now=now)
            blocked_from, blocked_until = availability.blocked_range(start, rules)
            return Booking.objects.create(
                helper_id=offer.helper_id,
                conversation_type_id=offer.conversation_type_id,
                status=BookingStatus.HELD,
                starts_at=start,
                ends_at=start + rules.duration,
                blocked_from=blocked_from,
                blocked_until=blocked_until,
                hold_key=hold_key,
                hold_client=client,
                hold_expires_at=now + HOLD_DURATION,
            )
    except (SlotTaken, IntegrityError) as error:
        raise _taken(offer, start, now=now) from error


def held_booking(pk: int, hold_key: str) -> Booking | None:
    """The visitor's own booking while she is still filling it in."""
    return (
        Booking.objects.select_related("helper", "conversation_type")
        .filter(pk=pk, hold_key=hold_key, status__in=[BookingStatus.HELD, BookingStatus.EXPIRED])
        .first()
    )


INTAKE_FIELDS = (
    "name", "email", "phone", "contact_preference", "role", "what_happened", "disclosure",
    "disclosure_when", "partner_knows", "partner_joins", "hopes", "wants_longer", "feels_safe",
)  # fmt: skip


def _apply_answers(
    target: IntakeAnswers, answers: dict[str, object], *, mirror: IntakeAnswers
) -> None:
    """Store one intake step's answers; `mirror` (the caller's copy) is brought up to date."""
    unknown = set(answers) - set(INTAKE_FIELDS) - {"consent"}
    if unknown:
        raise ValueError(f"unknown intake fields: {sorted(unknown)}")
    # Nothing is stored before she has agreed to it (the first step asks).
    if target.consent_at is None and not answers.get("consent"):
        raise BookingRefused(_("Zonder je toestemming kunnen we je antwoorden niet bewaren."))
    for field, value in answers.items():
        if field == "consent":
            target.consent_at = timezone.now() if value else None
        else:
            setattr(target, field, value)
    target.save()
    for field in (*INTAKE_FIELDS, "consent_at"):
        setattr(mirror, field, getattr(target, field))


def booking_save_intake(*, booking: Booking, hold_key: str, answers: dict[str, object]) -> None:
    """Store answers of one intake step on the visitor's own held booking."""
    with transaction.atomic():
        current = held_booking(booking.pk, hold_key)
        if current is None:
            raise BookingRefused(_("Deze aanvraag bestaat niet meer. Begin opnieuw."))
        _apply_answers(current, answers, mirror=booking)


def booking_switch_type(*, booking: Booking, hold_key: str, offer: Offer) -> Booking:
    """Move a held booking to another conversation type of the same helper (same time)."""
    now = timezone.now()
    with transaction.atomic():
        _lock_helper(offer.helper_id)
        current = held_booking(booking.pk, hold_key)
        if current is None or offer.helper_id != current.helper_id:
            raise BookingRefused(_("Deze aanvraag bestaat niet meer. Begin opnieuw."))
        rules = _check_free(offer, current.starts_at, now=now, exclude=current.pk)
        current.conversation_type_id = offer.conversation_type_id
        current.ends_at = current.starts_at + rules.duration
        current.blocked_from, current.blocked_until = availability.blocked_range(
            current.starts_at, rules
        )
        current.save()
    return current


def booking_submit(*, booking: Booking, hold_key: str) -> Booking:
    """Turn the visitor's held time and intake into a request for the helper.

    A second submit of the same booking returns it unchanged: one request, never two.
    """
    now = timezone.now()
    offer = Offer.objects.select_related("helper", "conversation_type").get(
        helper_id=booking.helper_id, conversation_type_id=booking.conversation_type_id
    )
    try:
        with transaction.atomic():
            _lock_helper(booking.helper_id)
            current = Booking.objects.select_for_update().get(pk=booking.pk)
            if current.hold_key != hold_key:
                raise BookingRefused(_("Deze aanvraag bestaat niet meer. Begin opnieuw."))
            if current.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
                return current
            if current.status not in (BookingStatus.HELD, BookingStatus.EXPIRED):
                raise BookingRefused(_("Deze aanvraag bestaat niet meer. Begin opnieuw."))
            if current.consent_at is None or not (current.name and current.email):
                raise BookingRefused(_("Vul eerst alle stappen in."))
            _expire_stale_holds(current.helper_id, now)
            if current.status == BookingStatus.EXPIRED or current.hold_expires_at <= now:
                # The ten minutes are over: the time is hers only if nobody took it meanwhile.
                _check_free(
                    offer,
                    current.starts_at,
                    now=now,
                    minutes=current.duration_minutes,
                    exclude=current.pk,
                )
            current.status = BookingStatus.REQUESTED
            current.requested_at = now
            current.hold_expires_at = None
            current.hold_client = ""
            current.save()
            email_queue(kind="booking_received", booking=current)
            _notify_helper(current, kind="helper_new_request")
            return current
    except (SlotTaken, IntegrityError) as error:
        raise _taken(offer, booking.starts_at, now=now) from error


def _notify_helper(booking: Booking, *, kind: str) -> None:
    """Tell the helper there is something to read, if she has an account to read it with."""
    if Helper.objects.filter(pk=booking.helper_id, user__isnull=False).exists():
        email_queue(kind=kind, booking=booking)


def booking_token(booking: Booking) -> str:
    return signing.dumps([booking.pk, booking.token_version], salt=BOOKING_TOKEN_SALT)


def booking_from_token(token: str, *, now: datetime.datetime | None = None) -> Booking | None:
    """The booking of a private link; None for a tampered, superseded or expired link."""
    now = now or timezone.now()
    try:
        pk, version = signing.loads(token, salt=BOOKING_TOKEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    booking = (
        Booking.objects.select_related("helper", "conversation_type")
        .filter(pk=pk, status__in=[BookingStatus.REQUESTED, BookingStatus.CONFIRMED])
        .first()
    )
    if booking is None or booking.token_version != version or booking.starts_at <= now:
        return None
    return booking


def booking_url(booking: Booking) -> str:
    return reverse("support:booking_manage", kwargs={"token": booking_token(booking)})


def _locked_booking(booking: Booking) -> Booking:
    _lock_helper(booking.helper_id)
    return (
        Booking.objects.select_related("conversation_type").select_for_update().get(pk=booking.pk)
    )


def booking_confirm(*, booking: Booking) -> Booking:
    with transaction.atomic():
        current = _locked_booking(booking)
        if current.status != BookingStatus.REQUESTED:
            raise BookingRefused(_("Alleen een aanvraag kan worden bevestigd."))
        current.status = BookingStatus.CONFIRMED
        current.save(update_fields=["status"])
        email_queue(kind="booking_confirmed", booking=current)
        _queue_reminder(current)
    return current


def booking_decline(*, booking: Booking, message: str = "") -> Booking:
    with transaction.atomic():
        current = _locked_booking(booking)
        if current.status != BookingStatus.REQUESTED:
            raise BookingRefused(_("Alleen een aanvraag kan worden afgewezen."))
        current.status = BookingStatus.DECLINED
        current.helper_message = message
        current.token_version += 1
        current.save(update_fields=["status", "helper_message", "token_version"])
        email_queue(kind="booking_declined", booking=current)
    return current


def cancellation_deadline(booking: Booking) -> datetime.datetime:
    offer = Offer.objects.select_related("conversation_type").get(
        helper_id=booking.helper_id, conversation_type_id=booking.conversation_type_id
    )
    return booking.starts_at - datetime.timedelta(hours=offer.setting("cancellation_window_hours"))


def booking_cancel(
    *, booking: Booking, by_visitor: bool, now: datetime.datetime | None = None
) -> Booking:
    """Cancel. A visitor may do so only before the cancellation window; the helper always."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked_booking(booking)
        if current.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
            raise BookingRefused(_("Deze afspraak kan niet meer worden geannuleerd."))
        if by_visitor and now >= cancellation_deadline(current):
            raise BookingRefused(
                _(
                    "Zo kort van tevoren kun je hier niet meer annuleren. Neem contact op met je "
                    "hulpverlener."
                )
            )
        current.status = BookingStatus.CANCELLED
        current.token_version += 1
        current.save(update_fields=["status", "token_version"])
        email_queue(kind="booking_cancelled", booking=current)
    return current


def booking_reschedule(
    *,
    booking: Booking,
    start: datetime.datetime,
    now: datetime.datetime | None = None,
    notify: bool = True,
    by_visitor: bool = False,
) -> Booking:
    """Move a request or confirmed booking to another free time; older links stop working.

    A visitor may do so only before the cancellation window, as for cancelling. A confirmed
    session she moves becomes a request again, and her helper is told that something waits.
    """
    now = now or timezone.now()
    offer = Offer.objects.select_related("helper", "conversation_type").get(
        helper_id=booking.helper_id, conversation_type_id=booking.conversation_type_id
    )
    try:
        with transaction.atomic():
            current = _locked_booking(booking)
            if current.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
                raise BookingRefused(_("Deze afspraak kan niet meer worden verzet."))
            if by_visitor and now >= cancellation_deadline(current):
                raise BookingRefused(
                    _(
                        "Zo kort van tevoren kun je hier niet meer verzetten. Neem contact op "
                        "met je hulpverlener."
                    )
                )
            _expire_stale_holds(current.helper_id, now)
            minutes = current.duration_minutes
            rules = _check_free(offer, start, now=now, minutes=minutes, exclude=current.pk)
            current.starts_at = start
            current.ends_at = start + rules.duration
            current.blocked_from, current.blocked_until = availability.blocked_range(start, rules)
            current.token_version += 1
            moved_confirmed = by_visitor and current.status == BookingStatus.CONFIRMED
            if moved_confirmed:
                current.status = BookingStatus.REQUESTED
            current.save()
            if notify:
                email_queue(kind="booking_rescheduled", booking=current)
            if moved_confirmed:
                _notify_helper(current, kind="helper_new_request")
            if current.status == BookingStatus.CONFIRMED:
                _queue_reminder(current)
            return current
    except (SlotTaken, IntegrityError) as error:
        raise _taken(offer, start, now=now, exclude=booking.pk) from error


def booking_propose(
    *,
    booking: Booking,
    start: datetime.datetime,
    message: str = "",
    now: datetime.datetime | None = None,
) -> Booking:
    """Helper: move a request to another free time and say so; it stays a request until she
    confirms, so the visitor can still choose another time or cancel with her link."""
    with transaction.atomic():
        # Checked under the lock: a request confirmed meanwhile is not moved.
        if _locked_booking(booking).status != BookingStatus.REQUESTED:
            raise BookingRefused(_("Alleen voor een aanvraag kun je een andere tijd voorstellen."))
        current = booking_reschedule(booking=booking, start=start, now=now, notify=False)
        current.helper_message = message
        current.save(update_fields=["helper_message"])
        email_queue(kind="booking_proposed", booking=current)
    return current


OUTCOMES = (BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


def booking_record_outcome(
    *, booking: Booking, outcome: str, now: datetime.datetime | None = None
) -> Booking:
    """Helper: after a confirmed session has begun, note that it took place or that nobody
    came."""
    now = now or timezone.now()
    if outcome not in OUTCOMES:
        raise ValueError(f"not an outcome: {outcome}")
    with transaction.atomic():
        current = _locked_booking(booking)
        if current.status != BookingStatus.CONFIRMED or current.starts_at > now:
            raise BookingRefused(_("Dit kan pas als een bevestigd gesprek is begonnen."))
        current.status = outcome
        current.save(update_fields=["status"])
    return current


def booking_extend(*, booking: Booking, now: datetime.datetime | None = None) -> Booking:
    """60 → 90 minutes by mutual agreement, only if the time after it is still free."""
    now = now or timezone.now()
    offer = Offer.objects.select_related("helper", "conversation_type").get(
        helper_id=booking.helper_id, conversation_type_id=booking.conversation_type_id
    )
    longer = offer.conversation_type.extended_minutes
    if not longer:
        raise BookingRefused(_("Dit soort gesprek kan niet langer duren."))
    try:
        with transaction.atomic():
            current = _locked_booking(booking)
            if current.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
                raise BookingRefused(_("Deze afspraak kan niet meer worden verlengd."))
            if current.duration_minutes >= longer:
                return current
            # Notice does not apply to lengthening an existing booking, only the free time does.
            rules = slot_rules(offer, minutes=longer)
            blocked = availability.blocked_range(current.starts_at, rules)
            if _busy(current.helper, *blocked, exclude=current.pk):
                raise SlotTaken([])
            current.ends_at = current.starts_at + rules.duration
            current.blocked_from, current.blocked_until = blocked
            current.save()
            return current
    except (SlotTaken, IntegrityError) as error:
        raise BookingRefused(_("De tijd na dit gesprek is niet meer vrij.")) from error


# -- retention ----------------------------------------------------------------------------------

ERASED_FIELDS = (*INTAKE_FIELDS, "helper_message")


def bookings_to_erase(now: datetime.datetime | None = None):
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.INTAKE_RETENTION_DAYS)
    return Booking.objects.filter(ends_at__lt=cutoff, erased_at__isnull=True)


def booking_erase_intake(*, booking: Booking, now: datetime.datetime) -> None:
    """Clear a booking's intake and contact details (the caller saves): the booking itself,
    its time and status, stays for the helper's calendar."""
    for field in ERASED_FIELDS:
        setattr(booking, field, Booking._meta.get_field(field).get_default())
    booking.consent_at = None
    booking.erased_at = now


def signups_to_erase(now: datetime.datetime | None = None):
    """Sign-ups cancelled more than the retention period ago, and those of groups whose last
    meeting ended that long ago."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.INTAKE_RETENTION_DAYS)
    return Signup.objects.annotate(group_end=Max("group__meetings__ends_at")).filter(
        Q(status=SignupStatus.CANCELLED, changed_at__lt=cutoff) | Q(group_end__lt=cutoff)
    )


def abandoned_holds(now: datetime.datetime | None = None):
    """Holds never submitted whose ten minutes ended more than an hour ago, still holding
    answers: erased by the purge, which runs every half hour."""
    cutoff = (now or timezone.now()) - ABANDONED_HOLD_GRACE
    return Booking.objects.filter(
        status__in=[BookingStatus.HELD, BookingStatus.EXPIRED],
        hold_expires_at__lt=cutoff,
        erased_at__isnull=True,
    )


ABANDONED_HOLD_GRACE = datetime.timedelta(minutes=20)


def retention_purge(*, now: datetime.datetime | None = None) -> int:
    """Erase intakes and contact details of sessions that ended more than the retention period
    ago. The booking itself stays, so the helper's calendar stays consistent."""
    now = now or timezone.now()
    erased = 0
    with transaction.atomic():
        for booking in bookings_to_erase(now).select_for_update():
            booking_erase_intake(booking=booking, now=now)
            booking.save()
            PartnerIntake.objects.filter(booking=booking).delete()
            erased += 1
        for booking in abandoned_holds(now).select_for_update():
            # Typed but never sent: nothing of it is kept.
            booking_erase_intake(booking=booking, now=now)
            booking.status = BookingStatus.EXPIRED
            booking.save()
            erased += 1
        expired_signups = list(signups_to_erase(now).values_list("pk", flat=True))
        for signup in Signup.objects.select_for_update().filter(pk__in=expired_signups):
            if signup.status == SignupStatus.CONFIRMED:
                _free_seat(signup.group_id)
            signup.delete()
            erased += 1
        if erased:
            logger.info("Retention: erased %d intake(s), hold(s) and sign-up(s)", erased)
    return erased


# -- the partner's own intake -------------------------------------------------------------------

PARTNER_ACTIVE = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


def partner_invite(*, booking: Booking, email: str = "") -> PartnerIntake:
    """Open the partner's intake; with an address, also e-mail the partner the private link."""
    with transaction.atomic():
        current = _locked_booking(booking)
        if current.status not in PARTNER_ACTIVE or not current.conversation_type.both_partners:
            raise BookingRefused(_("Voor deze afspraak kun je je partner niet uitnodigen."))
        intake, created = PartnerIntake.objects.get_or_create(booking=current)
        if intake.submitted_at is not None:
            raise BookingRefused(_("Je partner heeft de vragen al ingevuld."))
        if not created:
            # A new invitation replaces the previous one: its link stops working, and whoever
            # opened it loses the claim and what was typed under it.
            for field in INTAKE_FIELDS:
                setattr(intake, field, PartnerIntake._meta.get_field(field).get_default())
            intake.consent_at = None
            intake.claim_key = ""
            intake.invite_email = ""
            intake.invited_at = timezone.now()
            intake.token_version += 1
            intake.save()
        if email:
            intake.invite_email = email.strip()
            intake.invited_at = timezone.now()
            intake.save(update_fields=["invite_email", "invited_at"])
            email_queue(kind="partner_invite", partner=intake)
    return intake


def partner_token(intake: PartnerIntake) -> str:
    return signing.dumps([intake.pk, intake.token_version], salt=PARTNER_TOKEN_SALT)


def partner_url(intake: PartnerIntake) -> str:
    return reverse("support:partner_start", kwargs={"token": partner_token(intake)})


def partner_from_token(token: str, *, now: datetime.datetime | None = None) -> PartnerIntake | None:
    """The partner intake of a private link; None for a tampered, stale or expired link."""
    now = now or timezone.now()
    try:
        pk, version = signing.loads(token, salt=PARTNER_TOKEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    intake = (
        PartnerIntake.objects.select_related("booking__helper", "booking__conversation_type")
        .filter(pk=pk, booking__status__in=PARTNER_ACTIVE)
        .first()
    )
    if intake is None or intake.token_version != version or intake.booking.starts_at <= now:
        return None
    return intake


def partner_claim(*, intake: PartnerIntake, claim_key: str) -> bool:
    """The first browser that starts the intake owns it; others never see its answers."""
    with transaction.atomic():
        current = PartnerIntake.objects.select_for_update().get(pk=intake.pk)
        if current.submitted_at is not None:
            return False
        if not current.claim_key:
            current.claim_key = claim_key
            current.save(update_fields=["claim_key"])
        intake.claim_key = current.claim_key
        return current.claim_key == claim_key


def partner_save_intake(
    *, intake: PartnerIntake, claim_key: str, answers: dict[str, object]
) -> None:
    with transaction.atomic():
        current = PartnerIntake.objects.select_for_update().get(pk=intake.pk)
        if current.claim_key != claim_key or current.submitted_at is not None:
            raise BookingRefused(_("Deze vragen kun je hier niet meer invullen."))
        _apply_answers(current, answers, mirror=intake)


def partner_submit(*, intake: PartnerIntake, claim_key: str) -> PartnerIntake:
    with transaction.atomic():
        current = PartnerIntake.objects.select_for_update().get(pk=intake.pk)
        if current.submitted_at is not None:
            return current
        if current.claim_key != claim_key:
            raise BookingRefused(_("Deze vragen kun je hier niet meer invullen."))
        if current.consent_at is None or not (current.name and current.email):
            raise BookingRefused(_("Vul eerst alle stappen in."))
        current.submitted_at = timezone.now()
        current.save(update_fields=["submitted_at"])
        _notify_helper(current.booking, kind="helper_partner_intake")
    return current


# -- the helper's availability ------------------------------------------------------------------


def availability_rule_add(
    *, helper: Helper, weekday: int, start: datetime.time, end: datetime.time
) -> AvailabilityRule:
    if end <= start:
        raise BookingRefused(_("De eindtijd moet na de begintijd liggen."))
    return AvailabilityRule.objects.create(helper=helper, weekday=weekday, start=start, end=end)


def availability_rule_remove(*, helper: Helper, rule_id: int) -> bool:
    deleted, _rows = AvailabilityRule.objects.filter(helper=helper, pk=rule_id).delete()
    return bool(deleted)


def availability_exception_add(
    *,
    helper: Helper,
    date: datetime.date,
    start: datetime.time | None = None,
    end: datetime.time | None = None,
) -> AvailabilityException:
    """Replace the weekly times on one date; without times she is not available that day."""
    if (start is None) != (end is None):
        raise BookingRefused(_("Vul een begintijd en een eindtijd in, of geen van beide."))
    if start is not None and end <= start:
        raise BookingRefused(_("De eindtijd moet na de begintijd liggen."))
    return AvailabilityException.objects.create(helper=helper, date=date, start=start, end=end)


def availability_exception_remove(*, helper: Helper, exception_id: int) -> bool:
    deleted, _rows = AvailabilityException.objects.filter(helper=helper, pk=exception_id).delete()
    return bool(deleted)
