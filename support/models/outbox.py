"""The e-mail outbox (support/outbox.py sends what is queued here)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from support.fields import EncryptedTextField
from support.models.booking import Booking
from support.models.groups import Signup


class EmailStatus(models.TextChoices):
    PENDING = "wachtend", _("Wacht op verzending")
    SENT = "verstuurd", _("Verstuurd")
    FAILED = "mislukt", _("Mislukt")
    SKIPPED = "vervallen", _("Vervallen")


class OutgoingEmail(models.Model):
    """One e-mail to send, kept until it is sent or has failed for good.

    Holds no address or text: both are made from the booking, sign-up or staff account when it
    is sent (a login code's address and code, and a staff invitation's link, are `sealed` until
    then). The Message-ID is fixed when the
    e-mail is queued, and a row is sent at most once.
    """

    kind = models.CharField(_("soort"), max_length=40)
    language = models.CharField(_("taal"), max_length=8, default="nl")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, null=True, blank=True)
    signup = models.ForeignKey(Signup, on_delete=models.CASCADE, null=True, blank=True)
    partner = models.ForeignKey("PartnerIntake", on_delete=models.CASCADE, null=True, blank=True)
    # A staff member's own e-mail (an invitation): to her account's address.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("pogingen"), default=0)
    send_after = models.DateTimeField(_("versturen vanaf"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("volgende poging"), null=True, blank=True)
    last_error = models.CharField(_("laatste fout"), max_length=200, blank=True)
    # Only for a login code (the address it goes to and the code) and a staff invitation (its
    # link): encrypted, and emptied as soon as the e-mail is sent or has failed.
    sealed = EncryptedTextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    sent_at = models.DateTimeField(_("verstuurd op"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        constraints = [
            models.CheckConstraint(
                condition=Q(booking__isnull=False)
                | Q(signup__isnull=False)
                | Q(partner__isnull=False)
                | Q(user__isnull=False),
                name="email_is_about_something",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.get_status_display()})"
