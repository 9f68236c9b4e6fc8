"""Sign-ups for peer groups: every write with its invariants and its e-mail.

Double opt-in: a new sign-up is pending and holds nothing until the link e-mailed to its
address is opened and confirmed (`signup_prove`); only then does it take a seat or a place on
the waiting list. A pending sign-up lapses after SIGNUP_PROOF_HOURS and is purged; it frees
nothing, as it held nothing. So invented addresses cannot fill a group.

Seats are guarded by the database: a seat is taken with one conditional UPDATE
(`seats_taken < capacity`), backed by a check constraint, so concurrent sign-ups can never
overfill a group on SQLite (IMMEDIATE transactions) or PostgreSQL (row locks).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation

from portal import pagecache
from support.fields import email_digest
from support.models import SIGNUP_PROOF_HOURS, OutgoingEmail, PeerGroup, Signup, SignupStatus
from support.outbox import email_queue


class GroupClosed(Exception):
    """The group takes no sign-ups."""


@dataclass(frozen=True)
class SignupResult:
    signup: Signup
    created: bool  # False when this address already had a place


def _take_seat(group_id: int) -> bool:
    taken = PeerGroup.objects.filter(
        pk=group_id, is_open=True, seats_taken__lt=F("capacity")
    ).update(seats_taken=F("seats_taken") + 1)
    if taken:
        pagecache.bump(pagecache.DIRECTORY)  # bulk updates send no save signal
    return bool(taken)


def free_seat(group_id: int) -> None:
    if PeerGroup.objects.filter(pk=group_id, seats_taken__gt=0).update(
        seats_taken=F("seats_taken") - 1
    ):
        pagecache.bump(pagecache.DIRECTORY)


def group_signup(
    *,
    group: PeerGroup,
    name: str,
    email: str,
    phone: str = "",
    message: str = "",
) -> SignupResult:
    """Take a sign-up, pending until its address is proved: its link goes by e-mail.

    The same address gets one place per group: a second sign-up returns the first (proved or
    still pending), and its link goes again by e-mail to that address only, at most once a day
    (whoever typed the address may not be its owner, so the caller shows the same answer
    either way).
    """
    if not group.is_open:
        raise GroupClosed
    email = email.strip()
    with transaction.atomic():
        # One sign-up of a group at a time: a pending one has no unique index to guard it.
        PeerGroup.objects.select_for_update().filter(pk=group.pk).first()
        existing = _active_signup(group.pk, email) or _pending_signup(group.pk, email)
        if existing is not None:
            kind = "signup_reminder" if existing.is_active else "signup_received"
            _email_at_most_daily(kind, existing)
            return SignupResult(existing, created=False)
        signup = Signup.objects.create(
            group=group,
            name=name.strip(),
            email=email,
            phone=phone.strip(),
            message=message.strip(),
            status=SignupStatus.PENDING,
            consent_at=timezone.now(),
            # Her e-mails, whoever's action sends them, are in the language she signed up in.
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        email_queue(kind="signup_received", signup=signup)
    return SignupResult(signup, created=True)


def signup_prove(*, signup: Signup) -> Signup | None:
    """Its link was opened and confirmed: the sign-up takes a seat, or a place on the waiting
    list. Returns the address's place in the group (this one, or one proved before it), or
    None when the sign-up lapsed or was cancelled."""
    try:
        with transaction.atomic():
            current = Signup.objects.select_for_update().get(pk=signup.pk)
            if current.status != SignupStatus.PENDING:
                return current if current.is_active else None
            if current.proof_deadline <= timezone.now():
                return None
            existing = _active_signup(current.group_id, current.email)
            if existing is not None:  # proved through another link first
                current.status = SignupStatus.CANCELLED
                current.save(update_fields=["status", "changed_at"])
                return existing
            seated = _take_seat(current.group_id)
            current.status = SignupStatus.CONFIRMED if seated else SignupStatus.WAITING
            current.save(update_fields=["status", "changed_at"])
    except IntegrityError:
        # A concurrent proof for the same address won; its place stands, ours rolled back.
        return _active_signup(signup.group_id, signup.email)
    return current


def _email_at_most_daily(kind: str, signup: Signup) -> None:
    """Someone filled in the form again with this address: its link again, once a day at most,
    so the form cannot be used to flood an inbox. (Under the group's lock: one at a time.)"""
    since = timezone.now() - datetime.timedelta(days=1)
    if not OutgoingEmail.objects.filter(kind=kind, signup=signup, created_at__gte=since).exists():
        email_queue(kind=kind, signup=signup)


def _pending_signup(group_id: int, email: str) -> Signup | None:
    cutoff = timezone.now() - datetime.timedelta(hours=SIGNUP_PROOF_HOURS)
    return (
        Signup.objects.filter(
            group_id=group_id,
            email_digest=email_digest(email),
            status=SignupStatus.PENDING,
            created_at__gte=cutoff,
        )
        .order_by("-created_at")
        .first()
    )


def _active_signup(group_id: int, email: str) -> Signup | None:
    return (
        Signup.objects.active()
        .filter(group_id=group_id, email_digest=email_digest(email))
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
            free_seat(current.group_id)
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
        free_seat(current.group_id)
    return True
