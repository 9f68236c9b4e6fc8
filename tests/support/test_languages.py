"""Everyone gets her own language: each e-mail and calendar file goes out in its recipient's
language, whoever's request queued it (support/outbox.py recipient_language)."""

import re
from http import HTTPStatus

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from support import outbox
from support.models import Booking, Helper, OutgoingEmail, Signup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dutch_after() -> None:
    """A request on /en/ leaves English active in this thread: not for the tests after it."""
    yield
    translation.activate("nl")


CONTACT = {
    "name": "Sarah",
    "email": "sarah@example.org",
    "contact_preference": "alleen-email",
    "wants_calendar": "on",
    "consent": "on",
}
STEPS = [
    CONTACT,
    {"role": "bedrogen-partner", "disclosure": "ontdekt"},
    {"partner_knows": "ja", "partner_joins": "nee"},
    {"feels_safe": "ja"},
]


def url(name: str, language: str, **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def book_through_the_site(client: Client, offer, language: str) -> Booking:
    """Hold the first free time and send the request, every page in `language`."""
    week = client.get(url("support:booking_week", language, offer_id=offer.pk), follow=True)
    start = re.findall(r'name="start" value="([^"]+)"', week.content.decode())[0]
    client.post(url("support:booking_week", language, offer_id=offer.pk), {"start": start})
    for step, data in enumerate(STEPS, start=1):
        response = client.post(url("support:booking_intake", language, step=step), data)
        assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:300]
    response = client.post(url("support:booking_summary", language))
    assert response.status_code == HTTPStatus.FOUND
    return Booking.objects.get()


@pytest.fixture
def helper_client(make_account, make_offer):
    offer = make_offer()
    client = Client()
    client.force_login(make_account("helper", "anita@example.org", helper=offer.helper))
    return client, offer


def composed(kind: str, **about) -> tuple[OutgoingEmail, object]:
    email = OutgoingEmail.objects.filter(kind=kind, **about).latest("created_at")
    return email, outbox._compose(email)


def test_a_visitor_on_en_gets_the_dutch_helpers_confirmation_and_calendar_in_english(
    helper_client,
) -> None:
    helper, offer = helper_client
    booking = book_through_the_site(Client(), offer, "en")
    assert booking.language == "en"
    # The helper is told in her own language (Dutch by default), though an English visitor's
    # request queued it.
    email, message = composed("helper_new_request", booking=booking)
    assert email.language == "nl"
    # The helper confirms from a Dutch page: the visitor's confirmation is in English.
    action = url("practice:booking_confirm", "nl", pk=booking.pk)
    assert helper.post(action, {"video_link": ""}).status_code == HTTPStatus.FOUND
    email, message = composed("booking_confirmed", booking=booking)
    assert email.language == "en"
    assert message.subject.startswith("Your appointment")
    assert "Your appointment" in message.body and "Je afspraak" not in message.body
    ((_name, content, mimetype),) = message.attachments
    assert "method=PUBLISH" in mimetype
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Appointment"


def test_a_helper_working_in_english_sends_a_dutch_visitor_dutch_mail(
    helper_client, make_booking
) -> None:
    helper, offer = helper_client
    booking = make_booking(offer)  # booked in Dutch
    assert booking.language == "nl"
    action = url("practice:booking_confirm", "en", pk=booking.pk)
    assert helper.post(action, {"video_link": ""}).status_code == HTTPStatus.FOUND
    email, message = composed("booking_confirmed", booking=booking)
    assert email.language == "nl"
    assert message.subject.startswith("Je afspraak op")
    assert not message.attachments  # she did not ask for a calendar file


def test_a_helper_who_chose_english_gets_her_notices_in_english(make_offer) -> None:
    offer = make_offer()
    Helper.objects.filter(pk=offer.helper_id).update(language="en")
    booking = book_through_the_site(Client(), offer, "nl")
    email = OutgoingEmail.objects.get(kind="booking_received", booking=booking)
    assert email.language == "nl"
    assert outbox.recipient_language("helper_new_request", booking=booking) == "en"


def test_a_group_sign_up_keeps_its_language_for_mail_sent_later_in_dutch(make_group) -> None:
    group = make_group()
    data = {"name": "Sam", "email": "sam@example.org", "consent": "on"}
    response = Client().post(url("support:signup", "en", slug=group.slug), data)
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    signup = Signup.objects.get()
    assert signup.language == "en"
    with translation.override("nl"):  # an organiser's Dutch request queues the next mail
        outbox.email_queue(kind="signup_reminder", signup=signup)
    email, message = composed("signup_reminder", signup=signup)
    assert email.language == "en"
    assert "Hallo" not in message.body
