"""Booking a conversation: every write, with its invariants and its e-mail."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import pagecache
from support.booking import availability, limits, modes

# Re-exported for callers that know only the services.
from support.booking.emails import email_booker, queue_reminder
from support.booking.errors import BookingRefused as BookingRefused
from support.booking.errors import SlotTaken as SlotTaken
from support.booking.errors import TooManyHolds as TooManyHolds
from support.booking.selectors import (
    busy,
    cancellation_deadline,
    held_booking,
    nearest_first_free_times,
    nearest_free_times,
    offer_for,
    schedule,
    sessions_in_week,
    slot_rules,
)
from support.models import (
    INTAKE_FIELDS,
    UNSUBMITTED_STATUSES,
    Booking,
    BookingMessage,
    BookingStatus,
    Helper,
    IntakeAnswers,
    Offer,
    PartnerIntake,
)
from support.outbox import email_queue

# -- booking a conversation ---------------------------------------------------------------------
#
# Every write goes through one locked, re-checking transaction: the helper's row is locked
# (PostgreSQL) or the whole database is (SQLite's IMMEDIATE transactions), every rule is checked
# again against what is in the database now, and on PostgreSQL an exclusion constraint refuses
# overlapping blocked ranges even if this code were wrong.


HOLD_DURATION = datetime.timedelta(minutes=10)


# Live holds one client address may have at once (a couple deciding between two times, and
# one more); beyond it a client could take a helper's whole week off the calendar.
MAX_LIVE_HOLDS_PER_CLIENT = 3


def lock_helper(helper_id: int) -> Helper:
    # On SQLite the IMMEDIATE transaction already holds the database's write lock.
    return Helper.objects.select_for_update().get(pk=helper_id)


def _expire_stale_holds(helper_id: int, now: datetime.datetime) -> None:
    expired = (
        Booking.objects.filter(helper_id=helper_id)
        .stale_holds(now)
        .update(status=BookingStatus.EXPIRED)
    )
    if expired:  # update() sends no signal; nothing expired, no page to empty
        pagecache.bump(pagecache.AVAILABILITY, key=helper_id)


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
    helper_rules, exceptions = schedule(offer.helper)
    free = availability.is_free(
        start,
        zone=offer.helper.zone,
        rules=helper_rules,
        exceptions=exceptions,
        busy=busy(offer.helper, *blocked, exclude=exclude),
        slot_rules=rules,
        now=now,
    )
    if not free:
        raise SlotTaken([])
    # Under the same lock as the overlaps: her limits per local day and week.
    if refusal := limits.limit_refusal(offer.helper, start, exclude=exclude, now=now):
        raise SlotTaken([], reason=refusal)
    return rules


def _taken(
    offer: Offer,
    start: datetime.datetime,
    *,
    now: datetime.datetime | None = None,
    exclude: int | None = None,
    reason: str = "",
) -> SlotTaken:
    """ "Just taken", with the free times nearest to the one she wanted."""
    return SlotTaken(
        nearest_free_times(offer, after=start, now=now, exclude=exclude), reason=reason
    )


def _reason(error: Exception) -> str:
    return error.reason if isinstance(error, SlotTaken) else ""


def _release_and_cap(hold_key: str, client: str, now: datetime.datetime) -> None:
    """Under the lock: let go of this visitor's previous hold, and refuse a client that holds
    too many times already."""
    # One time at a time: choosing another time lets go of the previous one (update() sends no
    # signal: the change is counted for the helpers whose time is free again).
    previous = Booking.objects.filter(hold_key=hold_key, status=BookingStatus.HELD)
    for helper_id in set(previous.values_list("helper_id", flat=True)):
        if previous.filter(helper_id=helper_id).update(status=BookingStatus.EXPIRED):
            pagecache.bump(pagecache.AVAILABILITY, key=helper_id)
    if (
        client
        and Booking.objects.filter(hold_client=client).live_holds(now).count()
        >= MAX_LIVE_HOLDS_PER_CLIENT
    ):
        raise TooManyHolds


def _create_hold(
    offer: Offer,
    start: datetime.datetime,
    rules: availability.SlotRules,
    *,
    hold_key: str,
    client: str,
    now: datetime.datetime,
) -> Booking:
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
        mode=modes.default_mode(offer),
        language=_visitor_language(),
    )


def _visitor_language() -> str:
    """The language she books in: her e-mails and calendar file are in it (support/outbox.py)."""
    return translation.get_language() or settings.LANGUAGE_CODE


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
            lock_helper(offer.helper_id)
            _expire_stale_holds(offer.helper_id, now)
            _release_and_cap(hold_key, client, now)
            rules = _check_free(offer, start, now=now)
            return _create_hold(offer, start, rules, hold_key=hold_key, client=client, now=now)
    except (SlotTaken, IntegrityError) as error:
        raise _taken(offer, start, now=now, reason=_reason(error)) from error


def booking_hold_first_free(
    *,
    offers: Sequence[Offer],
    start: datetime.datetime,
    hold_key: str,
    client: str = "",
    now: datetime.datetime | None = None,
) -> Booking:
    """ "Eerst beschikbare hulpverlener": keep a time with one of these helpers (offers of one
    conversation type) for ten minutes, as `booking_hold` does.

    Of the helpers free at `start` under their own settings, schedules and limits, the time
    goes to the one with the fewest requested and confirmed sessions in her week of `start`;
    on a tie to the one with the lowest id. Every helper is locked first, always in the order
    of their ids, so two such holds (or one and a single helper's hold) never wait on each
    other in a circle; her free time is then checked under her lock, as for one helper.
    """
    now = now or timezone.now()
    offers = sorted(offers, key=lambda offer: offer.helper_id)
    if not offers:
        raise SlotTaken([])
    try:
        with transaction.atomic():
            for offer in offers:
                lock_helper(offer.helper_id)
            for offer in offers:
                _expire_stale_holds(offer.helper_id, now)
            _release_and_cap(hold_key, client, now)
            # Read afresh under the locks (the caller's copies may carry an older schedule).
            current = Offer.objects.select_related("helper", "conversation_type").filter(
                pk__in=[offer.pk for offer in offers]
            )
            free: list[tuple[Offer, availability.SlotRules]] = []
            reasons: set[str] = set()
            for offer in current.order_by("helper_id"):
                try:
                    free.append((offer, _check_free(offer, start, now=now)))
                except SlotTaken as taken:
                    reasons.add(taken.reason)
            if not free:
                # A reason only when it holds for every helper (all of them full that day).
                raise SlotTaken([], reason=reasons.pop() if len(reasons) == 1 else "")
            offer, rules = min(
                free, key=lambda pair: (sessions_in_week(pair[0].helper, start), pair[0].helper_id)
            )
            return _create_hold(offer, start, rules, hold_key=hold_key, client=client, now=now)
    except (SlotTaken, IntegrityError) as error:
        raise SlotTaken(
            nearest_first_free_times(offers, after=start, now=now), reason=_reason(error)
        ) from error


def booking_extend_hold(
    *, booking: Booking, hold_key: str, now: datetime.datetime | None = None
) -> Booking:
    """Keep her time another HOLD_DURATION, once, while the hold still runs (WCAG 2.2.1)."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_helper(booking.helper_id)
        current = held_booking(booking.pk, hold_key)
        if (
            current is None
            or current.status != BookingStatus.HELD
            or current.hold_expires_at is None
            or current.hold_expires_at <= now
        ):
            raise BookingRefused(_("Je tijd wordt niet meer vastgehouden. Kies hem opnieuw."))
        if current.hold_extended:
            raise BookingRefused(_("Je kunt je tijd maar één keer langer vasthouden."))
        current.hold_expires_at = now + HOLD_DURATION
        current.hold_extended = True
        current.save(update_fields=["hold_expires_at", "hold_extended"])
    booking.hold_expires_at, booking.hold_extended = current.hold_expires_at, True
    return current


def apply_answers(
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
        current.language = booking.language = _visitor_language()
        apply_answers(current, answers, mirror=booking)


def booking_switch_type(*, booking: Booking, hold_key: str, offer: Offer) -> Booking:
    """Move a held booking to another conversation type of the same helper (same time)."""
    now = timezone.now()
    with transaction.atomic():
        lock_helper(offer.helper_id)
        current = held_booking(booking.pk, hold_key)
        if current is None or offer.helper_id != current.helper_id:
            raise BookingRefused(_("Deze aanvraag bestaat niet meer. Begin opnieuw."))
        rules = _check_free(offer, current.starts_at, now=now, exclude=current.pk)
        current.conversation_type_id = offer.conversation_type_id
        if current.mode not in offer.offered_modes:
            current.mode = modes.default_mode(offer)  # else she chooses again
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
    offer = offer_for(booking)
    try:
        with transaction.atomic():
            lock_helper(booking.helper_id)
            current = Booking.objects.select_for_update().get(pk=booking.pk)
            if current.hold_key != hold_key:
                raise BookingRefused(_("Deze aanvraag bestaat niet meer. Begin opnieuw."))
            if current.is_open:
                return current
            if current.status not in UNSUBMITTED_STATUSES:
                raise BookingRefused(_("Deze aanvraag bestaat niet meer. Begin opnieuw."))
            if current.consent_at is None or not (current.name and current.email):
                raise BookingRefused(_("Vul eerst alle stappen in."))
            if refusal := modes.mode_refusal(current, offer):
                raise BookingRefused(refusal)
            _expire_stale_holds(current.helper_id, now)
            expires = current.hold_expires_at
            if current.status == BookingStatus.EXPIRED or expires is None or expires <= now:
                # The ten minutes are over (a hold without an end holds nothing, as in
                # `live_holds`): the time is hers only if nobody took it meanwhile.
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
            email_booker(kind="booking_received", booking=current)
            notify_helper(current, kind="helper_new_request")
            return current
    except (SlotTaken, IntegrityError) as error:
        taken = _taken(offer, booking.starts_at, now=now, reason=_reason(error))
        if not taken.reason:  # she held it: say that someone else took it meanwhile
            taken.message = _("Het spijt ons: je tijd is intussen door iemand anders gekozen.")
        raise taken from error


def notify_helper(booking: Booking, *, kind: str) -> None:
    """Tell the helper there is something to read, if she has an account to read it with."""
    if Helper.objects.filter(pk=booking.helper_id, user__isnull=False).exists():
        email_queue(kind=kind, booking=booking)


def locked_booking(booking: Booking) -> Booking:
    lock_helper(booking.helper_id)
    return (
        Booking.objects.select_related("conversation_type").select_for_update().get(pk=booking.pk)
    )


def booking_cancel(
    *, booking: Booking, by_visitor: bool, now: datetime.datetime | None = None
) -> Booking:
    """Cancel. A visitor may do so only before the cancellation window; the helper always."""
    now = now or timezone.now()
    with transaction.atomic():
        current = locked_booking(booking)
        if not current.is_open:
            raise BookingRefused(_("Deze afspraak kan niet meer worden geannuleerd."))
        if by_visitor and now >= cancellation_deadline(current):
            raise BookingRefused(
                _(
                    "Zo kort van tevoren kun je hier niet meer annuleren. Stuur je hulpverlener "
                    "een bericht op de pagina van je afspraak."
                )
            )
        current.status = BookingStatus.CANCELLED
        current.token_version += 1
        current.save(update_fields=["status", "token_version"])
        email_booker(kind="booking_cancelled", booking=current)
    return current


def check_visitor_may_move(booking: Booking, now: datetime.datetime | None = None) -> None:
    """A visitor moves her booking herself only before the free-cancellation window."""
    if not booking.is_open:
        raise BookingRefused(_("Deze afspraak kan niet meer worden verzet."))
    if (now or timezone.now()) >= cancellation_deadline(booking):
        raise BookingRefused(
            _(
                "Zo kort van tevoren kun je hier niet meer verzetten. Stuur je hulpverlener een "
                "bericht op de pagina van je afspraak."
            )
        )


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
    offer = offer_for(booking)
    try:
        with transaction.atomic():
            current = locked_booking(booking)
            if not current.is_open:
                raise BookingRefused(_("Deze afspraak kan niet meer worden verzet."))
            if by_visitor:
                check_visitor_may_move(current, now)
            _expire_stale_holds(current.helper_id, now)
            minutes = current.duration_minutes
            rules = _check_free(offer, start, now=now, minutes=minutes, exclude=current.pk)
            current.starts_at = start
            current.ends_at = start + rules.duration
            current.blocked_from, current.blocked_until = availability.blocked_range(start, rules)
            current.token_version += 1
            # A new time inside her hours: a conflict she accepted for the old one is gone.
            current.outside_hours_ok = False
            moved_confirmed = by_visitor and current.status == BookingStatus.CONFIRMED
            if moved_confirmed:
                current.status = BookingStatus.REQUESTED
            current.save()
            if notify:
                email_booker(kind="booking_rescheduled", booking=current)
            if by_visitor:
                # Her helper, and a partner invited by e-mail, learn the new time.
                notify_helper(current, kind="helper_booking_moved")
                partner = PartnerIntake.objects.filter(booking=current).exclude(invite_email="")
                intake = partner.first()
                # One who asked for every change has her copy already (support/booking/emails.py).
                if intake is not None and not (intake.wants_updates and intake.email):
                    email_queue(kind="partner_rescheduled", partner=intake)
            if current.status == BookingStatus.CONFIRMED:
                queue_reminder(current)
            return current
    except (SlotTaken, IntegrityError) as error:
        raise _taken(offer, start, now=now, exclude=booking.pk, reason=_reason(error)) from error


def booking_message_helper(*, booking: Booking, text: str) -> BookingMessage:
    """A short message from the visitor to her helper, kept encrypted and shown on the helper's
    page of the booking; she is told by an e-mail that does not hold it."""
    text = text.strip()
    if not text:
        raise BookingRefused(_("Schrijf een bericht aan je hulpverlener."))
    with transaction.atomic():
        current = locked_booking(booking)
        if not current.is_open:
            raise BookingRefused(_("Bij deze afspraak kun je geen bericht meer sturen."))
        message = BookingMessage.objects.create(
            booking=current, text=text[: BookingMessage.MAX_LENGTH]
        )
        notify_helper(current, kind="helper_new_message")
    return message


# -- the helper's availability ------------------------------------------------------------------
