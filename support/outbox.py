"""The e-mail outbox: queue, deliver, retry, and the task that does it, side by side.

Every e-mail is an OutgoingEmail row plus a task, both written in the transaction of the change
that causes them: they commit or roll back with it, so a booking never fails because of e-mail
and no e-mail is sent about a change that did not happen. The worker sends with retries. Task
arguments carry ids only (task rows are stored in plain text); a login code's address and code
travel sealed.

What an e-mail says is written where its job lives: each job registers a composer per kind
(`@composer(kind, ...)`: support/booking/emails.py, support/directory/emails.py, the visitor's
login in support/visitor.py, the staff side in practice/emails.py), and the apps import those
modules when they are ready, in the web server and the worker alike. This module imports no job
(tests/test_architecture.py).
"""

from __future__ import annotations

import datetime
import json
import logging
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from support.fields import fernet
from support.models import Booking, EmailStatus, OutgoingEmail, PartnerIntake, Signup

logger = logging.getLogger(__name__)

EMAIL_RETRY_FIRST = datetime.timedelta(minutes=1)
EMAIL_RETRY_MAX = datetime.timedelta(hours=1)


@dataclass
class Draft:
    """A composed e-mail: its address, its templates (`<template>_subject.txt` and
    `<template>.txt`), what they show, and any files (name, content, type)."""

    to: str
    template: str
    context: dict[str, object]
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


# The row that an e-mail hangs on in, its recipient's language out.
Language = Callable[..., str]


@dataclass(frozen=True)
class Kind:
    compose: Callable[[OutgoingEmail], Draft]
    language: Language | None
    stale: Callable[[OutgoingEmail], bool] | None


_KINDS: dict[str, Kind] = {}


def composer(
    *kinds: str,
    language: Language | None = None,
    stale: Callable[[OutgoingEmail], bool] | None = None,
) -> Callable[[Callable[[OutgoingEmail], Draft]], Callable[[OutgoingEmail], Draft]]:
    """Register the function below as the composer of these kinds of e-mail (called in the
    e-mail's language). `language` picks the recipient's language from the rows the e-mail
    hangs on, if not the one of the row itself (see recipient_language); `stale` says when a
    queued e-mail is no longer due and is skipped (a reminder of a moved booking)."""

    def register(compose: Callable[[OutgoingEmail], Draft]) -> Callable[[OutgoingEmail], Draft]:
        for kind in kinds:
            if kind in _KINDS:
                raise ValueError(f"e-mail kind {kind!r} has a composer already")
            _KINDS[kind] = Kind(compose, language, stale)
        return compose

    return register


def composed_kinds() -> set[str]:
    return set(_KINDS)


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


def recipient_language(
    kind: str,
    *,
    booking: Booking | None = None,
    signup: Signup | None = None,
    partner: PartnerIntake | None = None,
) -> str:
    """Everyone gets her own language, whoever's action sends the e-mail: a visitor the one she
    booked or signed up in, unless her kind's composer says otherwise (the helper the one on her
    profile, staff the portal's, a login code the one of the request that asked for it)."""
    entry = _KINDS.get(kind)
    if entry is not None and entry.language is not None:
        return entry.language(booking=booking, signup=signup, partner=partner)
    if partner is not None:
        return partner.language
    if signup is not None:
        return signup.language
    if booking is not None:
        return booking.language
    return translation.get_language() or settings.LANGUAGE_CODE


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
        stale = _KINDS[email.kind].stale if email.kind in _KINDS else None
        if stale is not None and stale(email):
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


def _message(template: str, context: Mapping[str, object], *, to: str) -> EmailMultiAlternatives:
    subject = render_to_string(f"{template}_subject.txt", context)
    body = render_to_string(f"{template}.txt", context)
    return EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )


def _compose(email: OutgoingEmail) -> EmailMultiAlternatives:
    """The e-mail of a queued row, by its kind's composer, in the row's language."""
    with translation.override(email.language):
        draft = _KINDS[email.kind].compose(email)
        message = _message(
            draft.template, {**draft.context, "site_name": settings.SITE_NAME}, to=draft.to
        )
        message.extra_headers["Message-ID"] = email.message_id
        for attachment in draft.attachments:
            message.attach(*attachment)
    return message


def staff_email_send(*, user: User, kind: str, context: Mapping[str, object]) -> None:
    """E-mail a staff member now, in the portal's language (templates/practice/emails/<kind>).

    Past the outbox on purpose, for the notices that must not wait on it: the one about stuck
    mail (the outbox may be what is stuck) and those about a second factor being reset.
    """
    with translation.override(settings.LANGUAGE_CODE):
        context = {"site_name": settings.SITE_NAME, **context}
        message = _message(f"practice/emails/{kind}", context, to=user.email)
    message.send()


def seal(**values: str) -> str:
    """Encrypt what an e-mail must carry until it is sent (a login code's address and code)."""
    return fernet().encrypt(json.dumps(values).encode()).decode()


def unseal(token: str) -> dict[str, str]:
    values: dict[str, str] = json.loads(fernet().decrypt(token.encode()))  # what seal() took
    return values


@task
def send_email(email_id: int) -> None:
    email_deliver(email_id=email_id)
