from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from support.models import (
    PROVINCES,
    ContactPreference,
    Cost,
    Disclosure,
    Kind,
    Role,
    SessionMode,
    YesNoUnsure,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

HONEYPOT_FIELD = "website"
# Every error says what to do (GOV.UK): one per field, in the field's own words.
EMAIL_INVALID = _("Vul een e-mailadres in zoals naam@voorbeeld.nl.")
TOO_LONG = _("Maak je tekst korter: hoogstens %(limit_value)d tekens.")


class DirectoryFilterForm(forms.Form):
    """The overview's GET filters; unknown values are dropped, never an error page."""

    soort = forms.ChoiceField(
        label=_("Soort"), required=False, choices=[("", _("Alle soorten")), *Kind.choices]
    )
    voor = forms.ChoiceField(
        label=_("Voor wie"),
        required=False,
        choices=[
            ("", _("Iedereen")),
            ("bedrogen-partner", _("Bedrogen partner")),
            ("partner-die-bedroog", _("Partner die bedroog")),
            ("stel", _("Stel")),
        ],
    )
    waar = forms.ChoiceField(
        label=_("Waar"),
        required=False,
        choices=[("", _("Overal")), ("online", _("Online")), *PROVINCES],
    )
    geloof = forms.ChoiceField(
        label=_("Geloof"),
        required=False,
        choices=[
            ("", _("Maakt niet uit")),
            ("nee", _("Niet vanuit een geloof")),
            ("ja", _("Vanuit een geloof")),
        ],
    )
    kosten = forms.ChoiceField(
        label=_("Kosten"), required=False, choices=[("", _("Alle")), *Cost.choices]
    )
    mannen = forms.BooleanField(label=_("Ook voor mannen"), required=False)

    def cleaned_filters(self) -> dict[str, str]:
        # Validation drops only the fields that do not fit; the others still filter.
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v}


class NotRemembered(forms.Form):
    """A form whose answers the browser must not keep: `autocomplete="off"` on every field, so
    nothing typed goes into its autofill store or its saved form state for session restore
    (a partner who shares the phone would see it), and no name/e-mail/phone hints."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["autocomplete"] = "off"


class ContactForm(NotRemembered):
    """How to reach someone: the same three fields wherever we ask for them."""

    name = forms.CharField(
        label=_("Naam of schuilnaam"),
        max_length=80,
        help_text=_("Een schuilnaam mag ook."),
        error_messages={
            "required": _("Vul je naam of een schuilnaam in."),
            "max_length": _("Maak je naam korter: hoogstens %(limit_value)d tekens."),
        },
    )
    email = forms.EmailField(
        label=_("E-mailadres"),
        max_length=254,
        help_text=_(
            "Kies een adres dat alleen jij leest. Onze e-mails hebben een neutraal onderwerp."
        ),
        error_messages={"required": _("Vul je e-mailadres in."), "invalid": EMAIL_INVALID},
    )
    phone = forms.RegexField(
        label=_("Telefoon (niet verplicht)"),
        required=False,
        max_length=30,
        regex=r"^[0-9+()\- ]{6,30}$",
        error_messages={"invalid": _("Vul een telefoonnummer in met alleen cijfers, + of -.")},
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )


class SignupForm(ContactForm):
    message = forms.CharField(
        label=_("Bericht aan de organisator (niet verplicht)"),
        required=False,
        max_length=1000,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent = forms.BooleanField(
        label=_(
            "Ik geef toestemming om deze gegevens te bewaren om mijn plek in deze groep te regelen."
        ),
        error_messages={
            "required": _("Zonder je toestemming kunnen we je aanmelding niet bewaren.")
        },
    )
    website = forms.CharField(
        label=_("Laat dit veld leeg"),
        required=False,
        # Field takes template_name (Django 5.0); django-stubs' CharField does not list it.
        template_name="includes/honeypot_field.html",  # type: ignore[call-arg]
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    error_css_class = "has-error"

    def clean_website(self) -> str:
        if self.cleaned_data.get(HONEYPOT_FIELD):
            raise forms.ValidationError(
                _("Dit formulier lijkt automatisch ingevuld. Laat het verborgen veld leeg.")
            )
        return ""


# -- booking journey ----------------------------------------------------------------------------


class RadioSelect(forms.RadioSelect):
    # Radios are grouped in a fieldset with the question as its legend.
    use_fieldset = True


def _question(label: StrOrPromise, choices: Any, required: StrOrPromise) -> forms.ChoiceField:
    """One answer of several; `required` says what to do when none is chosen."""
    return forms.ChoiceField(
        label=label, choices=choices, widget=RadioSelect, error_messages={"required": required}
    )


INTAKE_CONSENT_LABEL = _(
    "Ik geef toestemming om mijn antwoorden, ook over mijn relatie en seksleven, te bewaren "
    "zodat mijn hulpverlener het gesprek kan voorbereiden."
)


CALENDAR_LABEL = _("Stuur mij een agendabestand (.ics) bij de bevestiging")
CALENDAR_HELP = _(
    "Zet dit alleen aan als niemand anders in je agenda kijkt. Je kunt het bestand ook later "
    "downloaden op je eigen pagina."
)


class IntakeContactForm(ContactForm):
    """The first step. Consent is asked here, before anything is stored."""

    title = _("Contact")
    contact_preference = _question(
        _("Hoe mag de hulpverlener contact met je opnemen?"),
        ContactPreference.choices,
        _("Kies hoe de hulpverlener contact met je mag opnemen."),
    )
    wants_calendar = forms.BooleanField(
        label=CALENDAR_LABEL, help_text=CALENDAR_HELP, required=False
    )
    consent = forms.BooleanField(
        label=INTAKE_CONSENT_LABEL,
        error_messages={"required": _("Zonder je toestemming kunnen we je aanvraag niet bewaren.")},
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("contact_preference") in (
            ContactPreference.MAY_CALL,
            ContactPreference.VOICEMAIL,
        ) and not data.get("phone"):
            self.add_error("phone", _("Vul een telefoonnummer in, of kies ‘Alleen per e-mail’."))
        return data


class IntakeSituationForm(NotRemembered):
    title = _("Wat er gebeurde")
    role = _question(
        _("Wie ben jij in dit verhaal?"), Role.choices, _("Kies wie jij bent in dit verhaal.")
    )
    what_happened = forms.CharField(
        label=_("Wat is er gebeurd, in je eigen woorden? (niet verplicht)"),
        help_text=_("Schrijf alleen wat je kwijt wilt. Alleen je hulpverlener leest dit."),
        required=False,
        max_length=3000,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    disclosure = _question(_("Hoe kwam het uit?"), Disclosure.choices, _("Kies hoe het uitkwam."))
    disclosure_when = forms.CharField(
        label=_("Wanneer was dat? (niet verplicht)"),
        help_text=_("Bijvoorbeeld: twee weken geleden."),
        required=False,
        max_length=100,
        error_messages={"max_length": TOO_LONG},
    )


class IntakeWishesForm(NotRemembered):
    title = _("Je partner en je wensen")
    partner_knows = _question(
        _("Weet je partner van deze afspraak?"),
        YesNoUnsure.choices,
        _("Kies of je partner van deze afspraak weet."),
    )
    partner_joins = _question(
        _("Komt je partner mee naar het gesprek?"),
        YesNoUnsure.choices,
        _("Kies of je partner meekomt naar het gesprek."),
    )
    hopes = forms.CharField(
        label=_("Waar hoop je op? (niet verplicht)"),
        required=False,
        max_length=2000,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    wants_longer = forms.BooleanField(
        label=_("Ik wil graag 90 minuten, als we dat samen afspreken."), required=False
    )


class IntakeSafetyForm(NotRemembered):
    title = _("Veiligheid")
    feels_safe = _question(
        _("Voel je je thuis veilig?"), YesNoUnsure.choices, _("Kies of je je thuis veilig voelt.")
    )


INTAKE_STEPS = [IntakeContactForm, IntakeSituationForm, IntakeWishesForm, IntakeSafetyForm]


# The invited partner's own steps: the same questions where they fit her, in her own words.


class PartnerContactForm(IntakeContactForm):
    wants_updates = forms.BooleanField(
        label=_("Stuur mij ook de bevestiging en elke wijziging van het gesprek"),
        help_text=_(
            "Naar het e-mailadres hierboven, met de videolink of het adres. Anders hoor je het "
            "van degene die je uitnodigde."
        ),
        required=False,
    )
    field_order = ["name", "email", "phone", "contact_preference", "wants_updates"]


class PartnerWishesForm(IntakeWishesForm):
    title = _("Je wensen voor het gesprek")
    partner_knows = None  # type: ignore[assignment]  # she is the partner
    partner_joins = _question(
        _("Kom je zelf naar het gesprek?"),
        YesNoUnsure.choices,
        _("Kies of je zelf naar het gesprek komt."),
    )


PARTNER_INTAKE_STEPS = [
    PartnerContactForm,
    IntakeSituationForm,
    PartnerWishesForm,
    IntakeSafetyForm,
]


class PartnerInviteForm(NotRemembered):
    email = forms.EmailField(
        label=_("E-mailadres van je partner (niet verplicht)"),
        required=False,
        max_length=254,
        help_text=_("Alleen als je wilt dat wij je partner een e-mail sturen."),
        error_messages={"invalid": EMAIL_INVALID},
    )
    note = forms.CharField(
        label=_("Een kort bericht bij de uitnodiging (niet verplicht)"),
        help_text=_(
            "Je partner leest het in de e-mail, met je voornaam of schuilnaam. Hoogstens 300 "
            "tekens."
        ),
        required=False,
        max_length=300,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


MODE_HINTS = {
    SessionMode.PRACTICE: _("Je komt naar de praktijk van je hulpverlener."),
    SessionMode.VIDEO: _(
        "Je krijgt een link. Die opent het videogesprek in je browser of in de app van je "
        "hulpverlener."
    ),
    SessionMode.PHONE: _(
        "Je hulpverlener belt je. Je telefoonnummer vul je in de volgende stap in."
    ),
}


class ModeForm(NotRemembered):
    """How the visitor wants the conversation: among the modes her helper offers."""

    mode = _question(
        _("Hoe wil je het gesprek voeren?"), [], _("Kies hoe je het gesprek wilt voeren.")
    )

    def __init__(self, *args: Any, modes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["mode"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(mode, SessionMode(mode).label) for mode in modes]


class HelperMessageForm(forms.Form):
    """A short message to the helper, from the private page of a booking."""

    text = forms.CharField(
        label=_("Je bericht aan je hulpverlener"),
        max_length=1000,
        help_text=_("Hoogstens 1000 tekens. Alleen je hulpverlener leest het."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        error_messages={
            "required": _("Schrijf een bericht aan je hulpverlener."),
            "max_length": _("Maak je bericht korter: hoogstens 1000 tekens."),
        },
    )


class CodeForm(forms.Form):
    """A code sent by e-mail: to log in to "Mijn afspraken", or to manage a booking here."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("De code uit de e-mail, bijvoorbeeld ABCD-EFGH."),
        error_messages={
            "required": _("Vul de code uit de e-mail in."),
            "max_length": _("Vul de code in zoals in de e-mail: acht letters en cijfers."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off"}),
    )
