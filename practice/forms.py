from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from support.booking import busyfeeds
from support.booking import modes as session_modes
from support.booking.errors import BookingRefused
from support.models import AvailabilityRule, SessionMode

# A note to whoever asked, with a decline or a proposal.
MESSAGE = forms.CharField(
    label=_("Bericht aan de aanvrager (mag leeg blijven)"),
    required=False,
    max_length=1000,
    widget=forms.Textarea(attrs={"rows": 3}),
)


class DeclineForm(forms.Form):
    message = MESSAGE


class ProposeForm(forms.Form):
    start = forms.ChoiceField(label=_("Andere tijd"))
    message = MESSAGE

    def __init__(self, *args: Any, times: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        start = self.fields["start"]
        assert isinstance(start, forms.ChoiceField)
        start.choices = [("", _("Kies een tijd")), *times]


class RuleForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Dag"), choices=AvailabilityRule.Weekday.choices, coerce=int
    )
    start = forms.TimeField(label=_("Van"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Tot"), widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("De eindtijd moet na de begintijd liggen."))
        return data


class ExceptionForm(forms.Form):
    date = forms.DateField(label=_("Datum"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(
        label=_("Van (leeg: hele dag niet beschikbaar)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    end = forms.TimeField(
        label=_("Tot"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None) and not self.errors:
            self.add_error("end", _("Vul een begintijd en een eindtijd in, of geen van beide."))
        elif start and end and end <= start:
            self.add_error("end", _("De eindtijd moet na de begintijd liggen."))
        return data


class SeenForm(forms.Form):
    """The removal of a weekly time or an exception; `seen`: she saw what it leaves outside."""

    seen = forms.BooleanField(required=False)


class ExceptionSeenForm(ExceptionForm):
    seen = forms.BooleanField(required=False)


class OfferRulesForm(forms.Form):
    """Her own booking rules for one conversation type; the bounds are checked by the service."""

    notice_hours = forms.IntegerField(
        label=_("Minimaal vooraf (uren)"),
        help_text=_("0: bezoekers kunnen ook vandaag nog een latere tijd kiezen."),
        min_value=0,
        max_value=24 * 60,
    )
    buffer_before = forms.IntegerField(
        label=_("Vrije tijd ervoor (minuten)"), min_value=0, max_value=24 * 60
    )
    buffer_after = forms.IntegerField(
        label=_("Vrije tijd erna (minuten)"), min_value=0, max_value=24 * 60
    )
    horizon_days = forms.IntegerField(
        label=_("Hoe ver vooruit bezoekers kunnen boeken (dagen)"), min_value=1, max_value=3660
    )
    step_minutes = forms.TypedChoiceField(label=_("Starttijden om de"), coerce=int)

    def __init__(self, *args: Any, steps: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.fields["step_minutes"]
        assert isinstance(step, forms.TypedChoiceField)
        step.choices = [(m, _("%(minutes)s minuten") % {"minutes": m}) for m in steps]


class LimitsForm(forms.Form):
    per_day = forms.IntegerField(
        label=_("Hoeveel afspraken per dag (hoogstens)"),
        help_text=_("Leeg: geen grens."),
        required=False,
        min_value=1,
        max_value=50,
    )
    per_week = forms.IntegerField(
        label=_("Hoeveel afspraken per week (hoogstens)"),
        help_text=_("Een week loopt van maandag tot en met zondag. Leeg: geen grens."),
        required=False,
        min_value=1,
        max_value=200,
    )


class CalendarURLField(forms.URLField):
    """Calendar apps often share a `webcal://` link: the same address, fetched over https."""

    def to_python(self, value: Any | None) -> str | None:
        if isinstance(value, str) and value.strip().lower().startswith("webcal://"):
            value = "https://" + value.strip()[len("webcal://") :]
        return super().to_python(value)


class BusyFeedForm(forms.Form):
    url = CalendarURLField(
        label=_("Link naar je agenda (iCal, begint met https://)"),
        help_text=_(
            "In je eigen agenda heet dit vaak 'geheim adres in iCal-indeling' of 'agenda delen'."
            " We bewaren alleen wanneer je bezet bent, niet wat er in je agenda staat."
        ),
        max_length=2000,
        assume_scheme="https",
    )

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            busyfeeds.check_url(url)
        except busyfeeds.FeedError as error:
            raise forms.ValidationError(str(error)) from error
        return url


class BusyFileForm(forms.Form):
    file = forms.FileField(
        label=_("Bestand uit je agenda (.ics)"),
        help_text=_(
            "We lezen het bestand één keer. Upload een nieuw bestand als je agenda verandert."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        upload = data.get("file")
        if upload is not None:
            if upload.size > busyfeeds.MAX_FEED_BYTES:
                self.add_error("file", _("Het bestand is te groot (meer dan 2 MB)."))
            else:
                data["data"] = upload.read()
        return data


class PersonForm(forms.Form):
    email = forms.EmailField(label=_("E-mailadres van de persoon"), max_length=254)


class EraseForm(PersonForm):
    confirm = forms.BooleanField(
        label=_("Ik weet dat dit niet ongedaan kan worden gemaakt."),
        error_messages={"required": _("Vink aan dat je dit zeker weet.")},
    )


def _clean_video_link(value: str) -> str:
    try:
        return session_modes.check_video_link(value)
    except BookingRefused as refused:
        raise forms.ValidationError(refused.message) from refused


class ModesForm(forms.Form):
    """Where and how she holds her conversations (support/booking/modes.py)."""

    modes = forms.MultipleChoiceField(
        label=_("Hoe kunnen bezoekers met je praten?"),
        choices=SessionMode.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies minstens één manier.")},
    )
    address = forms.CharField(
        label=_("Adres van je praktijk"),
        help_text=_(
            "Nodig als je ‘In de praktijk’ aanzet. Bezoekers zien het pas als ze een tijd "
            "hebben gekozen."
        ),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    route = forms.CharField(
        label=_("Route (niet verplicht)"),
        help_text=_("Kort, bijvoorbeeld: bel aan bij nummer 12, parkeren achter het gebouw."),
        required=False,
        max_length=300,
    )
    access = forms.CharField(
        label=_("Toegankelijkheid (niet verplicht)"),
        help_text=_("Bijvoorbeeld: op de eerste verdieping, er is een lift."),
        required=False,
        max_length=300,
    )
    video_link = forms.CharField(
        label=_("Je vaste videolink (niet verplicht)"),
        help_text=_(
            "Begint met https://. Je kunt ook bij het bevestigen een link voor één afspraak "
            "geven. Alleen je bezoeker (en haar partner) ziet de link, vanaf 24 uur voor het "
            "gesprek."
        ),
        required=False,
        max_length=session_modes.MAX_VIDEO_LINK_LENGTH,
    )

    client_phone = forms.CharField(
        label=_("Telefoon voor je cliënten (niet verplicht)"),
        help_text=_(
            "Alleen wie bij jou een afspraak heeft, ziet dit nummer: op de pagina van de "
            "afspraak, als verzetten of annuleren daar niet meer kan."
        ),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    client_email = forms.EmailField(
        label=_("E-mailadres voor je cliënten (niet verplicht)"),
        help_text=_("Ook alleen voor wie bij jou een afspraak heeft, op dezelfde plek."),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Vul een e-mailadres in zoals naam@voorbeeld.nl.")},
    )
    language = forms.ChoiceField(
        label=_("In welke taal wil je je e-mails?"),
        help_text=_("Bezoekers krijgen hun e-mails in de taal waarin zij boekten."),
        choices=settings.LANGUAGES,
        required=False,  # left out: as it was
    )

    def clean_video_link(self) -> str:
        return _clean_video_link(self.cleaned_data["video_link"])


class ConfirmForm(forms.Form):
    video_link = forms.CharField(
        label=_("Videolink voor dit gesprek"),
        help_text=_("Leeg: je vaste videolink. Begint met https://."),
        required=False,
        max_length=session_modes.MAX_VIDEO_LINK_LENGTH,
    )
    outside_hours_ok = forms.BooleanField(
        label=_("Ik weet dat deze afspraak buiten mijn tijden valt en bevestig toch"),
        required=False,
    )

    def clean_video_link(self) -> str:
        return _clean_video_link(self.cleaned_data["video_link"])


class ModeProposalForm(forms.Form):
    mode = forms.ChoiceField(label=_("Andere manier"))
    message = MESSAGE

    def __init__(self, *args: Any, modes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mode = self.fields["mode"]
        assert isinstance(mode, forms.ChoiceField)
        mode.choices = [(m, SessionMode(m).label) for m in modes]


class FeedNamesForm(forms.Form):
    show = forms.BooleanField(
        label=_("Zet de voornaam van de aanvrager in de titel van de afspraak"),
        required=False,
    )
