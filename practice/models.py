"""The helper's side: the access log of intakes and personal data, and the staff roles."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """The access log is only ever added to."""


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise AppendOnly("access log entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("access log entries cannot be deleted")


class AccessAction(models.TextChoices):
    LOOK_UP = "persoon-opgezocht", _("Persoon opgezocht")
    VIEW_INTAKE = "intake-bekeken", _("Intake bekeken")
    VIEW_PARTNER_INTAKE = "partnerintake-bekeken", _("Intake van de partner bekeken")
    EXPORT = "export", _("Gegevens van een persoon geëxporteerd")
    ERASE = "gewist", _("Gegevens van een persoon gewist")
    SECOND_FACTOR_RESET_ASKED = "tweede-stap-uit-gevraagd", _("Uitzetten tweede stap gevraagd")
    SECOND_FACTOR_RESET = "tweede-stap-uitgezet", _("Tweede stap uitgezet")
    CALENDAR_LINK_RENEWED = "agendalink-vernieuwd", _("Agendalink vernieuwd")


class AccessLogEntry(models.Model):
    """Who opened which intake or personal record, when, and from which session.

    In the spirit of NEN 7513: never the content, only the fact of access. Rows are inserted
    and never changed or deleted: the model and its queryset refuse to, the admin offers no way
    to, and database triggers (migration 0002) refuse it below the application too.
    """

    at = models.DateTimeField(_("tijdstip"), default=timezone.now, db_index=True)
    # No foreign key constraint: the entry outlives the account, and deleting an account must
    # not change a row of the log.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("medewerker"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    user_email = models.CharField(_("e-mailadres medewerker"), max_length=254)
    action = models.CharField(_("handeling"), max_length=30, choices=AccessAction.choices)
    # Which record: "booking 12", "account 7" (a staff account's second factor), or for a person
    # the keyed hash of the address (never the address itself, which must be gone after an
    # erasure).
    record = models.CharField(_("gegeven"), max_length=120)
    # A hash of the session key: tells sessions apart without letting a reader take one over.
    session = models.CharField(_("sessie"), max_length=16)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("toegang tot gegevens")
        verbose_name_plural = _("toegangslog")
        default_permissions = ("view",)
        permissions = [
            (
                "handle_personal_data",
                _("Mag alle gegevens van een persoon inzien, exporteren en wissen"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_email} {self.get_action_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnly("access log entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnly("access log entries cannot be deleted")


class StaffMember(User):
    """Staff accounts in the admin: invited, never signed up (practice/admin.py)."""

    class Meta:
        proxy = True
        verbose_name = _("medewerker")
        verbose_name_plural = _("medewerkers")
