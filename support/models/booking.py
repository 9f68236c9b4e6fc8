"""Booking a conversation: what a helper offers, when she is free, and the bookings."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from support.fields import EncryptedTextField
from support.models.directory import Helper, SessionMode, validate_session_modes
from support.models.intake import IntakeAnswers


def in_page_language(dutch: str, english: str) -> str:
    """An editor's text in the page's language: the English one on English pages when she
    wrote it; else the Dutch one (translated when it is one of our own defaults)."""
    if get_language() != "en":
        return dutch
    # gettext("") would give the catalogue's header.
    return english or (gettext(dutch) if dutch else "")


class ConversationTypeQuerySet(models.QuerySet):
    def active(self) -> ConversationTypeQuerySet:
        return self.filter(active=True)


class ConversationType(models.Model):
    name = models.CharField(_("naam"), max_length=100)
    slug = models.SlugField(_("korte naam in de URL"), unique=True)
    description = models.TextField(_("omschrijving"), blank=True)
    both_partners = models.BooleanField(_("met beide partners"), default=False)
    duration_minutes = models.PositiveIntegerField(_("duur (minuten)"), default=60)
    extended_minutes = models.PositiveIntegerField(
        _("langere duur in overleg (minuten)"), null=True, blank=True
    )
    buffer_before_minutes = models.PositiveIntegerField(_("vrije tijd ervoor (minuten)"), default=0)
    buffer_after_minutes = models.PositiveIntegerField(_("vrije tijd erna (minuten)"), default=15)
    slot_step_minutes = models.PositiveIntegerField(_("starttijden om de (minuten)"), default=30)
    min_notice_hours = models.PositiveIntegerField(_("minimaal vooraf (uren)"), default=24)
    horizon_days = models.PositiveIntegerField(_("maximaal vooruit (dagen)"), default=56)
    cancellation_window_hours = models.PositiveIntegerField(
        _("kosteloos annuleren tot (uren vooraf)"), default=48
    )
    # The bounds within which a helper sets her own booking rules (support/booking/helper/).
    notice_floor_hours = models.PositiveIntegerField(
        _("minimaal vooraf: laagste keuze van een hulpverlener (uren)"), default=0
    )
    horizon_ceiling_days = models.PositiveIntegerField(
        _("maximaal vooruit: hoogste keuze van een hulpverlener (dagen)"), default=365
    )
    buffer_ceiling_minutes = models.PositiveIntegerField(
        _("vrije tijd ervoor of erna: hoogste keuze van een hulpverlener (minuten)"), default=120
    )
    step_floor_minutes = models.PositiveIntegerField(
        _("starttijden: kleinste stap van een hulpverlener (minuten)"), default=15
    )
    price = models.CharField(_("prijs"), max_length=100, blank=True)
    insurance_note = models.CharField(
        _("vergoeding"),
        max_length=200,
        default=_("Meestal niet vergoed door de zorgverzekering."),
    )
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    active = models.BooleanField(_("actief"), default=True)
    # The same texts for English pages (issue 27); empty: the Dutch text is shown.
    name_en = models.CharField(_("naam in het Engels"), max_length=100, blank=True)
    description_en = models.TextField(_("omschrijving in het Engels"), blank=True)
    price_en = models.CharField(_("prijs in het Engels"), max_length=100, blank=True)
    insurance_note_en = models.CharField(_("vergoeding in het Engels"), max_length=200, blank=True)

    objects = ConversationTypeQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("soort gesprek")
        verbose_name_plural = _("soorten gesprekken")

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str:
        return in_page_language(self.name, self.name_en)

    @property
    def shown_description(self) -> str:
        return in_page_language(self.description, self.description_en)

    @property
    def shown_insurance_note(self) -> str:
        return in_page_language(str(self.insurance_note), self.insurance_note_en)


class Offer(models.Model):
    """A conversation type a helper offers, with her own settings where she wants them."""

    helper = models.ForeignKey(Helper, on_delete=models.CASCADE, related_name="offers")
    conversation_type = models.ForeignKey(ConversationType, on_delete=models.CASCADE)
    duration_minutes = models.PositiveIntegerField(_("eigen duur"), null=True, blank=True)
    buffer_before_minutes = models.PositiveIntegerField(
        _("eigen tijd ervoor"), null=True, blank=True
    )
    buffer_after_minutes = models.PositiveIntegerField(_("eigen tijd erna"), null=True, blank=True)
    min_notice_hours = models.PositiveIntegerField(_("eigen minimum vooraf"), null=True, blank=True)
    horizon_days = models.PositiveIntegerField(_("eigen maximum vooruit"), null=True, blank=True)
    slot_step_minutes = models.PositiveIntegerField(
        _("eigen stap tussen starttijden"), null=True, blank=True
    )
    cancellation_window_hours = models.PositiveIntegerField(
        _("eigen annuleringstermijn"), null=True, blank=True
    )
    price = models.CharField(_("eigen prijs"), max_length=100, blank=True)
    price_en = models.CharField(_("eigen prijs in het Engels"), max_length=100, blank=True)
    # Empty: the helper's own modes. Else only these, for this conversation type.
    session_modes = models.CharField(
        _("eigen manieren van gesprekken"),
        max_length=40,
        blank=True,
        validators=[validate_session_modes],
        help_text=_("Leeg: zoals bij de hulpverlener. Met komma's: praktijk, video, telefoon."),
    )

    class Meta:
        verbose_name = _("aanbod")
        verbose_name_plural = _("aanbod")
        constraints = [
            models.UniqueConstraint(
                fields=["helper", "conversation_type"], name="one_offer_per_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.helper} – {self.conversation_type}"

    def setting(self, name: str) -> int:
        own = getattr(self, name)
        return own if own is not None else getattr(self.conversation_type, name)

    @property
    def shown_price(self) -> str:
        if self.price:
            return in_page_language(self.price, self.price_en)
        kind = self.conversation_type
        return in_page_language(kind.price, kind.price_en)

    @property
    def offered_modes(self) -> list[str]:
        """What a visitor may choose: the offer's own modes, else its helper's; a helper who set
        none is met at her practice, as before modes existed."""
        return (
            parse_modes(self.session_modes)
            or parse_modes(self.helper.session_modes)
            or [SessionMode.PRACTICE.value]
        )

    @property
    def mode_labels(self) -> list[str]:
        return [str(SessionMode(mode).label) for mode in self.offered_modes]


def parse_modes(value: str) -> list[str]:
    """The modes in a stored comma-separated value, known ones only, in SessionMode's order."""
    chosen = set(value.split(","))
    return [mode for mode in SessionMode.values if mode in chosen]


class AvailabilityRule(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("maandag")
        TUESDAY = 1, _("dinsdag")
        WEDNESDAY = 2, _("woensdag")
        THURSDAY = 3, _("donderdag")
        FRIDAY = 4, _("vrijdag")
        SATURDAY = 5, _("zaterdag")
        SUNDAY = 6, _("zondag")

    helper = models.ForeignKey(Helper, on_delete=models.CASCADE, related_name="availability")
    weekday = models.IntegerField(_("dag"), choices=Weekday.choices)
    start = models.TimeField(_("van"))
    end = models.TimeField(_("tot"))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("vaste beschikbaarheid")
        verbose_name_plural = _("vaste beschikbaarheid")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="rule_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class AvailabilityException(models.Model):
    """Replaces the weekly rules on one local date. Without times: not available that day."""

    helper = models.ForeignKey(Helper, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("datum"))
    start = models.TimeField(_("van"), null=True, blank=True)
    end = models.TimeField(_("tot"), null=True, blank=True)

    class Meta:
        ordering = ["date", "start"]
        verbose_name = _("uitzondering")
        verbose_name_plural = _("uitzonderingen")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True, end__isnull=True)
                | Q(start__isnull=False, end__isnull=False, end__gt=F("start")),
                name="exception_times_complete",
            )
        ]

    def __str__(self) -> str:
        if self.start is None:
            return f"{self.date}: {_('niet beschikbaar')}"
        return f"{self.date} {self.start:%H:%M}-{self.end:%H:%M}"


class BookingStatus(models.TextChoices):
    HELD = "vastgehouden", _("Vastgehouden")
    REQUESTED = "aangevraagd", _("Aangevraagd")
    CONFIRMED = "bevestigd", _("Bevestigd")
    DECLINED = "afgewezen", _("Afgewezen")
    CANCELLED = "geannuleerd", _("Geannuleerd")
    EXPIRED = "verlopen", _("Verlopen")
    COMPLETED = "afgerond", _("Afgerond")
    NO_SHOW = "niet-gekomen", _("Niet gekomen")


# The status groups, each defined once.
# Sent to the helper and still to come: the private link works, the visitor may move or cancel
# it, and her partner may fill in an intake.
OPEN_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
# Still the visitor's own while she fills in the intake (an expired hold may still be sent).
UNSUBMITTED_STATUSES = (BookingStatus.HELD, BookingStatus.EXPIRED)
# What the helper may note after a confirmed session began.
OUTCOME_STATUSES = (BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
# What the helper's calendar shows.
ON_CALENDAR_STATUSES = (*OPEN_STATUSES, *OUTCOME_STATUSES)
# Everything ever sent to a helper: a person's own records (Mijn afspraken, export, erasure).
SUBMITTED_STATUSES = (*ON_CALENDAR_STATUSES, BookingStatus.DECLINED, BookingStatus.CANCELLED)


class BookingQuerySet(models.QuerySet["Booking"]):
    def blocking(self, now: datetime.datetime | None = None) -> BookingQuerySet:
        """Bookings that keep their time from others: live holds, requests and confirmed ones."""
        return self.filter(Q(status__in=OPEN_STATUSES) | _live_hold(now))

    def live_holds(self, now: datetime.datetime | None = None) -> BookingQuerySet:
        return self.filter(_live_hold(now))

    def stale_holds(self, now: datetime.datetime) -> BookingQuerySet:
        """Holds whose ten minutes are over but that are not marked expired yet."""
        return self.filter(status=BookingStatus.HELD, hold_expires_at__lte=now)

    def open(self) -> BookingQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def submitted(self) -> BookingQuerySet:
        return self.filter(status__in=SUBMITTED_STATUSES)

    def unsubmitted(self) -> BookingQuerySet:
        return self.filter(status__in=UNSUBMITTED_STATUSES)

    def on_calendar(self, start: datetime.datetime, end: datetime.datetime) -> BookingQuerySet:
        """What the helper's calendar shows between two moments."""
        return self.filter(status__in=ON_CALENDAR_STATUSES, starts_at__lt=end, ends_at__gt=start)

    def with_partner_intake(self) -> BookingQuerySet:
        """Annotated with `has_partner_intake`: whether the partner submitted her intake."""
        return self.annotate(
            has_partner_intake=models.Exists(
                PartnerIntake.objects.filter(
                    booking=models.OuterRef("pk"), submitted_at__isnull=False
                )
            )
        )

    def past_retention(self, now: datetime.datetime | None = None) -> BookingQuerySet:
        """Sessions that ended more than the retention period ago, intake not yet erased."""
        return self.filter(ends_at__lt=retention_cutoff(now), erased_at__isnull=True)

    def abandoned_holds(self, now: datetime.datetime | None = None) -> BookingQuerySet:
        """Holds never submitted whose ten minutes ended more than ABANDONED_HOLD_GRACE ago,
        still holding answers: erased by the purge, which runs every half hour."""
        return self.unsubmitted().filter(
            hold_expires_at__lt=(now or timezone.now()) - ABANDONED_HOLD_GRACE,
            erased_at__isnull=True,
        )


ABANDONED_HOLD_GRACE = datetime.timedelta(minutes=20)


def _live_hold(now: datetime.datetime | None) -> Q:
    return Q(status=BookingStatus.HELD, hold_expires_at__gt=now or timezone.now())


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.INTAKE_RETENTION_DAYS)


class Booking(IntakeAnswers):
    helper = models.ForeignKey(Helper, on_delete=models.PROTECT, related_name="bookings")
    conversation_type = models.ForeignKey(ConversationType, on_delete=models.PROTECT)
    status = models.CharField(_("status"), max_length=15, choices=BookingStatus.choices)
    starts_at = models.DateTimeField(_("begint"))
    ends_at = models.DateTimeField(_("eindigt"))
    blocked_from = models.DateTimeField(_("geblokkeerd vanaf"))
    blocked_until = models.DateTimeField(_("geblokkeerd tot"))
    hold_key = models.CharField(max_length=64, db_index=True)
    # A keyed hash of the holding client's address, for the cap on live holds; cleared on submit.
    hold_client = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    hold_expires_at = models.DateTimeField(_("vastgehouden tot"), null=True, blank=True)
    # She may keep her time longer once, before the hold lapses (WCAG 2.2.1).
    hold_extended = models.BooleanField(default=False, editable=False)
    token_version = models.PositiveIntegerField(default=1)
    # Changes a calendar must take over that keep the private link (a new video link): with
    # token_version, the .ics SEQUENCE (support/booking/calendar.py).
    calendar_changes = models.PositiveIntegerField(default=0)
    helper_message = EncryptedTextField(_("bericht van de hulpverlener"), blank=True)
    # Where and how (support/booking/modes.py): chosen by the visitor among what is offered.
    mode = models.CharField(_("manier"), max_length=10, choices=SessionMode.choices, blank=True)
    # A link for this session only, given by the helper when she confirms (else her own link).
    video_link = EncryptedTextField(_("videolink voor dit gesprek"), blank=True)
    # Another way of meeting the helper proposed; nothing changes until the visitor accepts.
    proposed_mode = models.CharField(
        _("voorgestelde manier"), max_length=10, choices=SessionMode.choices, blank=True
    )
    # The helper knows this booking lies outside her hours and keeps it (no conflict mark).
    outside_hours_ok = models.BooleanField(_("buiten de tijden, bewust"), default=False)
    # The language she booked in: her e-mails and calendar file are in it (support/outbox.py).
    language = models.CharField(_("taal"), max_length=8, default="nl")
    created_at = models.DateTimeField(_("gemaakt op"), default=timezone.now)
    requested_at = models.DateTimeField(_("aangevraagd op"), null=True, blank=True)
    erased_at = models.DateTimeField(_("intake gewist op"), null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("afspraak")
        verbose_name_plural = _("afspraken")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_has_length"
            ),
            models.CheckConstraint(
                condition=Q(blocked_from__lte=F("starts_at"), blocked_until__gte=F("ends_at")),
                name="booking_blocks_its_own_time",
            ),
        ]
        indexes = [models.Index(fields=["helper", "blocked_from", "blocked_until"])]

    def __str__(self) -> str:
        return f"{self.helper} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def hold_running(self) -> bool:
        """Whether her time is still kept for her (until `hold_expires_at`)."""
        return (
            self.status == BookingStatus.HELD
            and self.hold_expires_at is not None
            and self.hold_expires_at > timezone.now()
        )

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def erase_after(self) -> datetime.datetime:
        """When the intake and contact details of this booking are erased."""
        return self.ends_at + datetime.timedelta(days=settings.INTAKE_RETENTION_DAYS)


class BookingMessage(models.Model):
    """A short message from the visitor to her helper, from the private page (for a change the
    visitor may no longer make herself). Encrypted like the intake, erased with it."""

    MAX_LENGTH = 1000

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="messages")
    text = EncryptedTextField(_("bericht"))
    sent_at = models.DateTimeField(_("verstuurd op"), default=timezone.now)

    class Meta:
        ordering = ["sent_at"]
        verbose_name = _("bericht aan de hulpverlener")
        verbose_name_plural = _("berichten aan de hulpverlener")

    def __str__(self) -> str:
        return f"{_('Bericht')} – {self.booking}"


class PartnerIntake(IntakeAnswers):
    """The invited partner's own intake for a booking: seen by the helper only.

    The booker never sees it, and the partner never sees the booker's. While it is being filled
    in, it belongs to the browser session that started it (`claim_key`), so a shared link does
    not show the answers to anyone else.
    """

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="partner_intake")
    invite_email = EncryptedTextField(_("uitgenodigd op e-mailadres"), blank=True)
    invite_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    invited_at = models.DateTimeField(_("uitgenodigd op"), default=timezone.now)
    # A short note from the booker, shown in the invitation.
    invite_note = EncryptedTextField(_("bericht bij de uitnodiging"), blank=True)
    # She chose, on her first step, to get the confirmation and any change too (at `email`).
    wants_updates = models.BooleanField(_("wil bevestiging en wijzigingen"), default=False)
    # The language she answered in: her e-mails are in it (support/outbox.py).
    language = models.CharField(_("taal"), max_length=8, default="nl")
    claim_key = models.CharField(max_length=64, blank=True)
    token_version = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(_("ingevuld op"), null=True, blank=True)
    erased_at = models.DateTimeField(_("intake gewist op"), null=True, blank=True)

    DIGESTS = {"email": "email_digest", "invite_email": "invite_digest"}

    class Meta:
        verbose_name = _("intake van de partner")
        verbose_name_plural = _("intakes van partners")

    def __str__(self) -> str:
        return f"{_('Partner')} – {self.booking}"
