"""The invited partner takes part: she knows who invites her, is asked in her own words, and may
get the confirmation and every change herself, with the video link, in her own language."""

import re
from http import HTTPStatus

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from support import links, outbox
from support.booking import helper as helper_actions
from support.booking import partner as partner_services
from support.models import Booking, OutgoingEmail, PartnerIntake
from tests.support_fixtures import booking_page, owner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dutch_after() -> None:
    """A request on /en/ leaves English active in this thread: not for the tests after it."""
    yield
    translation.activate("nl")


ROOM = "https://video.example.org/kamer-7"
STEP_ONE = {
    "name": "Mark",
    "email": "mark@example.org",
    "contact_preference": "alleen-email",
    "consent": "on",
}
LATER_STEPS = [
    {"role": "partner-die-bedroog", "disclosure": "ontdekt"},
    {"partner_joins": "ja"},
    {"feels_safe": "ja"},
]


@pytest.fixture
def booked(make_booking, make_offer) -> tuple[Booking, Client, str]:
    """Saskia Jansen booked a video session for the two of them, in this browser."""
    offer = make_offer()
    offer.helper.session_modes = "video"
    offer.helper.video_link = ROOM
    offer.helper.save()
    booking = make_booking(offer, days=6, name="Saskia Jansen")
    Booking.objects.filter(pk=booking.pk).update(mode="video")
    return booking, owner(booking), booking_page(booking)


def invite(booker: Client, manage_url: str, **data) -> str:
    response = booker.post(manage_url, {"partner": "email", **data})
    assert response.status_code == HTTPStatus.OK, response.content.decode()[:300]
    return response.content.decode()


def partner_path(intake: PartnerIntake) -> str:
    return links.partner_url(intake)


def answer(partner: Client, intake: PartnerIntake, language: str, first: dict) -> None:
    with translation.override(language):
        start = links.partner_url(intake)
        steps = [first, *LATER_STEPS]
        urls = [
            reverse("support:partner_intake", kwargs={"token": start.split("/")[-2], "step": n})
            for n in range(1, 5)
        ]
        summary = reverse("support:partner_summary", kwargs={"token": start.split("/")[-2]})
    assert partner.post(start).status_code == HTTPStatus.FOUND
    for url, data in zip(urls, steps, strict=True):
        response = partner.post(url, data)
        assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:400]
    assert partner.post(summary).status_code == HTTPStatus.OK


def test_the_invitation_says_who_invites_her_with_the_note_in_neutral_words(booked) -> None:
    booking, booker, manage_url = booked
    page = invite(booker, manage_url, email="mark@example.org", note="Wil je dit samen doen?")
    # The booker's page says where it went, at the top, and that sending again ends the link.
    assert "Uitnodiging verstuurd naar m***@example.org" in page
    assert "Dan werkt de eerste link niet meer" in page
    assert "mark@example.org" not in page
    intake = PartnerIntake.objects.get(booking=booking)
    email = OutgoingEmail.objects.get(kind="partner_invite", partner=intake)
    message = outbox._compose(email)
    assert message.to == ["mark@example.org"]
    assert message.subject == "Saskia nodigt je uit voor een gesprek"
    first_lines = message.body.split("\n\n")[1]  # what a mail client shows as the preview
    assert first_lines.startswith("Saskia heeft een gesprek voor jullie samen gepland")
    assert '"Wil je dit samen doen?"' in message.body
    assert "Jansen" not in message.body  # her first name only
    for word in ("ontrouw", "bedrog", "vreemd", "relatie", "therap", "uitgenodigd"):
        assert word not in message.subject.lower()
    # Stored like every answer: encrypted.
    assert "Wil je dit samen doen" not in str(
        PartnerIntake.objects.filter(pk=intake.pk).values_list("invite_note", flat=True).query
    )


def test_the_note_is_short_and_a_long_one_is_refused_with_what_to_do(booked) -> None:
    _booking, booker, manage_url = booked
    response = booker.post(
        manage_url, {"partner": "email", "email": "mark@example.org", "note": "x" * 301}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "Maak je tekst korter: hoogstens 300 tekens." in html
    assert "<title>Fout:" in html
    assert not PartnerIntake.objects.exists()


def test_she_is_asked_in_her_own_words(booked) -> None:
    booking, _booker, _url = booked
    intake = partner_services.partner_invite(booking=booking)
    partner = Client()
    answer_steps = reverse(
        "support:partner_intake", kwargs={"token": partner_path(intake).split("/")[-2], "step": 3}
    )
    partner.post(partner_path(intake))
    first = reverse(
        "support:partner_intake", kwargs={"token": partner_path(intake).split("/")[-2], "step": 1}
    )
    step_one = partner.get(first).content.decode()
    assert "Stuur mij ook de bevestiging en elke wijziging" in step_one
    step_three = partner.get(answer_steps).content.decode()
    assert "Weet je partner van deze afspraak?" not in step_three
    assert "Kom je zelf naar het gesprek?" in step_three


def test_she_opts_in_and_gets_the_confirmation_with_the_video_link_in_her_language(
    booked,
) -> None:
    booking, _booker, _url = booked
    intake = partner_services.partner_invite(booking=booking, email="mark@example.org")
    answer(Client(), intake, "en", {**STEP_ONE, "wants_updates": "on", "wants_calendar": "on"})
    intake.refresh_from_db()
    assert (intake.wants_updates, intake.language) == (True, "en")
    with translation.override("nl"):  # the helper confirms in Dutch
        helper_actions.booking_confirm(booking=booking)
    email = OutgoingEmail.objects.get(kind="partner_booking_confirmed", partner=intake)
    assert email.language == "en"
    message = outbox._compose(email)
    assert message.to == ["mark@example.org"]
    assert ROOM in message.body
    assert "The session is confirmed" in message.body
    ((_name, content, _mimetype),) = message.attachments  # she asked for a calendar file
    assert str(icalendar.Calendar.from_ical(content)["METHOD"]) == "PUBLISH"
    # The booker's own confirmation stays hers, in her language, without a file she did not ask.
    own = outbox._compose(OutgoingEmail.objects.get(kind="booking_confirmed", partner=None))
    assert own.to == ["saskia@example.org"] and not own.attachments
    assert own.subject.startswith("Je afspraak")
    # Her copy hangs on her intake alone: nothing in the booker's records shows that she asked.
    assert not OutgoingEmail.objects.filter(booking=booking, kind__startswith="partner_").exists()


def test_a_partner_who_did_not_opt_in_gets_nothing_but_the_invitation(booked) -> None:
    booking, _booker, _url = booked
    intake = partner_services.partner_invite(booking=booking, email="mark@example.org")
    answer(Client(), intake, "nl", STEP_ONE)
    helper_actions.booking_confirm(booking=booking)
    assert list(OutgoingEmail.objects.filter(partner=intake).values_list("kind", flat=True)) == [
        "partner_invite"
    ]


def test_opting_in_after_the_confirmation_sends_it_at_once(booked) -> None:
    booking, _booker, _url = booked
    intake = partner_services.partner_invite(booking=booking)
    helper_actions.booking_confirm(booking=booking)
    answer(Client(), intake, "nl", {**STEP_ONE, "wants_updates": "on"})
    email = OutgoingEmail.objects.get(kind="partner_booking_confirmed", partner=intake)
    message = outbox._compose(email)
    assert ROOM in message.body and message.subject.startswith("Jullie gesprek op")


# Saskia's answers, step by step, when her partner knows and joins.
STEPS = [
    {**STEP_ONE, "name": "Saskia"},
    {"role": "bedrogen-partner", "disclosure": "ontdekt"},
    {"partner_knows": "ja", "partner_joins": "ja"},
    {"feels_safe": "ja"},
]


def to_the_check_page(client: Client, offer) -> None:
    """Saskia holds the first free time and answers every step, as the partner joins."""
    week = client.get(reverse("support:booking_week", kwargs={"offer_id": offer.pk}))
    start = re.findall(r'name="start" value="([^"]+)"', week.content.decode())[0]
    client.post(reverse("support:booking_week", kwargs={"offer_id": offer.pk}), {"start": start})
    for number, data in enumerate(STEPS, start=1):
        client.post(reverse("support:booking_intake", kwargs={"step": number}), data)


def test_each_answer_on_the_check_page_changes_at_its_step_and_comes_back(
    client: Client, make_offer
) -> None:
    offer = make_offer()
    to_the_check_page(client, offer)
    summary_url = reverse("support:booking_summary")
    html = client.get(summary_url).content.decode()
    assert "Iets aanpassen" not in html
    changes = re.findall(r'<a class="change" href="([^"]+)">Wijzig', html)
    assert len(changes) >= 10  # one per answer
    step_two = reverse("support:booking_intake", kwargs={"step": 2})
    assert f"{step_two}?terug=1" in changes
    page = client.get(f"{step_two}?terug=1").content.decode()
    assert "Opslaan en terug naar controleren" in page
    response = client.post(f"{step_two}?terug=1", {**STEPS[1], "disclosure": "verteld"})
    assert response["Location"] == summary_url
    assert Booking.objects.get().disclosure == "verteld"


def test_the_hold_shows_until_when_and_is_extended_once(client: Client, make_offer) -> None:
    offer = make_offer()
    week = client.get(reverse("support:booking_week", kwargs={"offer_id": offer.pk}))
    start = re.findall(r'name="start" value="([^"]+)"', week.content.decode())[0]
    client.post(reverse("support:booking_week", kwargs={"offer_id": offer.pk}), {"start": start})
    booking = Booking.objects.get()
    until = booking.hold_expires_at
    step = reverse("support:booking_intake", kwargs={"step": 1})
    html = client.get(step).content.decode()
    assert f"tot {timezone.localtime(until):%H:%M}" in html
    assert "Houd mijn tijd 10 minuten langer vast" in html
    response = client.post(reverse("support:booking_hold_extend"), {"next": step})
    assert response["Location"] == step
    booking.refresh_from_db()
    assert booking.hold_expires_at > until and booking.hold_extended
    html = client.get(step).content.decode()
    assert f"tot {timezone.localtime(booking.hold_expires_at):%H:%M}" in html
    assert "Houd mijn tijd 10 minuten langer vast" not in html  # once only
    # Somewhere else to go back to is not followed.
    response = client.post(reverse("support:booking_hold_extend"), {"next": "https://x.example"})
    assert response["Location"] == reverse("support:booking_summary")


def test_zet_in_mijn_agenda_only_in_the_browser_that_booked(client: Client, make_offer) -> None:
    offer = make_offer()
    to_the_check_page(client, offer)
    client.post(reverse("support:booking_summary"))
    booking = Booking.objects.get()
    url = reverse("support:booking_calendar", kwargs={"pk": booking.pk})
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND  # not confirmed yet
    helper_actions.booking_confirm(booking=booking)
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == "Afspraak"
    body = response.content.decode()
    assert "€" not in body and "Kosten" not in body  # no price (DTSTAMP may hold any digits)
    assert Client().get(url).status_code == HTTPStatus.NOT_FOUND  # another browser


def test_the_invitation_goes_in_the_bookers_language_until_she_answers_in_her_own(
    booked,
) -> None:
    booking, _booker, _url = booked
    Booking.objects.filter(pk=booking.pk).update(language="en")
    booking.refresh_from_db()
    intake = partner_services.partner_invite(booking=booking, email="mark@example.org")
    email = OutgoingEmail.objects.get(kind="partner_invite", partner=intake)
    assert email.language == "en"
    assert outbox._compose(email).subject == "Saskia invites you to a session"


def test_a_move_by_the_booker_reaches_the_partner_once(booked) -> None:
    from support.booking import services as booking_services

    booking, _booker, _url = booked
    intake = partner_services.partner_invite(booking=booking, email="mark@example.org")
    answer(Client(), intake, "nl", {**STEP_ONE, "wants_updates": "on"})
    booking_services.booking_reschedule(
        booking=booking, start=booking.starts_at + timezone.timedelta(hours=2), by_visitor=True
    )
    kinds = list(OutgoingEmail.objects.filter(partner=intake).values_list("kind", flat=True))
    assert sorted(kinds) == ["partner_booking_rescheduled", "partner_invite"]
    message = outbox._compose(OutgoingEmail.objects.get(kind="partner_booking_rescheduled"))
    assert message.to == ["mark@example.org"]
    assert "Het gesprek heeft een nieuwe tijd" in message.body


def test_another_way_of_meeting_reaches_the_partner_with_the_new_place(booked) -> None:
    booking, _booker, _url = booked
    helper = booking.helper
    helper.session_modes, helper.practice_address = "video,praktijk", "Oudegracht 12, Utrecht"
    helper.save()
    intake = partner_services.partner_invite(booking=booking, email="mark@example.org")
    answer(Client(), intake, "nl", {**STEP_ONE, "wants_updates": "on", "wants_calendar": "on"})
    helper_actions.booking_confirm(booking=booking)
    booking.refresh_from_db()
    helper_actions.booking_propose_way(booking=booking, mode="praktijk")
    helper_actions.booking_answer_way(booking=booking, accept=True)
    message = outbox._compose(OutgoingEmail.objects.get(kind="partner_booking_way_changed"))
    assert message.to == ["mark@example.org"]
    assert "Het gesprek gaat nu zo: in de praktijk." in message.body
    assert "Oudegracht 12" in message.body and ROOM not in message.body
    ((_name, content, _mimetype),) = message.attachments
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert "Oudegracht 12" in str(event["LOCATION"])
