"""Peer groups, their meetings and the sign-ups for a place in one (double opt-in)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from support.fields import EncryptedTextField, email_digest
from support.models.directory import Entry, Organisation


class GroupFor(models.TextChoices):
    BETRAYED_WOMEN = "bedrogen-vrouwen", _("bedrogen vrouwen")
    BETRAYED_MEN = "bedrogen-mannen", _("bedrogen mannen")
    BETRAYED_PARTNERS = "bedrogen-partners", _("bedrogen partners")
    PARTNERS_WHO_BETRAYED = "partners-die-bedrogen", _("partners die bedrogen")
    COUPLES = "stellen", _("stellen")
    MEN = "mannen", _("mannengroep")


class PeerGroup(Entry):
    organiser = models.ForeignKey(
        Organisation,
        verbose_name=_("organisator"),
        on_delete=models.PROTECT,
        related_name="groups",
    )
    group_for = models.CharField(_("groep voor"), max_length=30, choices=GroupFor.choices)
    city = models.CharField(_("plaats"), max_length=80, blank=True)
    schedule = models.CharField(
        _("wanneer"), max_length=120, help_text=_("Bijvoorbeeld: elke tweede dinsdag 19.30-21.30")
    )
    start_date = models.DateField(_("startdatum"))
    capacity = models.PositiveIntegerField(_("aantal plaatsen"))
    seats_taken = models.PositiveIntegerField(_("bezette plaatsen"), default=0, editable=False)
    is_open = models.BooleanField(_("open voor aanmelding"), default=True)

    class Meta:
        verbose_name = _("lotgenotengroep")
        verbose_name_plural = _("lotgenotengroepen")
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="peer_group_not_overbooked"
            )
        ]

    @property
    def open_seats(self) -> int:
        return max(0, self.capacity - self.seats_taken)

    @property
    def is_full(self) -> bool:
        return self.seats_taken >= self.capacity


class MeetingQuerySet(models.QuerySet):
    def upcoming(self) -> MeetingQuerySet:
        return self.filter(ends_at__gte=timezone.now()).order_by("starts_at")


class Meeting(models.Model):
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("begint"))
    ends_at = models.DateTimeField(_("eindigt"))

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("bijeenkomst")
        verbose_name_plural = _("bijeenkomsten")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class SignupStatus(models.TextChoices):
    # Double opt-in: a sign-up holds nothing until its e-mailed link is opened and confirmed.
    PENDING = "onbevestigd", _("Adres nog niet bevestigd")
    CONFIRMED = "bevestigd", _("Plaats")
    WAITING = "wachtlijst", _("Wachtlijst")
    CANCELLED = "geannuleerd", _("Geannuleerd")


# How long a sign-up may wait for its address to be proved; then it lapses (and is purged).
SIGNUP_PROOF_HOURS = 24

# A place that counts: a seat or one on the waiting list.
ACTIVE_SIGNUP_STATUSES = [SignupStatus.CONFIRMED, SignupStatus.WAITING]
ACTIVE_SIGNUP = Q(status__in=ACTIVE_SIGNUP_STATUSES)


class SignupQuerySet(models.QuerySet["Signup"]):
    def active(self) -> SignupQuerySet:
        return self.filter(ACTIVE_SIGNUP)

    def proved(self) -> SignupQuerySet:
        """What a coordinator sees: sign-ups whose address was proved."""
        return self.exclude(status=SignupStatus.PENDING)

    def lapsed(self, now: datetime.datetime | None = None) -> SignupQuerySet:
        """Sign-ups whose address was not proved in time: they held nothing."""
        cutoff = (now or timezone.now()) - datetime.timedelta(hours=SIGNUP_PROOF_HOURS)
        return self.filter(status=SignupStatus.PENDING, created_at__lt=cutoff)

    def past_retention(self, now: datetime.datetime | None = None) -> SignupQuerySet:
        """Sign-ups cancelled more than the retention period ago, those of groups whose last
        meeting ended that long ago, and lapsed ones."""
        cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.INTAKE_RETENTION_DAYS)
        lapsed = self.lapsed(now).values("pk")
        return self.annotate(group_end=models.Max("group__meetings__ends_at")).filter(
            Q(status=SignupStatus.CANCELLED, changed_at__lt=cutoff)
            | Q(group_end__lt=cutoff)
            | Q(pk__in=lapsed)
        )


class Signup(models.Model):
    """A place in a peer group. Contact details and message are encrypted at rest, like an
    intake; the keyed digest of the address finds a person's places and keeps one place per
    address per group."""

    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="signups")
    name = EncryptedTextField(_("naam of schuilnaam"))
    email = EncryptedTextField(_("e-mailadres"))
    phone = EncryptedTextField(_("telefoon"), blank=True)
    message = EncryptedTextField(_("bericht"), blank=True)
    email_digest = models.CharField(max_length=64, db_index=True, editable=False, default="")
    status = models.CharField(_("status"), max_length=12, choices=SignupStatus.choices)
    # The language she signed up in: her e-mails are in it (support/outbox.py).
    language = models.CharField(_("taal"), max_length=8, default="nl")
    consent_at = models.DateTimeField(_("toestemming gegeven op"))
    created_at = models.DateTimeField(_("aangemeld op"), default=timezone.now, db_index=True)
    changed_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    objects = SignupQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("aanmelding")
        verbose_name_plural = _("aanmeldingen")
        constraints = [
            # One active place (seat or waiting list) per address per group.
            models.UniqueConstraint(
                fields=["group", "email_digest"],
                condition=ACTIVE_SIGNUP,
                name="one_signup_per_address_digest",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"

    def save(self, *args, **kwargs) -> None:
        self.email_digest = email_digest(self.email or "")
        if (update_fields := kwargs.get("update_fields")) is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_digest"}
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_SIGNUP_STATUSES

    @property
    def proof_deadline(self) -> datetime.datetime:
        return self.created_at + datetime.timedelta(hours=SIGNUP_PROOF_HOURS)

    @property
    def erase_after(self) -> datetime.datetime | None:
        """When the retention purge erases this sign-up: the retention period after it was
        cancelled, or after the group's last meeting. None while the group has no meetings."""
        retention = datetime.timedelta(days=settings.INTAKE_RETENTION_DAYS)
        if self.status == SignupStatus.CANCELLED:
            return self.changed_at + retention
        last = self.group.meetings.aggregate(last=models.Max("ends_at"))["last"]
        return last + retention if last is not None else None
