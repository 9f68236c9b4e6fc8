"""The intake: what a partner tells the helper before the first session."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from support.fields import EncryptedTextField, email_digest

# Every answer of the intake's four steps (support/forms.py INTAKE_STEPS), in their order.
INTAKE_FIELDS = (
    "name", "email", "phone", "contact_preference", "role", "what_happened", "disclosure",
    "disclosure_when", "partner_knows", "partner_joins", "hopes", "wants_longer", "feels_safe",
    "wants_calendar",
)  # fmt: skip


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
    # A calendar file only when she asks for it (a calendar may be shared with others).
    wants_calendar = models.BooleanField(_("wil een agendabestand"), default=False)
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
