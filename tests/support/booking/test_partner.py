"""The partner's own intake: neither partner can reach the other's answers."""

import re
from http import HTTPStatus

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from support import links
from support.booking import partner as partner_services
from support.booking import services as booking_services
from support.models import PartnerIntake
from tests.support_fixtures import booking_page, owner

BOOKER_SECRET = "BOEKER-GEHEIM verhaal"
PARTNER_SECRET = "PARTNER-GEHEIM verhaal"
ANSWERS = [
    {
        "name": "Mark",
        "email": "mark@example.org",
        "contact_preference": "alleen-email",
        "consent": "on",
    },
    {"role": "partner-die-bedroog", "disclosure": "ontdekt", "what_happened": PARTNER_SECRET},
    {"partner_knows": "ja", "partner_joins": "ja", "hopes": "Eerlijkheid."},
    {"feels_safe": "ja"},
]


@pytest.fixture
def booked(make_booking) -> tuple:
    booking = make_booking(days=6, what_happened=BOOKER_SECRET, feels_safe="ja")
    return booking, booking_page(booking)


def partner_link(booker: Client, manage_url: str) -> str:
    html = booker.post(manage_url, {"partner": "link"}).content.decode()
    return re.search(r"<code>http://testserver(/afspraak/uitnodiging/[^<]+)</code>", html).group(1)


def fill_in(partner: Client, link: str) -> None:
    assert partner.post(link).status_code == HTTPStatus.FOUND  # "Begin" claims the intake
    for step, data in enumerate(ANSWERS, start=1):
        response = partner.post(f"{link}stap/{step}/", data)
        assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:500]


@pytest.mark.django_db
def test_partner_fills_in_a_separate_intake_by_a_link(booked) -> None:
    booking, manage_url = booked
    booker, partner = owner(booking), Client()
    link = partner_link(booker, manage_url)
    start_page = partner.get(link).content.decode()
    assert BOOKER_SECRET not in start_page
    fill_in(partner, link)
    summary = partner.get(f"{link}controleren/").content.decode()
    assert PARTNER_SECRET in summary  # her own answers, in her own browser
    assert BOOKER_SECRET not in summary
    done = partner.post(f"{link}controleren/").content.decode()
    assert "Je antwoorden zijn verstuurd" in done
    intake = PartnerIntake.objects.get(booking=booking)
    assert intake.submitted_at is not None
    assert intake.what_happened == PARTNER_SECRET
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM support_partnerintake")
        assert "PARTNER-GEHEIM" not in " ".join(map(str, cursor.fetchone()))


@pytest.mark.django_db
def test_neither_partner_reaches_the_others_intake(booked) -> None:
    booking, manage_url = booked
    booker, partner = owner(booking), Client()
    link = partner_link(booker, manage_url)
    fill_in(partner, link)

    # The booker, with the same link, sees none of the partner's answers: not while it is
    # being filled in, not after it was sent.
    for url in (link, f"{link}stap/2/", f"{link}controleren/"):
        page = booker.get(url).content.decode()
        assert PARTNER_SECRET not in page, url
    partner.post(f"{link}controleren/")
    for url in (link, f"{link}stap/2/", f"{link}controleren/", manage_url):
        page = booker.get(url).content.decode()
        assert PARTNER_SECRET not in page, url
        assert PARTNER_SECRET not in partner.get(url).content.decode(), url
    # Nor does the partner see the booker's.
    for url in (link, f"{link}controleren/", manage_url):
        assert BOOKER_SECRET not in partner.get(url).content.decode()

    # Tokens do not cross over, and a tampered one leads nowhere.
    booker_token = links.booking_url(booking).rstrip("/").rsplit("/", 1)[-1]
    partner_token = link.rstrip("/").rsplit("/", 1)[-1]
    assert booker.get(f"/afspraak/uitnodiging/{booker_token}/").status_code == HTTPStatus.NOT_FOUND
    assert booker.get(f"/afspraak/beheer/{partner_token}/").status_code == HTTPStatus.NOT_FOUND
    tampered = link.replace(partner_token, partner_token[:-2] + "xx")
    assert booker.get(tampered).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db(transaction=True)
def test_invitation_by_email_carries_the_link_and_no_answers(booked, work_queue) -> None:
    booking, manage_url = booked
    booker = owner(booking)
    page = booker.post(manage_url, {"partner": "email", "email": "mark@example.org"})
    assert "De uitnodiging is verstuurd." in page.content.decode()
    work_queue()
    invitation = next(m for m in mail.outbox if m.to == ["mark@example.org"])
    assert "/afspraak/uitnodiging/" in invitation.body
    for message in mail.outbox:
        assert BOOKER_SECRET not in message.body
        assert PARTNER_SECRET not in message.body
        assert "bedrog" not in message.subject.lower()


@pytest.mark.django_db
def test_email_invitation_needs_an_address_and_keeps_the_page(booked) -> None:
    booking, manage_url = booked
    response = owner(booking).post(manage_url, {"partner": "email", "email": "geen-adres"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Vul een e-mailadres in zoals naam@voorbeeld.nl." in response.content.decode()


@pytest.mark.django_db
def test_an_individual_conversation_has_no_partner_intake(make_offer, make_booking) -> None:
    booking = make_booking(make_offer("individueel-gesprek"), days=6)
    page = owner(booking).get(booking_page(booking)).content.decode()
    assert "Je partner uitnodigen" not in page
    with pytest.raises(booking_services.BookingRefused):
        partner_services.partner_invite(booking=booking)


EVERY_ANSWER = [
    {
        "name": "Mark",
        "email": "mark@example.org",
        "phone": "0612345678",
        "contact_preference": "bellen",
        "consent": "on",
    },
    {
        "role": "partner-die-bedroog",
        "what_happened": PARTNER_SECRET,
        "disclosure": "ontdekt",
        "disclosure_when": "in maart",
    },
    {
        "partner_knows": "ja",
        "partner_joins": "weet-niet",
        "hopes": "Eerlijkheid.",
        "wants_longer": "on",
    },
    {"feels_safe": "nee"},
]


def summary_rows(html: str) -> dict[str, str]:
    """The summary's answers: each <dt> with its <dd>, tags left out."""
    summary = re.search(r'<dl class="summary">(.*?)</dl>', html, re.DOTALL).group(1)
    rows = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", summary, re.DOTALL)
    return {label.strip(): re.sub(r"<[^>]+>", " ", value).strip() for label, value in rows}


@pytest.mark.django_db
def test_the_partner_summary_lists_everything_she_answered_in_her_four_steps(booked) -> None:
    booking, manage_url = booked
    partner = Client()
    link = partner_link(owner(booking), manage_url)
    assert partner.post(link).status_code == HTTPStatus.FOUND
    shown = []  # every answer as the summary should show it: the text, or the chosen label
    for step, data in enumerate(EVERY_ANSWER, start=1):
        form = partner.get(f"{link}stap/{step}/").context["form"]
        response = partner.post(f"{link}stap/{step}/", data)
        assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:500]
        for name, field in form.fields.items():
            if name == "consent":
                continue
            if name in ("wants_calendar", "wants_updates"):
                shown.append("nee")
            elif name == "wants_longer":
                shown.append("graag")
            elif choices := dict(getattr(field, "choices", ())):
                shown.append(str(choices[data[name]]))
            else:
                shown.append(data[name])
    rows = summary_rows(partner.get(f"{link}controleren/").content.decode())
    values = list(rows.values())
    for answer in shown:
        assert any(answer in value for value in values), (answer, rows)
