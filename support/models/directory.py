"""The directory: organisations, helpers and forums (peer groups: support/models/groups.py).

Every kind of entry shares one table (`Entry`) so the overview filters and counts all kinds in a
single query; the details of each kind live in a child table (multi-table inheritance).
"""

from __future__ import annotations

import re
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from support.fields import EncryptedTextField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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
    # In the order a reader in need meets them: the directory lists them so.
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


# A source a reader could check: a public address.
PUBLIC_SOURCE = re.compile(r"https?://\S+")


class EntryQuerySet(models.QuerySet):
    def active(self) -> EntryQuerySet:
        return self.filter(active=True)

    def matching(self, filters: dict[str, str]) -> EntryQuerySet:
        """Active entries that fit the directory's filters (validated by DirectoryFilterForm)."""
        entries = self.active()
        if kind := filters.get("soort"):
            entries = entries.filter(kind=kind)
        if audience := filters.get("voor"):
            entries = entries.filter(**{AUDIENCE_FIELDS[audience]: True})
        if where := filters.get("waar"):
            entries = (
                entries.filter(online=True) if where == "online" else entries.in_province(where)
            )
        if faith := filters.get("geloof"):
            entries = entries.filter(faith_based=faith == "ja")
        if cost := filters.get("kosten"):
            entries = entries.filter(cost=cost)
        if filters.get("mannen"):
            entries = entries.filter(for_men=True)
        return entries

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
    answers_at_night = models.BooleanField(_("ook 's nachts bereikbaar"), default=False)
    offers_chat = models.BooleanField(_("chat"), default=False)
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
    # The day a person checked the facts against their public sources; kept across demo loads.
    last_checked = models.DateField(
        _("gecontroleerd op"),
        null=True,
        blank=True,
        help_text=_("De dag waarop iemand de gegevens naast de bronnen legde. Leeg: nog niet."),
    )
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
    def audience_labels(self) -> list[StrOrPromise]:
        return [label for field, label in AUDIENCE_LABELS.items() if getattr(self, field)]

    @property
    def has_public_source(self) -> bool:
        return PUBLIC_SOURCE.search(self.sources) is not None

    def clean(self) -> None:
        if self.last_checked and not self.has_public_source:
            raise ValidationError(
                {"last_checked": _("Een controledatum hoort bij een openbare bron (een adres).")}
            )

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


class SessionMode(models.TextChoices):
    """Where and how a conversation takes place (support/booking/modes.py)."""

    PRACTICE = "praktijk", _("In de praktijk")
    VIDEO = "video", _("Via video")
    PHONE = "telefoon", _("Telefonisch")


def validate_session_modes(value: str) -> None:
    """A comma-separated list of SessionMode values, as Helper and Offer store it."""
    unknown = [mode for mode in value.split(",") if mode and mode not in SessionMode.values]
    if unknown:
        raise ValidationError(
            _("Onbekende manier van gesprekken: %(modes)s"), params={"modes": ", ".join(unknown)}
        )


def validate_video_link(value: str) -> None:
    if value and not value.lower().startswith("https://"):
        raise ValidationError(_("Een videolink begint met https://."))


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
    # The language of her own e-mails (support/outbox.py), whichever language she reads the site in.
    language = models.CharField(
        _("taal van je e-mails"), max_length=8, choices=settings.LANGUAGES, default="nl"
    )
    takes_bookings = models.BooleanField(_("neemt afspraken aan via deze site"), default=False)
    time_zone = models.CharField(
        _("tijdzone"), max_length=50, default="Europe/Amsterdam", validators=[validate_time_zone]
    )
    # Limits she asks for, counted on her own calendar days and weeks (Monday to Sunday).
    max_sessions_per_day = models.PositiveSmallIntegerField(
        _("afspraken per dag (hoogstens)"), null=True, blank=True
    )
    max_sessions_per_week = models.PositiveSmallIntegerField(
        _("afspraken per week (hoogstens)"), null=True, blank=True
    )
    # Where and how she holds her conversations (support/booking/modes.py); an offer may narrow
    # the modes for one conversation type.
    session_modes = models.CharField(
        _("manieren van gesprekken"),
        max_length=40,
        default=SessionMode.PRACTICE,
        blank=True,
        validators=[validate_session_modes],
        help_text=_("Met komma's: praktijk, video, telefoon."),
    )
    practice_address = models.TextField(_("adres van de praktijk"), blank=True)
    practice_route = models.CharField(_("route"), max_length=300, blank=True)
    practice_access = models.CharField(_("toegankelijkheid"), max_length=300, blank=True)
    # How a client with a booking reaches her (the private page, when a change is too late to
    # make there): optional, and only shown to her clients.
    client_phone = models.CharField(_("telefoon voor cliënten"), max_length=40, blank=True)
    client_email = models.EmailField(_("e-mailadres voor cliënten"), blank=True)
    # Her standing video link: a key to her room, so encrypted, and shown only to the visitors
    # of a confirmed booking (support/booking/modes.py).
    video_link = EncryptedTextField(
        _("vaste videolink"), blank=True, validators=[validate_video_link]
    )
    # Her private calendar subscription (support/booking/subscription.py): the token, encrypted
    # so she can see her link again, its SHA-256 to find her by it; whether titles show names.
    calendar_token = EncryptedTextField(null=True, blank=True, editable=False)
    feed_shows_name = models.BooleanField(_("voornaam in agenda-abonnement"), default=False)
    calendar_token_digest = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False
    )

    class Meta:
        verbose_name = _("hulpverlener")
        verbose_name_plural = _("hulpverleners")

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)
