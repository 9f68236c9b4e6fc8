"""Defect 16: an e-mail's preview says nothing about what the portal is for.

A mail client shows the subject, the sender's name and the first lines of the text, often on a
locked screen or a shared device. Whatever the coordinator calls a group or a helper, none of
these may hold a word about the topic, in Dutch or English. Every kind of e-mail is rendered:
the kinds are read from the template folders, so a new kind is checked without a change here.
"""

import copy
import re
from email.utils import make_msgid, parseaddr
from pathlib import Path

import icalendar
import pytest
from allauth.account.adapter import get_adapter
from allauth.core.context import request_context
from django.conf import settings
from django.core import mail
from django.test import RequestFactory
from django.utils import translation

from practice import services as practice_services
from support import outbox
from support.booking import helper as helper_actions
from support.booking import partner as partner_services
from support.models import Booking, OutgoingEmail, SignupStatus
from tests.shared_rows import shared_rows
from tests.staff_fixtures import new_account
from tests.support_fixtures import new_booking, new_group, new_helper, new_offer, proved_signup

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PREVIEW = 200
LANGUAGES = ["nl", "en"]

# Words (and stems) that tell what the portal is about, in Dutch and English. A few are written
# so that account words are not caught: "koppelen" (to link) and "wachtwoordherstel" (password
# reset) say nothing of the topic, "een stel" (a couple) and "herstel" (recovery) do.
TOPIC = re.compile(
    r"betray|verraa?d|bedr[oe]g|infidel|unfaithful|ontrouw|vreemd ?g[ai]|affaire|affair|cheat"
    r"|adulter|addict|verslav|verslaaf|porn|sex|seks|therap|couple|\bkoppels?\b"
    r"|\b(een|het|als|voor|jullie|ons) stel\b|\b(voor|met) stellen\b"
    r"|\bpeers?\b|lotgeno|(?<!wachtwoord)herstel(?!code)|recover(?!y code)|partner|trauma",
    re.IGNORECASE,
)

GROUP_NAME = "Groep voor bedrogen vrouwen, Utrecht"
HELPER_NAME = "Sanne, relatietherapeut voor koppels na porno-verslaving"
SCHEDULE = "elke dinsdag 19.30, na de lotgenotengroep seksverslaving"
ADDRESS = "Oudegracht 12\n3511 AB Utrecht"
ADDRESS_LINE = "Oudegracht 12, 3511 AB Utrecht"
VIDEO_LINK = "https://video.example.org/kamer-42"


def kinds(folder: str) -> list[str]:
    return sorted(
        p.name.removesuffix("_subject.txt") for p in (TEMPLATES / folder).glob("*_subject.txt")
    )


def allauth_kinds() -> list[str]:
    """allauth's e-mails (and ours that override them) in the accounts and second-factor apps."""
    import allauth

    found = set()
    for root in (Path(allauth.__file__).parent / "templates", TEMPLATES):
        for app in ("account", "mfa"):
            found |= {
                f"{app}/email/{p.name.removesuffix('_subject.txt')}"
                for p in (root / app / "email").glob("*_subject.txt")
            }
    return sorted(found)


def topic_words(text: str) -> list[str]:
    return [match.group(0) for match in TOPIC.finditer(text)]


def assert_discreet(message, what: str) -> None:
    display_name = parseaddr(message.from_email)[0]
    preview = message.body[:PREVIEW]
    for part, text in (("subject", message.subject), ("sender", display_name), ("text", preview)):
        assert not topic_words(text), f"{what}: {part} says {topic_words(text)}: {text!r}"
    for name, content, _mimetype in message.attachments:
        event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
        for field in ("SUMMARY", "LOCATION", "DESCRIPTION"):
            text = str(event.get(field, ""))
            assert not topic_words(text), f"{what}: {name} {field} says {text!r}"


@pytest.fixture(scope="module", params=["Sanne", ""], ids=["discreet-name", "no-discreet-name"])
def discreet_name(request) -> str:
    return request.param


def plainly_named(discreet_name: str) -> dict:
    """A group, a helper and their bookings and sign-ups, named as plainly as can be."""
    helper = new_helper(
        "sanne",
        name=HELPER_NAME,
        profession="Seksuoloog en relatietherapeut",
        takes_bookings=True,
        email_name=discreet_name,
        session_modes="praktijk",
        practice_address=ADDRESS,
        practice_route="Bel aan bij nummer 12.",
    )
    new_account("helper", "sanne@example.org", helper=helper)
    group = new_group(
        "groep",
        capacity=1,
        name=GROUP_NAME,
        schedule=SCHEDULE,
        email_name="Groep op dinsdag" if discreet_name else "",
    )
    offer = new_offer(helper=helper)
    booking = new_booking(offer)
    helper_actions.booking_confirm(booking=booking)
    intake = partner_services.partner_invite(booking=booking, email="mark@example.org")
    seat = proved_signup(group=group, name="Saskia", email="saskia@example.org").signup
    waiting = proved_signup(group=group, name="Saskia", email="s2@example.org").signup
    assert (seat.status, waiting.status) == (SignupStatus.CONFIRMED, SignupStatus.WAITING)
    return {"booking": booking, "partner": intake, "signups": [seat, waiting]}


@pytest.fixture(scope="module")
def topic_laden_rows(request, django_db_blocker, discreet_name):
    """Made once per name for the module's tests, which only read them (tests/shared_rows.py);
    the tests run grouped by the name."""
    yield from shared_rows(request, django_db_blocker, plainly_named, discreet_name)


@pytest.fixture
def topic_laden(topic_laden_rows, db) -> dict:
    return copy.deepcopy(topic_laden_rows)


def compose(kind: str, language: str, **about) -> object:
    email = OutgoingEmail.objects.create(
        kind=kind, language=language, message_id=make_msgid(domain="example.org"), **about
    )
    return outbox._compose(email)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", kinds("support/emails"))
def test_visitor_and_helper_emails_are_discreet(topic_laden, kind: str, language: str) -> None:
    booking = topic_laden["booking"]
    if kind.startswith("signup_"):
        messages = [compose(kind, language, signup=s) for s in topic_laden["signups"]]
    elif kind == "partner_update":  # the template of her copies of the booker's e-mails
        messages = [compose("partner_booking_confirmed", language, partner=topic_laden["partner"])]
    elif kind.endswith("_code"):  # a login code: its address and code travel sealed
        sealed = outbox.seal(to=booking.email, code="ABCD-EFGH")
        messages = [compose(kind, language, booking=booking, sealed=sealed)]
    elif kind.startswith("partner_"):
        messages = [compose(kind, language, partner=topic_laden["partner"])]
    else:
        messages = [compose(kind, language, booking=booking)]
    for message in messages:
        assert_discreet(message, f"{kind} ({language})")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", kinds("practice/emails"))
def test_staff_emails_are_discreet(topic_laden, kind: str, language: str) -> None:
    user = topic_laden["booking"].helper.user
    mail.outbox.clear()
    with translation.override(language):
        practice_services.staff_email_send(
            user=user, kind=kind, context={"url": f"{settings.SITE_URL}/account/login/"}
        )
    (message,) = mail.outbox
    assert_discreet(message, f"{kind} ({language})")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template_prefix", allauth_kinds())
def test_account_emails_are_discreet(topic_laden, template_prefix: str, language: str) -> None:
    user = topic_laden["booking"].helper.user
    url = f"{settings.SITE_URL}/account/"
    context = {
        "user": user,
        "code": "K7Q2XW",
        "key": "sleutel",
        "activate_url": url,
        "password_reset_url": url,
        "signup_url": url,
        "from_email": "oud@example.org",
        "to_email": "nieuw@example.org",
        "deleted_email": "oud@example.org",
    }
    mail.outbox.clear()
    with translation.override(language), request_context(RequestFactory().get("/")):
        get_adapter().send_mail(template_prefix, user.email, context)
    (message,) = mail.outbox
    assert_discreet(message, f"{template_prefix} ({language})")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_calendar_file_speaks_the_visitors_language(topic_laden, language: str) -> None:
    Booking.objects.filter(pk=topic_laden["booking"].pk).update(wants_calendar=True)
    message = compose("booking_confirmed", language, booking=topic_laden["booking"])
    ((_name, content, _mimetype),) = message.attachments
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == {"nl": "Afspraak", "en": "Appointment"}[language]
    # The practice's address itself, and nothing more.
    assert str(event["LOCATION"]) == ADDRESS_LINE


@pytest.mark.parametrize("mode", ["praktijk", "video", "telefoon"])
@pytest.mark.parametrize("kind", ["booking_confirmed", "booking_reminder", "booking_rescheduled"])
def test_the_place_is_in_the_location_and_the_text_only(topic_laden, kind: str, mode: str) -> None:
    """Where it takes place may be in LOCATION and the text, never in the subject, the sender or
    SUMMARY; and LOCATION and DESCRIPTION say nothing of the topic, whatever the mode."""
    booking = topic_laden["booking"]
    Booking.objects.filter(pk=booking.pk).update(mode=mode, video_link=VIDEO_LINK, phone="0612")
    message = compose(kind, "nl", booking=booking)
    assert_discreet(message, f"{kind} ({mode})")
    where = {"praktijk": ADDRESS_LINE, "video": VIDEO_LINK}.get(mode)
    display_name = parseaddr(message.from_email)[0]
    for text in (message.subject, display_name):
        assert "Oudegracht" not in text and "video.example.org" not in text
    if where:
        assert where in message.body
    for _name, content, _mimetype in message.attachments:
        event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
        assert "Oudegracht" not in str(event["SUMMARY"])
        assert "video.example.org" not in str(event["SUMMARY"])
        location = str(event["LOCATION"])
        assert location == (where or "Telefonisch: je hulpverlener belt je")
        assert "0612" not in str(content)


def test_the_topic_list_catches_what_it_should() -> None:
    for text in (
        GROUP_NAME, HELPER_NAME, SCHEDULE, "Betrayal", "Couples therapy", "voor een stel",
        "groep voor stellen", "Herstel na ontrouw", "Recovery group", "je partner", "Vreemdgaan",
    ):  # fmt: skip
        assert topic_words(text), text
    for text in (
        "Je afspraak op 3 december", "Houvast", "Groep op dinsdag", "Sanne", "stelt een tijd voor",
        "om te koppelen aan je account", "Wachtwoordherstelcode", "Nieuwe herstelcodes",
        "New Recovery Codes Generated", "je wachtwoord opnieuw in te stellen", "stel je app in",
    ):  # fmt: skip
        assert not topic_words(text), text
