"""Where and how a conversation takes place: the helper's modes, the visitor's choice, and what
the private pages, e-mails and calendar files say about it (support/booking/modes.py)."""

import datetime
import re
from email.utils import make_msgid
from http import HTTPStatus

import icalendar
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from support import links, outbox, retention
from support.booking import helper as helper_actions
from support.booking import modes
from support.booking import partner as partner_services
from support.booking import services as booking_services
from support.models import Booking, BookingStatus, Helper, OutgoingEmail
from tests.support_fixtures import booking_page, owner

pytestmark = pytest.mark.django_db

ADDRESS = "Oudegracht 12\n3511 AB Utrecht"
STANDING_LINK = "https://video.example.org/vaste-kamer"
OWN_LINK = "https://video.example.org/kamer-42?pwd=a&b=c"


@pytest.fixture
def helper_with_modes(make_helper):
    def make(session_modes: str, **fields):
        return make_helper(
            "anita-voorbeeld",
            takes_bookings=True,
            session_modes=session_modes,
            practice_address=ADDRESS,
            practice_route="Bel aan bij nummer 12.",
            practice_access="Begane grond.",
            **fields,
        )

    return make


def hold_in_browser(client: Client, offer, *, days: int = 5) -> Booking:
    """Choose the first free time `days` ahead on the week page, as a visitor does."""
    start = (timezone.localtime() + datetime.timedelta(days=days)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    response = client.post(
        reverse("support:booking_week", kwargs={"offer_id": offer.pk}),
        {"start": start.isoformat()},
    )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:300]
    return Booking.objects.get(status=BookingStatus.HELD)


def confirmed(make_booking, offer, *, mode: str, days: int = 5, video_link: str = "", **answers):
    booking = make_booking(offer, days=days, submit=False, **answers)
    key = booking.hold_key
    modes.booking_choose_mode(booking=booking, hold_key=key, offer=offer, mode=mode)
    booking = booking_services.booking_submit(booking=booking, hold_key=key)
    return helper_actions.booking_confirm(booking=booking, video_link=video_link)


def move_to(booking: Booking, start: datetime.datetime) -> None:
    """Give a booking another time in the database, as time passing would."""
    length = booking.ends_at - booking.starts_at
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=start, ends_at=start + length, blocked_from=start, blocked_until=start + length
    )


def ics_event(booking: Booking) -> icalendar.Event:
    email = OutgoingEmail.objects.filter(kind="booking_confirmed", booking=booking).get()
    message = outbox._compose(email)
    ((_name, content, _mimetype),) = message.attachments
    return icalendar.Calendar.from_ical(content).walk("VEVENT")[0]


# -- the visitor's choice ------------------------------------------------------------------------


def test_the_visitor_chooses_a_mode_and_it_is_stored(client: Client, make_offer, helper_with_modes):
    offer = make_offer(helper=helper_with_modes("praktijk,video"))
    booking = hold_in_browser(client, offer)
    assert booking.mode == ""
    # Two modes: before the intake she is asked how.
    response = client.get(reverse("support:booking_intake", kwargs={"step": 1}))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("support:booking_mode")
    page = client.get(reverse("support:booking_mode")).content.decode()
    assert "In de praktijk" in page and "Via video" in page and "Telefonisch" not in page
    assert "Oudegracht 12, 3511 AB Utrecht" in page
    response = client.post(reverse("support:booking_mode"), {"mode": "video"})
    assert response["Location"] == reverse("support:booking_intake", kwargs={"step": 1})
    booking.refresh_from_db()
    assert booking.mode == "video"
    assert client.get(reverse("support:booking_intake", kwargs={"step": 1})).status_code == 200


def test_a_mode_the_helper_does_not_offer_is_refused(
    client: Client, make_offer, helper_with_modes
) -> None:
    offer = make_offer(helper=helper_with_modes("praktijk,video"))
    booking = hold_in_browser(client, offer)
    response = client.post(reverse("support:booking_mode"), {"mode": "telefoon"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'role="alert"' in response.content.decode()
    booking.refresh_from_db()
    assert booking.mode == ""
    with pytest.raises(booking_services.BookingRefused) as refused:
        modes.booking_choose_mode(
            booking=booking, hold_key=booking.hold_key, offer=offer, mode="telefoon"
        )
    assert "biedt deze manier niet aan" in refused.value.message


def test_a_request_with_a_mode_no_longer_offered_is_refused(
    make_offer, make_booking, helper_with_modes
) -> None:
    helper = helper_with_modes("praktijk,video")
    offer = make_offer(helper=helper)
    booking = make_booking(offer, submit=False)
    modes.booking_choose_mode(booking=booking, hold_key=booking.hold_key, offer=offer, mode="video")
    helper.session_modes = "praktijk"
    helper.save()
    with pytest.raises(booking_services.BookingRefused) as refused:
        booking_services.booking_submit(booking=booking, hold_key=booking.hold_key)
    assert refused.value.message == "Kies eerst hoe je het gesprek wilt voeren."


def test_one_mode_is_stated_not_asked(client: Client, make_offer, helper_with_modes) -> None:
    offer = make_offer(helper=helper_with_modes("video", video_link=STANDING_LINK))
    booking = hold_in_browser(client, offer)
    assert booking.mode == "video"
    assert client.get(reverse("support:booking_intake", kwargs={"step": 1})).status_code == 200
    response = client.get(reverse("support:booking_mode"))
    assert response["Location"] == reverse("support:booking_intake", kwargs={"step": 1})


def test_an_offer_narrows_the_helpers_modes(make_offer, helper_with_modes) -> None:
    offer = make_offer(helper=helper_with_modes("praktijk,video"))
    assert offer.offered_modes == ["praktijk", "video"]
    offer.session_modes = "telefoon"
    offer.save()
    assert offer.offered_modes == ["telefoon"]
    assert modes.default_mode(offer) == "telefoon"


# -- the phone number ----------------------------------------------------------------------------


def test_a_phone_call_needs_a_number_stored_encrypted_and_erased_by_retention(
    client: Client, make_offer, helper_with_modes
) -> None:
    offer = make_offer(helper=helper_with_modes("telefoon"))
    booking = hold_in_browser(client, offer)
    step_1 = reverse("support:booking_intake", kwargs={"step": 1})
    data = {
        "name": "Saskia",
        "email": "saskia@example.org",
        "contact_preference": "alleen-email",
        "consent": "on",
    }
    response = client.post(step_1, data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "belt je op dit nummer" in response.content.decode()
    assert client.post(step_1, {**data, "phone": "06 1234 5678"}).status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert booking.phone == "06 1234 5678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM support_booking WHERE id = %s", [booking.pk])
        (raw,) = cursor.fetchone()
    assert "1234" not in raw and raw.startswith("gAAAA")  # a Fernet token

    # The session ended longer ago than the retention period: the number goes with the intake.
    booking = Booking.objects.get(pk=booking.pk)
    booking.status = BookingStatus.COMPLETED
    booking.save()
    long_ago = timezone.now() - datetime.timedelta(days=3650)
    move_to(booking, long_ago)
    assert retention.retention_purge() >= 1
    booking.refresh_from_db()
    assert booking.phone == "" and booking.erased_at is not None


def test_a_phone_booking_without_a_number_is_not_sent(
    make_offer, make_booking, helper_with_modes
) -> None:
    offer = make_offer(helper=helper_with_modes("telefoon"))
    booking = make_booking(offer, submit=False)
    with pytest.raises(booking_services.BookingRefused) as refused:
        booking_services.booking_submit(booking=booking, hold_key=booking.hold_key)
    assert "telefoonnummer" in refused.value.message


# -- the calendar file and the e-mails -----------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "location", "url"),
    [
        ("praktijk", "Oudegracht 12, 3511 AB Utrecht", None),
        ("video", OWN_LINK, OWN_LINK),
        ("telefoon", "Telefonisch: je hulpverlener belt je", None),
    ],
)
def test_the_calendar_file_says_where_per_mode(
    make_offer, make_booking, helper_with_modes, mode: str, location: str, url: str | None
) -> None:
    offer = make_offer(helper=helper_with_modes(mode))
    booking = confirmed(
        make_booking,
        offer,
        mode=mode,
        video_link=OWN_LINK if mode == "video" else "",
        phone="0612345678",
    )
    Booking.objects.filter(pk=booking.pk).update(wants_calendar=True)  # she asked for one
    event = ics_event(booking)
    assert str(event["LOCATION"]) == location
    assert (str(event["URL"]) if "URL" in event else None) == url
    description = str(event["DESCRIPTION"])
    assert "Duur: 60 minuten" in description
    assert "95" not in description  # no price: calendars are often shared
    assert "Kosteloos annuleren of verzetten kan tot 48 uur van tevoren." in description
    assert "0612345678" not in event.to_ical().decode()


def test_the_confirmation_email_tells_where_how_long_what_it_costs_and_the_cancel_rule(
    make_offer, make_booking, helper_with_modes
) -> None:
    offer = make_offer(helper=helper_with_modes("praktijk,video", video_link=STANDING_LINK))
    booking = confirmed(make_booking, offer, mode="praktijk")
    email = OutgoingEmail.objects.get(kind="booking_confirmed", booking=booking)
    body = outbox._compose(email).body
    assert "Waar: Oudegracht 12, 3511 AB Utrecht" in body
    assert "Route: Bel aan bij nummer 12." in body
    assert "Duur: 60 minuten." in body
    assert "Kosten: € 95." in body
    assert "Kosteloos annuleren of verzetten kan tot" in body and "(48 uur van tevoren)" in body
    assert STANDING_LINK not in body

    # Extended to 90 minutes: the next e-mail and calendar file say so.
    helper_actions.booking_extend(booking=booking)
    reminder = OutgoingEmail.objects.create(
        kind="booking_reminder", language="nl", booking=booking, message_id=make_msgid()
    )
    assert "Duur: 90 minuten." in outbox._compose(reminder).body


def test_the_video_email_carries_the_link_as_text_not_html_escaped(
    make_offer, make_booking, helper_with_modes
) -> None:
    offer = make_offer(helper=helper_with_modes("video", video_link=STANDING_LINK))
    booking = confirmed(make_booking, offer, mode="video", video_link=OWN_LINK)
    email = OutgoingEmail.objects.get(kind="booking_confirmed", booking=booking)
    body = outbox._compose(email).body
    assert f"Via video. De link: {OWN_LINK}" in body  # its own link, over her standing one
    assert STANDING_LINK not in body


# -- where a video link may show -----------------------------------------------------------------


def test_a_video_session_is_not_confirmed_without_a_link_and_a_bad_link_is_refused(
    make_offer, make_booking, helper_with_modes
) -> None:
    offer = make_offer(helper=helper_with_modes("video"))
    booking = make_booking(offer)
    with pytest.raises(booking_services.BookingRefused) as refused:
        helper_actions.booking_confirm(booking=booking)
    assert "Vul een videolink in" in refused.value.message
    for bad in ("http://video.example.org/kamer", "javascript:alert(1)", "https://", "kamer 42"):
        with pytest.raises(booking_services.BookingRefused) as refused:
            helper_actions.booking_confirm(booking=booking, video_link=bad)
        assert "begint met https://" in refused.value.message
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED


def test_the_video_link_shows_on_the_private_pages_only_from_24_hours_before_until_the_end(
    client: Client, make_offer, make_booking, helper_with_modes
) -> None:
    offer = make_offer(helper=helper_with_modes("video", video_link=STANDING_LINK))
    booking = confirmed(make_booking, offer, mode="video", video_link=OWN_LINK, days=5)
    intake = partner_services.partner_invite(booking=booking, email="")
    owner(booking, client)
    pages = [booking_page(booking), links.partner_url(intake)]
    escaped = OWN_LINK.replace("&", "&amp;")

    for url in pages:
        response = client.get(url)
        page = response.content.decode()
        assert "no-store" in response["Cache-Control"]
        assert escaped not in page and "kamer-42" not in page and "vaste-kamer" not in page
        assert "De link verschijnt hier op" in page

    move_to(booking, timezone.now() + datetime.timedelta(hours=23))
    for url in pages:
        page = client.get(url).content.decode()
        assert f'href="{escaped}"' in page, url

    move_to(booking, timezone.now() - datetime.timedelta(minutes=61))  # over: 60 minutes
    for url in pages:
        page = client.get(url).content.decode()
        assert "kamer-42" not in page and "De link verschijnt" not in page
    assert client.get(links.booking_url(booking)).status_code == 404  # and her page is gone


def test_a_request_does_not_show_a_link_yet(
    client: Client, make_offer, make_booking, helper_with_modes
) -> None:
    offer = make_offer(helper=helper_with_modes("video", video_link=STANDING_LINK))
    booking = make_booking(offer, days=2)
    move_to(booking, timezone.now() + datetime.timedelta(hours=3))
    page = owner(booking, client).get(booking_page(booking)).content.decode()
    assert "vaste-kamer" not in page
    assert "als de afspraak bevestigd is" in page


def test_the_video_link_is_on_no_public_page(
    client: Client, make_offer, make_booking, helper_with_modes
) -> None:
    helper = helper_with_modes("praktijk,video", video_link=STANDING_LINK)
    offer = make_offer(helper=helper)
    booking = confirmed(make_booking, offer, mode="video", video_link=OWN_LINK, days=2)
    move_to(booking, timezone.now() + datetime.timedelta(hours=2))
    for url in (
        reverse("home"),
        reverse("support:directory"),
        reverse("support:entry", kwargs={"slug": helper.slug}),
        reverse("support:booking_start"),
        reverse("support:booking_choose"),
        reverse("support:booking_week", kwargs={"offer_id": offer.pk}),
    ):
        response = Client().get(url)
        assert response.status_code == HTTPStatus.OK, url
        page = response.content.decode()
        assert "video.example.org" not in page, url
        assert "Oudegracht" not in page, url


# -- the helper ----------------------------------------------------------------------------------


@pytest.fixture
def helper_client(make_account, make_offer, helper_with_modes):
    helper = helper_with_modes("praktijk")
    offer = make_offer(helper=helper)
    client = Client()
    client.force_login(make_account("helper", "anita@example.org", helper=helper))
    return client, offer


def test_the_helper_sets_her_modes_address_and_link_with_friendly_errors(helper_client) -> None:
    client, offer = helper_client
    url = reverse("practice:modes")
    assert client.get(url).status_code == HTTPStatus.OK
    response = client.post(url, {"modes": ["praktijk", "video"], "address": ""})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Vul het adres van je praktijk in" in response.content.decode()
    response = client.post(
        url, {"modes": ["video"], "video_link": "http://video.example.org/kamer"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Een videolink begint met https://" in response.content.decode()
    response = client.post(
        url,
        {
            "modes": ["praktijk", "video"],
            "address": "Oudegracht 14\n3511 AB Utrecht",
            "route": "Achterom.",
            "video_link": " https://video.example.org/anita ",
            "language": "en",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    helper = offer.helper
    helper.refresh_from_db()
    assert helper.language == "en"  # her own e-mails, whatever the site's language
    assert helper.session_modes == "praktijk,video"
    assert helper.practice_address == "Oudegracht 14\n3511 AB Utrecht"
    assert helper.video_link == "https://video.example.org/anita"
    assert offer.offered_modes == ["praktijk", "video"]


def test_her_contact_for_clients_shows_on_a_late_booking_only(helper_client, make_booking) -> None:
    client, offer = helper_client
    url = reverse("practice:modes")
    data = {"modes": ["praktijk"], "address": ADDRESS, "client_phone": "030 123 45 67"}
    wrong = client.post(url, {**data, "client_email": "geen-adres"})
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    assert "naam@voorbeeld.nl" in wrong.content.decode()
    assert client.post(url, {**data, "client_email": "praktijk@example.org"}).status_code == 302
    booking = make_booking(offer, days=6)
    visitor = owner(booking)
    assert "030 123 45 67" not in visitor.get(booking_page(booking)).content.decode()
    move_to(booking, timezone.now() + datetime.timedelta(hours=20))
    page = visitor.get(booking_page(booking)).content.decode()
    assert 'href="tel:0301234567"' in page
    assert 'href="mailto:praktijk@example.org"' in page


def test_the_helper_adds_a_link_when_she_confirms_a_video_session(
    helper_client, make_booking
) -> None:
    client, offer = helper_client
    Helper.objects.filter(pk=offer.helper_id).update(session_modes="video")
    offer.helper.session_modes = "video"
    booking = make_booking(offer)
    assert booking.mode == "video"
    url = reverse("practice:booking_confirm", kwargs={"pk": booking.pk})
    response = client.post(url, {"video_link": "http://video.example.org/kamer"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Een videolink begint met https://" in response.content.decode()
    response = client.post(url, {"video_link": ""})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Vul een videolink in" in response.content.decode()
    assert client.post(url, {"video_link": OWN_LINK}).status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.video_link == OWN_LINK
    with connection.cursor() as cursor:
        cursor.execute("SELECT video_link FROM support_booking WHERE id = %s", [booking.pk])
        (raw,) = cursor.fetchone()
    assert "kamer-42" not in raw
    page = client.get(reverse("practice:booking", kwargs={"pk": booking.pk})).content.decode()
    assert re.search(r"Via video: https://video\.example\.org/kamer-42", page)


NEW_LINK = "https://video.example.org/kamer-77"


def test_the_helper_changes_the_link_of_a_confirmed_video_session(
    helper_client, make_booking
) -> None:
    """The room moved: she changes the link, the visitor gets the confirmation again with the
    new link, and a request, an ended session or a bad link are refused in words."""
    client, offer = helper_client
    Helper.objects.filter(pk=offer.helper_id).update(session_modes="video")
    offer.helper.session_modes = "video"
    booking = make_booking(offer)
    change = reverse("practice:booking_video_link", kwargs={"pk": booking.pk})
    page_url = reverse("practice:booking", kwargs={"pk": booking.pk})

    # Not yet confirmed: nothing to change, and no form for it.
    assert "Videolink wijzigen" not in client.get(page_url).content.decode()
    response = client.post(change, {"video_link": NEW_LINK})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Alleen bij een bevestigd videogesprek" in response.content.decode()

    confirm = reverse("practice:booking_confirm", kwargs={"pk": booking.pk})
    assert client.post(confirm, {"video_link": OWN_LINK}).status_code == HTTPStatus.FOUND
    assert "Videolink wijzigen" in client.get(page_url).content.decode()

    response = client.post(change, {"video_link": "http://video.example.org/kamer"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Een videolink begint met https://" in response.content.decode()
    assert "http://video.example.org/kamer" in response.content.decode(), "what she typed"

    assert client.post(change, {"video_link": NEW_LINK}).status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert booking.video_link == NEW_LINK
    sent = OutgoingEmail.objects.filter(kind="booking_confirmed", booking=booking).order_by("pk")
    assert sent.count() == 2
    body = outbox._compose(sent.last()).body
    assert NEW_LINK in body and "kamer-42" not in body

    # The same link again sends nothing new.
    assert client.post(change, {"video_link": NEW_LINK}).status_code == HTTPStatus.FOUND
    assert sent.count() == 2

    # Once the session has ended, the link stays as it was.
    ended = booking.ends_at + datetime.timedelta(minutes=1)
    with pytest.raises(booking_services.BookingRefused):
        helper_actions.booking_set_video_link(booking=booking, video_link=OWN_LINK, now=ended)
