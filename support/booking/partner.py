"""The invited partner's own intake: invitation, claim, answers, submission."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from support.booking.services import BookingRefused, apply_answers, locked_booking, notify_helper
from support.fields import own_field
from support.models import INTAKE_FIELDS, Booking, BookingStatus, PartnerIntake
from support.outbox import email_queue

# What only the partner's own intake stores, besides the answers both partners give.
PARTNER_ANSWERS = ("wants_updates",)


def masked_address(email: str) -> str:
    """An address as the booker's page shows it: enough to recognise, not to read it out
    ("l***@example.nl")."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else ""


def partner_invite(*, booking: Booking, email: str = "", note: str = "") -> PartnerIntake:
    """Open the partner's intake; with an address, also e-mail the partner the private link
    (with the booker's first name and her `note`)."""
    with transaction.atomic():
        current = locked_booking(booking)
        if not current.is_open or not current.conversation_type.both_partners:
            raise BookingRefused(_("Voor deze afspraak kun je je partner niet uitnodigen."))
        intake, created = PartnerIntake.objects.get_or_create(booking=current)
        if intake.submitted_at is not None:
            raise BookingRefused(_("Je partner heeft de vragen al ingevuld."))
        if not created:
            # A new invitation replaces the previous one: its link stops working, and whoever
            # opened it loses the claim and what was typed under it.
            for field in (*INTAKE_FIELDS, *PARTNER_ANSWERS, "invite_note"):
                setattr(intake, field, own_field(PartnerIntake, field).get_default())
            intake.consent_at = None
            intake.claim_key = ""
            intake.invite_email = ""
            intake.invited_at = timezone.now()
            intake.token_version += 1
            intake.save()
        if email:
            intake.invite_email = email.strip()
            intake.invite_note = note.strip()
            intake.invited_at = timezone.now()
            # Her language is not known yet: the booker's, until she answers in her own.
            intake.language = current.language
            intake.save(update_fields=["invite_email", "invite_note", "invited_at", "language"])
            email_queue(kind="partner_invite", partner=intake)
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
    """Store one step of her answers, in the language she answers in (her e-mails follow it).
    `wants_updates`: she chose to get the confirmation and any change at her own address."""
    answers = dict(answers)
    own = {field: answers.pop(field) for field in PARTNER_ANSWERS if field in answers}
    with transaction.atomic():
        current = PartnerIntake.objects.select_for_update().get(pk=intake.pk)
        if current.claim_key != claim_key or current.submitted_at is not None:
            raise BookingRefused(_("Deze vragen kun je hier niet meer invullen."))
        for field, value in own.items():
            setattr(current, field, value)
            setattr(intake, field, value)
        current.language = intake.language = translation.get_language() or current.language
        apply_answers(current, answers, mirror=intake)


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
        notify_helper(current.booking, kind="helper_partner_intake")
        if current.wants_updates and current.booking.status == BookingStatus.CONFIRMED:
            # Confirmed before she answered: she gets the confirmation now, from then on changes.
            email_queue(kind="partner_booking_confirmed", partner=current)
    return current
