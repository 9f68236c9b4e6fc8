"""Every write with invariants or side effects. Views and the admin call these, never the ORM.

Seats are guarded by the database: a seat is taken with one conditional UPDATE
(`seats_taken < capacity`), backed by a check constraint, so concurrent sign-ups can never
overfill a group on SQLite (IMMEDIATE transactions) or PostgreSQL (row locks).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from support.models import PeerGroup, Signup, SignupStatus

logger = logging.getLogger(__name__)

SIGNUP_TOKEN_SALT = "support.signup"


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
    return bool(
        PeerGroup.objects.filter(pk=group_id, is_open=True, seats_taken__lt=F("capacity")).update(
            seats_taken=F("seats_taken") + 1
        )
    )


def _free_seat(group_id: int) -> None:
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

    The same address gets one place per group: a second sign-up returns the first.
    """
    if not group.is_open:
        raise GroupClosed
    email = email.strip()
    try:
        with transaction.atomic():
            existing = _active_signup(group.pk, email)
            if existing is not None:
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
            _mail_on_commit(signup, "signup_received")
    except IntegrityError:
        # A concurrent sign-up with the same address won; its seat stands, ours rolled back.
        existing = _active_signup(group.pk, email)
        if existing is None:
            raise
        return SignupResult(existing, created=False)
    return SignupResult(signup, created=True)


def _active_signup(group_id: int, email: str) -> Signup | None:
    return (
        Signup.objects.filter(
            group_id=group_id,
            email__iexact=email,
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
    _mail_on_commit(waiting, "signup_promoted")
    return waiting


def signup_confirm(*, signup: Signup) -> bool:
    """Coordinator: give a waiting person a seat, if one is free."""
    with transaction.atomic():
        current = Signup.objects.select_for_update().get(pk=signup.pk)
        if current.status != SignupStatus.WAITING or not _take_seat(current.group_id):
            return False
        current.status = SignupStatus.CONFIRMED
        current.save(update_fields=["status", "changed_at"])
        _mail_on_commit(current, "signup_promoted")
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


def _mail_on_commit(signup: Signup, template: str) -> None:
    signup_id = signup.pk
    language = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: send_signup_mail(signup_id, template, language))


def send_signup_mail(signup_id: int, template: str, language: str = "nl") -> None:
    """Send a discreet e-mail about a sign-up. A mail failure never undoes the sign-up."""
    signup = Signup.objects.select_related("group").get(pk=signup_id)
    with translation.override(language):
        context = {
            "signup": signup,
            "group": signup.group,
            "manage_url": settings.SITE_URL + signup_url(signup),
            "site_name": settings.SITE_NAME,
        }
        subject = render_to_string(f"support/emails/{template}_subject.txt", context)
        body = render_to_string(f"support/emails/{template}.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[signup.email],
    )
    try:
        message.send()
    except Exception:  # the mail server being down must not break a sign-up
        logger.exception("Could not send %s e-mail for sign-up %s", template, signup_id)
