from typing import Any

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

HONEYPOT_FIELD = "website"


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


class ContactForm(forms.Form):
    """How to reach someone: the same three fields wherever we ask for them."""

    name = forms.CharField(
        label=_("Naam of schuilnaam"),
        max_length=80,
        help_text=_("Een schuilnaam mag ook."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    email = forms.EmailField(
        label=_("E-mailadres"),
        max_length=254,
        help_text=_(
            "Kies een adres dat alleen jij leest. Onze e-mails hebben een neutraal onderwerp."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.RegexField(
        label=_("Telefoon (niet verplicht)"),
        required=False,
        max_length=30,
        regex=r"^[0-9+()\- ]{6,30}$",
        error_messages={"invalid": _("Vul een telefoonnummer in met alleen cijfers, + of -.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class SignupForm(ContactForm):
    message = forms.CharField(
        label=_("Bericht aan de organisator (niet verplicht)"),
        required=False,
        max_length=1000,
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


INTAKE_CONSENT_LABEL = _(
    "Ik geef toestemming om mijn antwoorden, ook over mijn relatie en seksleven, te bewaren "
    "zodat mijn hulpverlener het gesprek kan voorbereiden."
)


class IntakeContactForm(ContactForm):
    """The first step. Consent is asked here, before anything is stored."""

    title = _("Contact")
    contact_preference = forms.ChoiceField(
        label=_("Hoe mag de hulpverlener contact met je opnemen?"),
        choices=ContactPreference.choices,
        widget=RadioSelect,
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


class IntakeSituationForm(forms.Form):
    title = _("Wat er gebeurde")
    role = forms.ChoiceField(
        label=_("Wie ben jij in dit verhaal?"), choices=Role.choices, widget=RadioSelect
    )
    what_happened = forms.CharField(
        label=_("Wat is er gebeurd, in je eigen woorden? (niet verplicht)"),
        help_text=_("Schrijf alleen wat je kwijt wilt. Alleen je hulpverlener leest dit."),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    disclosure = forms.ChoiceField(
        label=_("Hoe kwam het uit?"), choices=Disclosure.choices, widget=RadioSelect
    )
    disclosure_when = forms.CharField(
        label=_("Wanneer was dat? (niet verplicht)"),
        help_text=_("Bijvoorbeeld: twee weken geleden."),
        required=False,
        max_length=100,
    )


class IntakeWishesForm(forms.Form):
    title = _("Je partner en je wensen")
    partner_knows = forms.ChoiceField(
        label=_("Weet je partner van deze afspraak?"),
        choices=YesNoUnsure.choices,
        widget=RadioSelect,
    )
    partner_joins = forms.ChoiceField(
        label=_("Komt je partner mee naar het gesprek?"),
        choices=YesNoUnsure.choices,
        widget=RadioSelect,
    )
    hopes = forms.CharField(
        label=_("Waar hoop je op? (niet verplicht)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    wants_longer = forms.BooleanField(
        label=_("Ik wil graag 90 minuten, als we dat samen afspreken."), required=False
    )


class IntakeSafetyForm(forms.Form):
    title = _("Veiligheid")
    feels_safe = forms.ChoiceField(
        label=_("Voel je je thuis veilig?"), choices=YesNoUnsure.choices, widget=RadioSelect
    )


INTAKE_STEPS = [IntakeContactForm, IntakeSituationForm, IntakeWishesForm, IntakeSafetyForm]


class PartnerInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mailadres van je partner (niet verplicht)"),
        required=False,
        max_length=254,
        help_text=_("Alleen als je wilt dat wij je partner een e-mail sturen."),
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


class ModeForm(forms.Form):
    """How the visitor wants the conversation: among the modes her helper offers."""

    mode = forms.ChoiceField(
        label=_("Hoe wil je het gesprek voeren?"),
        widget=RadioSelect,
        error_messages={"required": _("Kies hoe je het gesprek wilt voeren.")},
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


class BookingCodeForm(forms.Form):
    """The code sent to a booking's address, to manage it in this browser."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("De code uit de e-mail, bijvoorbeeld ABCD-EFGH."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off"}),
        error_messages={"required": _("Typ de code uit de e-mail.")},
    )
