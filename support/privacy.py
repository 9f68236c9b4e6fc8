"""Data-subject rights: everything stored about one e-mail address, to show, export or erase.

Contact details and intake answers are encrypted, so a person's rows are found by the keyed
hash of the address (`email_digest`), never by decrypting every row. The export holds every
stored field of the person's own rows and nothing of anyone else: a booker's export leaves out
the partner's intake, and a partner's export holds only the booking's time and helper.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from portal import pagecache
from support import retention
from support.directory import services as directory_services
from support.fields import email_digest, own_field
from support.models import (
    Booking,
    BookingStatus,
    EmailStatus,
    OutgoingEmail,
    PartnerIntake,
    Signup,
)


@dataclass
class PersonRecords:
    """The rows that hold something of one person."""

    email: str
    bookings: list[Booking] = field(default_factory=list)
    partner_intakes: list[PartnerIntake] = field(default_factory=list)
    signups: list[Signup] = field(default_factory=list)
    accounts: list[User] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.bookings or self.partner_intakes or self.signups or self.accounts)


def person_records(email: str) -> PersonRecords:
    digest = email_digest(email)
    records = PersonRecords(email=email.strip())
    if not digest:
        return records
    records.bookings = list(
        Booking.objects.filter(email_digest=digest)
        .select_related("helper", "conversation_type")
        .order_by("starts_at")
    )
    records.partner_intakes = list(
        PartnerIntake.objects.filter(Q(email_digest=digest) | Q(invite_digest=digest))
        .select_related("booking__helper", "booking__conversation_type")
        .order_by("booking__starts_at")
    )
    records.signups = list(Signup.objects.filter(email_digest=digest).select_related("group"))
    account_ids = EmailAddress.objects.filter(email__iexact=records.email).values("user_id")
    records.accounts = list(
        User.objects.filter(Q(email__iexact=records.email) | Q(pk__in=account_ids))
    )
    return records


# -- export -------------------------------------------------------------------------------------


def _value(instance: models.Model, model_field: models.Field) -> object:
    value = getattr(instance, model_field.attname)
    if model_field.is_relation and value is not None:
        related = getattr(instance, model_field.name)
        return str(related)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def _fields(instance: models.Model, *, leave_out: tuple[str, ...] = ()) -> dict[str, object]:
    return {
        f.name: _value(instance, f)
        for f in instance._meta.concrete_fields
        if f.name not in leave_out
    }


def _booking_reference(booking: Booking) -> dict[str, object]:
    """A booking as seen by the partner: when, with whom, what kind, and its status."""
    return {
        name: _value(booking, own_field(Booking, name))
        for name in ("id", "helper", "conversation_type", "status", "starts_at", "ends_at")
    }


def _emails_about(**filters: object) -> list[dict[str, object]]:
    return [
        _fields(email, leave_out=("booking", "signup", "partner"))
        for email in OutgoingEmail.objects.filter(**filters).order_by("created_at")
    ]


def person_export(records: PersonRecords) -> dict[str, object]:
    """Every stored field of the person's own rows, as plain data (for JSON and HTML)."""
    bookings = []
    for booking in records.bookings:
        row = _fields(booking)
        row["erase_after"] = timezone.localtime(booking.erase_after).isoformat()
        row["emails"] = _emails_about(booking=booking)
        bookings.append(row)
    partner_intakes = []
    for intake in records.partner_intakes:
        row = _fields(intake, leave_out=("booking",))
        row["booking"] = _booking_reference(intake.booking)
        row["emails"] = _emails_about(partner=intake)
        partner_intakes.append(row)
    signups = []
    for signup in records.signups:
        row = _fields(signup)
        row["emails"] = _emails_about(signup=signup)
        signups.append(row)
    accounts = []
    for user in records.accounts:
        row = _fields(user, leave_out=("password",))
        row["email_addresses"] = [
            _fields(address, leave_out=("user",))
            for address in EmailAddress.objects.filter(user=user)
        ]
        row["sessions"] = [
            _fields(session, leave_out=("user", "session_key"))
            for session in UserSession.objects.filter(user=user)
        ]
        accounts.append(row)
    return {
        "email": records.email,
        "exported_at": timezone.localtime().isoformat(),
        "bookings": bookings,
        "partner_intakes": partner_intakes,
        "signups": signups,
        "accounts": accounts,
    }


# -- erasure ------------------------------------------------------------------------------------


class StaffAccount(Exception):
    """Staff accounts are ended in the admin, not erased as a data subject."""


@dataclass(frozen=True)
class Erasure:
    bookings: int
    partner_intakes: int
    signups: int
    accounts: int


def person_erase(records: PersonRecords, *, now: datetime.datetime | None = None) -> Erasure:
    """Erase a person: bookings anonymised (the time stays in the helper's calendar, upcoming
    ones are cancelled), intakes and sign-ups deleted, a visitor account deleted."""
    now = now or timezone.now()
    if any(u.is_staff or u.is_superuser or hasattr(u, "helper") for u in records.accounts):
        raise StaffAccount
    with transaction.atomic():
        pagecache.bump(pagecache.DIRECTORY, pagecache.AVAILABILITY)
        for booking in records.bookings:
            _anonymise_booking(booking, now=now)
        intake_ids = [i.pk for i in records.partner_intakes]
        intake_ids += list(
            PartnerIntake.objects.filter(booking__in=records.bookings).values_list("pk", flat=True)
        )
        _scrub_admin_history(PartnerIntake, intake_ids)
        _count, deleted = PartnerIntake.objects.filter(pk__in=intake_ids).delete()
        for signup in records.signups:  # each seat freed for the waiting list
            directory_services.group_signup_cancel(signup=signup)
        _scrub_admin_history(Signup, [s.pk for s in records.signups])
        Signup.objects.filter(pk__in=[s.pk for s in records.signups]).delete()
        for user in records.accounts:
            for session in UserSession.objects.filter(user=user):
                session.end()
        _scrub_admin_history(User, [u.pk for u in records.accounts])
        User.objects.filter(pk__in=[u.pk for u in records.accounts]).delete()
        _end_sessions_mentioning(records.email)
    return Erasure(
        bookings=len(records.bookings),
        partner_intakes=deleted.get(PartnerIntake._meta.label, 0),
        signups=len(records.signups),
        accounts=len(records.accounts),
    )


def _anonymise_booking(booking: Booking, *, now: datetime.datetime) -> None:
    current = Booking.objects.select_for_update().get(pk=booking.pk)
    retention.booking_erase_intake(booking=current, now=now)
    if (current.is_open or current.status == BookingStatus.HELD) and current.starts_at > now:
        # Nobody can be reached about it any more: the time is given back.
        current.status = BookingStatus.CANCELLED
        current.token_version += 1
    current.save()
    # Without an address these can never be sent.
    OutgoingEmail.objects.filter(booking=current, status=EmailStatus.PENDING).update(
        status=EmailStatus.SKIPPED
    )


def _end_sessions_mentioning(email: str) -> None:
    """End the sessions that log in as this address, or wait for its code: they hold its
    digest (support/visitor.py), and older ones may hold the address itself.

    Database sessions are searched; sessions in a cache (Redis) cannot be, and end by
    themselves after SESSION_COOKIE_AGE.
    """
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    needles = [needle for needle in (email.strip().lower(), email_digest(email)) if needle]
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        decoded = json.dumps(session.get_decoded(), default=str).lower()
        if any(needle in decoded for needle in needles):
            session.delete()


def _scrub_admin_history(model: type[models.Model], pks: list[int]) -> None:
    # The admin's history names what it changed ("Saskia (Plaats)"): keep the fact, not the name.
    if pks:
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in pks],
        ).update(object_repr="—", change_message="")
