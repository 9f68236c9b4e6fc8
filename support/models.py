"""The support directory: organisations, helpers, forums and peer groups, and group sign-ups.

Every kind of entry shares one table (`Entry`) so the overview filters and counts all kinds in a
single query; the details of each kind live in a child table (multi-table inheritance).
"""

from __future__ import annotations

import datetime
import re
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from support.fields import EncryptedTextField, email_digest

PROVINCES = [
    ("drenthe", "Drenthe"),
    ("flevoland", "Flevoland"),
    ("friesland", "Friesland"),
    ("gelderland", "Gelderland"),
    ("groningen", "Groningen"),
    ("limburg", "Limburg"),
    ("noord-brabant", "Noord-Brabant"),
    ("noord-holland", "Noord-Holland"),
    ("overijssel", "Overijssel"),
    ("utrecht", "Utrecht"),
    ("zeeland", "Zeeland"),
    ("zuid-holland", "Zuid-Holland"),
]
PROVINCE_NAMES = dict(PROVINCES)


class Kind(models.TextChoices):
    PEER_GROUP = "groep", _("Lotgenotengroep")
    FORUM = "forum", _("Forum")
    HELPER = "hulpverlener", _("Hulpverlener")
    ORGANISATION = "organisatie", _("Organisatie")
    GROUP_PROVIDER = "groepsaanbieder", _("Aanbieder van groepen")
    PRACTICE = "praktijk", _("Praktijk")
    MEDICAL = "medisch", _("Medische hulp")
    CRISIS_LINE = "hulplijn", _("Hulplijn")


ORGANISATION_KINDS = [
    Kind.ORGANISATION,
    Kind.GROUP_PROVIDER,
    Kind.PRACTICE,
    Kind.MEDICAL,
    Kind.CRISIS_LINE,
]


class Cost(models.TextChoices):
    FREE = "gratis", _("Gratis")
    OWN = "eigen", _("Eigen kosten")
    INSURED = "vergoed", _("Vergoed door de zorgverzekering")
    # For real organisations whose costs no stored source states: never guess "free".
    UNKNOWN = "onbekend", _("Kosten: vraag het na")


# Words that say what the portal is about (Dutch and English). A name used in e-mails may not
# hold them: a mail client shows the first lines of an e-mail, often where others can see.
TOPIC_WORDS = re.compile(
    r"betray|verraa?d|bedr[oe]g|infidel|unfaithful|ontrouw|vreemd ?g[ai]|affaire|affair|cheat"
    r"|adulter|addict|verslav|verslaaf|porn|sex|seks|therap|couple|\bkoppels?\b|\bstel(len)?\b"
    r"|\bpeers?\b|lotgeno|herstel|recover|partner|trauma|relatie|relationship|huwelijk|marriage"
    r"|hulpverlen|counsel|coach|psycholo|groep voor|group for",
    re.IGNORECASE,
)


def validate_discreet(value: str) -> None:
    found = TOPIC_WORDS.search(value)
    if found:
        raise ValidationError(
            _(
                "‘%(word)s’ zegt waar het over gaat. Kies een naam die dat niet doet, zoals "
                "‘Groep op dinsdag’ of alleen een voornaam."
            ),
            params={"word": found.group(0)},
        )


class EntryQuerySet(models.QuerySet):
    def active(self) -> EntryQuerySet:
        return self.filter(active=True)

    def for_audience(self, audience: str) -> EntryQuerySet:
        field = AUDIENCE_FIELDS[audience]
        return self.filter(**{field: True})

    def in_province(self, province: str) -> EntryQuerySet:
        # Provinces are stored as ",utrecht,zeeland," so one LIKE finds a whole name.
        return self.filter(provinces__contains=f",{province},")


class Entry(models.Model):
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices, db_index=True)
    name = models.CharField(_("naam"), max_length=150)
    email_name = models.CharField(
        _("naam in e-mails"),
        max_length=60,
        blank=True,
        validators=[validate_discreet],
        help_text=_(
            "E-mails noemen deze naam in plaats van de naam hierboven. Mensen lezen het begin "
            "van een e-mail soms op een scherm dat anderen zien. Kies dus een naam die niets "
            "zegt over waar het over gaat, zoals ‘Groep op dinsdag’ of alleen een voornaam. "
            "Leeg: de e-mails noemen geen naam."
        ),
    )
    slug = models.SlugField(_("korte naam in de URL"), max_length=160, unique=True)
    summary = models.CharField(_("korte omschrijving"), max_length=300)
    description = models.TextField(_("omschrijving"), blank=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=40, blank=True)
    for_betrayed_partner = models.BooleanField(_("voor bedrogen partners"), default=False)
    for_partner_who_betrayed = models.BooleanField(_("voor partners die bedrogen"), default=False)
    for_couples = models.BooleanField(_("voor stellen"), default=False)
    for_men = models.BooleanField(
        _("ook voor mannen"),
        default=False,
        help_text=_("Alleen aanzetten als de organisatie zelf zegt dat mannen er terecht kunnen."),
    )
    online = models.BooleanField(_("online"), default=False)
    provinces = models.CharField(
        _("provincies"),
        max_length=200,
        blank=True,
        help_text=_("Door komma's omgeven, bijvoorbeeld ,utrecht,zeeland, (leeg: geen)."),
    )
    faith_based = models.BooleanField(_("vanuit een geloof"), default=False)
    cost = models.CharField(_("kosten"), max_length=10, choices=Cost.choices, default=Cost.FREE)
    price = models.CharField(_("prijs"), max_length=100, blank=True)
    is_example = models.BooleanField(
        _("voorbeeld"), default=False, help_text=_("Verzonnen gegevens voor de demo.")
    )
    last_checked = models.DateField(_("gecontroleerd op"))
    sources = models.TextField(
        _("bronnen"),
        blank=True,
        help_text=_(
            "Voor de redactie, niet op de site: per feit de openbare bron (adres) en de datum "
            "waarop je die vond."
        ),
    )
    active = models.BooleanField(_("actief"), default=True)
    changed_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("vermelding")
        verbose_name_plural = _("vermeldingen")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("support:entry", kwargs={"slug": self.slug})

    @property
    def province_names(self) -> list[str]:
        return [PROVINCE_NAMES[p] for p in self.provinces.strip(",").split(",") if p]

    @property
    def audience_labels(self) -> list[str]:
        return [label for field, label in AUDIENCE_LABELS.items() if getattr(self, field)]

    def set_provinces(self, provinces: list[str]) -> None:
        self.provinces = f",{','.join(provinces)}," if provinces else ""


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Onbekende tijdzone: %(zone)s"), params={"zone": value})


AUDIENCE_FIELDS = {
    "bedrogen-partner": "for_betrayed_partner",
    "partner-die-bedroog": "for_partner_who_betrayed",
    "stel": "for_couples",
}
AUDIENCE_LABELS = {
    "for_betrayed_partner": _("bedrogen partners"),
    "for_partner_who_betrayed": _("partners die bedrogen"),
    "for_couples": _("stellen"),
}


class Organisation(Entry):
    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")


class Forum(Entry):
    who_for = models.CharField(_("voor wie"), max_length=200)
    moderated = models.BooleanField(_("gemodereerd"), default=True)

    class Meta:
        verbose_name = _("forum")
        verbose_name_plural = _("forums")


class Helper(Entry):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="helper",
        help_text=_("Het account waarmee deze hulpverlener haar afspraken en intakes ziet."),
    )
    practice = models.ForeignKey(
        Organisation,
        verbose_name=_("praktijk of organisatie"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="helpers",
    )
    profession = models.CharField(_("beroep"), max_length=120)
    approach = models.TextField(_("werkwijze"), blank=True)
    betrayal_trauma_model = models.BooleanField(_("werkt met het traumamodel"), default=False)
    sex_addiction_experience = models.BooleanField(
        _("ervaring met partners van mensen met een seksverslaving"), default=False
    )
    languages = models.CharField(_("talen"), max_length=120, default="Nederlands")
    in_person = models.BooleanField(_("gesprekken op locatie"), default=True)
    takes_bookings = models.BooleanField(_("neemt afspraken aan via deze site"), default=False)
    time_zone = models.CharField(
        _("tijdzone"),
        max_length=50,
        default="Europe/Amsterdam",
        validators=[validate_time_zone],
    )

    class Meta:
        verbose_name = _("hulpverlener")
        verbose_name_plural = _("hulpverleners")

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


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

    objects = EntryQuerySet.as_manager()

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
    CONFIRMED = "bevestigd", _("Plaats")
    WAITING = "wachtlijst", _("Wachtlijst")
    CANCELLED = "geannuleerd", _("Geannuleerd")


ACTIVE_SIGNUP = Q(status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITING])


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
    consent_at = models.DateTimeField(_("toestemming gegeven op"))
    created_at = models.DateTimeField(_("aangemeld op"), default=timezone.now, db_index=True)
    changed_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

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
        return self.status in (SignupStatus.CONFIRMED, SignupStatus.WAITING)

    @property
    def erase_after(self) -> datetime.datetime | None:
        """When the retention purge erases this sign-up: the retention period after it was
        cancelled, or after the group's last meeting. None while the group has no meetings."""
        retention = datetime.timedelta(days=settings.INTAKE_RETENTION_DAYS)
        if self.status == SignupStatus.CANCELLED:
            return self.changed_at + retention
        last = self.group.meetings.aggregate(last=models.Max("ends_at"))["last"]
        return last + retention if last is not None else None


# --------------------------------------------------------------------------------------------
# Booking a conversation
# --------------------------------------------------------------------------------------------


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
    price = models.CharField(_("prijs"), max_length=100, blank=True)
    insurance_note = models.CharField(
        _("vergoeding"),
        max_length=200,
        default=_("Meestal niet vergoed door de zorgverzekering."),
    )
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    active = models.BooleanField(_("actief"), default=True)

    objects = ConversationTypeQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("soort gesprek")
        verbose_name_plural = _("soorten gesprekken")

    def __str__(self) -> str:
        return self.name


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
    cancellation_window_hours = models.PositiveIntegerField(
        _("eigen annuleringstermijn"), null=True, blank=True
    )
    price = models.CharField(_("eigen prijs"), max_length=100, blank=True)

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
        return self.price or self.conversation_type.price


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


BLOCKING_STATUSES = [BookingStatus.HELD, BookingStatus.REQUESTED, BookingStatus.CONFIRMED]


class BookingQuerySet(models.QuerySet):
    def blocking(self) -> BookingQuerySet:
        """Bookings that keep their time from others: live holds, requests and confirmed ones."""
        now = timezone.now()
        return self.filter(
            Q(status__in=[BookingStatus.REQUESTED, BookingStatus.CONFIRMED])
            | Q(status=BookingStatus.HELD, hold_expires_at__gt=now)
        )

    def upcoming(self) -> BookingQuerySet:
        return self.filter(starts_at__gte=timezone.now()).order_by("starts_at")


class ContactPreference(models.TextChoices):
    EMAIL_ONLY = "alleen-email", _("Alleen per e-mail")
    MAY_CALL = "bellen", _("Je mag me bellen")
    VOICEMAIL = "voicemail", _("Je mag bellen en inspreken")


class Role(models.TextChoices):
    BETRAYED = "bedrogen-partner", _("Ik ben bedrogen")
    BETRAYER = "partner-die-bedroog", _("Ik heb mijn partner bedrogen")


class Disclosure(models.TextChoices):
    TOLD = "verteld", _("Mijn partner vertelde het zelf (of ik vertelde het)")
    DISCOVERED = "ontdekt", _("Het werd ontdekt")
    UNKNOWN = "weet-niet", _("Dat weet ik niet / wil ik liever niet zeggen")


class YesNoUnsure(models.TextChoices):
    YES = "ja", _("Ja")
    NO = "nee", _("Nee")
    UNSURE = "weet-niet", _("Weet ik niet")


class IntakeAnswers(models.Model):
    """What a partner tells the helper before the first session, and how to reach them.

    Answers and contact details are encrypted at rest (support/fields.py). Lengths are checked
    by the forms; the columns hold the longer Fernet tokens.
    """

    name = EncryptedTextField(_("naam of schuilnaam"), blank=True)
    email = EncryptedTextField(_("e-mailadres"), blank=True)
    phone = EncryptedTextField(_("telefoon"), blank=True)
    contact_preference = EncryptedTextField(
        _("contact"), choices=ContactPreference.choices, blank=True
    )
    role = EncryptedTextField(_("rol"), choices=Role.choices, blank=True)
    what_happened = EncryptedTextField(_("wat er gebeurde"), blank=True)
    disclosure = EncryptedTextField(_("hoe het uitkwam"), choices=Disclosure.choices, blank=True)
    disclosure_when = EncryptedTextField(_("wanneer"), blank=True)
    partner_knows = EncryptedTextField(
        _("partner weet van de afspraak"), choices=YesNoUnsure.choices, blank=True
    )
    partner_joins = EncryptedTextField(
        _("partner komt mee"), choices=YesNoUnsure.choices, blank=True
    )
    hopes = EncryptedTextField(_("waar je op hoopt"), blank=True)
    wants_longer = models.BooleanField(_("wil graag 90 minuten"), default=False)
    feels_safe = EncryptedTextField(
        _("voelt zich thuis veilig"), choices=YesNoUnsure.choices, blank=True
    )
    consent_at = models.DateTimeField(_("toestemming gegeven op"), null=True, blank=True)
    # A keyed hash of `email` (support/fields.py): finds a person's rows without decrypting all.
    email_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    # Address field → its digest field, kept in step on every save.
    DIGESTS = {"email": "email_digest"}

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        for source, digest in self.DIGESTS.items():
            setattr(self, digest, email_digest(getattr(self, source) or ""))
            if update_fields is not None and source in update_fields:
                update_fields = kwargs["update_fields"] = {*update_fields, digest}
        super().save(*args, **kwargs)

    @property
    def safety_flag(self) -> bool:
        """Whether this person does not (surely) feel safe at home: for the booking's helper
        only. Derived from the encrypted answer each time, so it is never stored in plain
        text, is seen by nobody who cannot read the answer, and goes when the answer is erased.
        """
        return self.feels_safe in (YesNoUnsure.NO, YesNoUnsure.UNSURE)


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
    token_version = models.PositiveIntegerField(default=1)
    helper_message = EncryptedTextField(_("bericht van de hulpverlener"), blank=True)
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
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def erase_after(self) -> datetime.datetime:
        """When the intake and contact details of this booking are erased."""
        return self.ends_at + datetime.timedelta(days=settings.INTAKE_RETENTION_DAYS)


class EmailStatus(models.TextChoices):
    PENDING = "wachtend", _("Wacht op verzending")
    SENT = "verstuurd", _("Verstuurd")
    FAILED = "mislukt", _("Mislukt")
    SKIPPED = "vervallen", _("Vervallen")


class OutgoingEmail(models.Model):
    """One e-mail to send, kept until it is sent or has failed for good.

    Holds no address or text: both are made from the booking or sign-up when it is sent (a
    login code's address and code are `sealed` until then). The Message-ID is fixed when the
    e-mail is queued, and a row is sent at most once.
    """

    kind = models.CharField(_("soort"), max_length=40)
    language = models.CharField(_("taal"), max_length=8, default="nl")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, null=True, blank=True)
    signup = models.ForeignKey(Signup, on_delete=models.CASCADE, null=True, blank=True)
    partner = models.ForeignKey("PartnerIntake", on_delete=models.CASCADE, null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("pogingen"), default=0)
    send_after = models.DateTimeField(_("versturen vanaf"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("volgende poging"), null=True, blank=True)
    last_error = models.CharField(_("laatste fout"), max_length=200, blank=True)
    # Only for a login code: the address it goes to and the code, encrypted, and emptied as
    # soon as the e-mail is sent or has failed.
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
                | Q(partner__isnull=False),
                name="email_is_about_something",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.get_status_display()})"


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


class OpsMarker(models.Model):
    """A moment operations remember: the worker's last heartbeat, the last notice about mail.

    `value` holds a number that goes with it (for the mail notice: the newest failed e-mail
    already reported). Nothing personal.
    """

    name = models.CharField(primary_key=True, max_length=40)
    at = models.DateTimeField()
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("bedrijfsgegeven")
        verbose_name_plural = _("bedrijfsgegevens")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
