"""Sign-ups for peer groups: every write with its invariants and its e-mail.

Seats are guarded by the database: a seat is taken with one conditional UPDATE
(`seats_taken < capacity`), backed by a check constraint, so concurrent sign-ups can never
overfill a group on SQLite (IMMEDIATE transactions) or PostgreSQL (row locks).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from portal import pagecache
from support.fields import email_digest
from support.models import PeerGroup, Signup, SignupStatus
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
