"""Issue 23: the private link gives nothing without the booking's address; late changes go to
the helper as a message; a move is confirmed first and told to the helper and the partner."""

import datetime
import re
from http import HTTPStatus

import icalendar
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from support import links, outbox
from support.booking import helper as helper_actions
from support.booking import partner as partner_services
from support.models import (
    Booking,
    BookingMessage,
    BookingStatus,
    OutgoingEmail,
    PartnerIntake,
)
from tests.support_fixtures import booking_page, owner

pytestmark = pytest.mark.django_db

SECRET_MESSAGE = "GEHEIM-BERICHT: ik ben ziek"


def move_to(booking: Booking, start: datetime.datetime) -> None:
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        blocked_from=start,
        blocked_until=start + datetime.timedelta(hours=1),
    )
    booking.refresh_from_db()


def sent_code(booking: Booking) -> str:
    email = OutgoingEmail.objects.filter(kind="booking_code", booking=booking).latest("pk")
    message = outbox._compose(email)
    assert message.to == [booking.email]
    return re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)[1]


def test_a_browser_with_only_the_link_sees_and_changes_nothing_until_the_code(
    make_booking,
) -> None:
    booking = make_booking(days=6)
    stranger = Client()
    opened = stranger.get(links.booking_url(booking))
    page_url = booking_page(booking)
    assert opened["Location"] == page_url  # no token left in the address bar or history
    page = stranger.get(page_url).content.decode()
    assert booking.helper.name not in page
    assert "€" not in page and "Duur" not in page
    assert timezone.localtime(booking.starts_at).strftime("%H:%M") not in page
    assert "Stuur mij een code" in page
    # Nothing changes: not a cancel, not an invitation, not another time.
    assert stranger.post(page_url).status_code == HTTPStatus.FORBIDDEN
    invite = stranger.post(page_url, {"partner": "email", "email": "x@example.org"})
    assert invite.status_code == HTTPStatus.FORBIDDEN
    assert stranger.get(f"{page_url}andere-tijd/").status_code == HTTPStatus.FORBIDDEN
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED
    assert not PartnerIntake.objects.filter(booking=booking).exists()

    # The code goes to the booking's own address; the page never names it.
    code_url = reverse("support:booking_code", kwargs={"pk": booking.pk})
    sent = stranger.post(code_url, {"send": "1"})
    assert sent["Location"] == code_url
    code_page = stranger.get(code_url).content.decode()
    assert booking.email not in code_page and "We hebben een code gestuurd" in code_page
    wrong = stranger.post(code_url, {"code": "AAAA-AAAA"})
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    assert "Deze code klopt niet" in wrong.content.decode()
    assert stranger.post(code_url, {"code": sent_code(booking)})["Location"] == page_url
    page = stranger.get(page_url).content.decode()
    assert booking.helper.name in page and "Afspraak annuleren" in page
    assert "Je afspraak is geannuleerd" in stranger.post(page_url).content.decode()


def test_a_browser_that_never_had_the_link_gets_a_404(make_booking) -> None:
    booking = make_booking(days=6)
    client = Client()
    assert client.get(booking_page(booking)).status_code == HTTPStatus.NOT_FOUND
    code_url = reverse("support:booking_code", kwargs={"pk": booking.pk})
    assert client.post(code_url, {"send": "1"}).status_code == HTTPStatus.NOT_FOUND
    assert not OutgoingEmail.objects.filter(kind="booking_code").exists()


def test_codes_are_limited_per_booking(make_booking) -> None:
    booking = make_booking(days=6)
    code_url = reverse("support:booking_code", kwargs={"pk": booking.pk})
    statuses = []
    for _ in range(4):
        client = Client(REMOTE_ADDR=f"10.0.0.{len(statuses)}")
        client.get(links.booking_url(booking))
        statuses.append(client.post(code_url, {"send": "1"}).status_code)
    assert statuses == [HTTPStatus.FOUND] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]
    assert OutgoingEmail.objects.filter(kind="booking_code").count() == 3


def test_inside_the_window_a_message_reaches_the_helper_unreadable_at_rest(
    make_booking, make_account
) -> None:
    booking = make_booking(days=6)
    user = make_account("helper", "helper@example.org", helper=booking.helper)
    move_to(booking, timezone.now() + datetime.timedelta(hours=20))  # window: 48 hours
    client = owner(booking)
    url = booking_page(booking)
    page = client.get(url).content.decode()
    assert "Die tijd is voorbij" in page and "Kosteloos annuleren of verzetten kan tot " in page
    assert "Andere tijd kiezen" not in page and "Afspraak annuleren" not in page
    for deadline in re.findall(r"kan (?:hier )?(?:kosteloos )?tot (\w+ \d+ \w+, \d\d:\d\d)", page):
        pytest.fail(f"a deadline on the page: {deadline}")

    too_long = client.post(url, {"text": "x" * 1001})
    assert too_long.status_code == HTTPStatus.BAD_REQUEST
    assert "Maak je bericht korter" in too_long.content.decode()
    assert "x" * 1001 in too_long.content.decode()  # nothing she typed is lost
    empty = client.post(url, {"text": "  "})
    assert empty.status_code == HTTPStatus.BAD_REQUEST
    sent = client.post(url, {"text": SECRET_MESSAGE})
    assert sent["Location"] == url
    assert "Je bericht is verstuurd" in client.get(url).content.decode()

    assert BookingMessage.objects.get(booking=booking).text == SECRET_MESSAGE
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM support_bookingmessage")
        assert "GEHEIM" not in cursor.fetchone()[0]
    notice = outbox._compose(OutgoingEmail.objects.get(kind="helper_new_message"))
    assert notice.to == ["helper@example.org"]
    assert "GEHEIM" not in notice.body and "GEHEIM" not in notice.subject
    helper = Client()
    helper.force_login(user)
    helper_page = helper.get(reverse("practice:booking", kwargs={"pk": booking.pk}))
    assert SECRET_MESSAGE in helper_page.content.decode()


def test_messages_are_limited_per_booking(make_booking) -> None:
    booking = make_booking(days=6)
    client = owner(booking)
    statuses = [
        client.post(booking_page(booking), {"text": f"bericht {n}"}).status_code for n in range(6)
    ]
    assert statuses == [HTTPStatus.FOUND] * 5 + [HTTPStatus.TOO_MANY_REQUESTS]


def test_no_past_deadline_in_the_emails_or_the_calendar_file(make_booking) -> None:
    booking = helper_actions.booking_confirm(booking=make_booking(days=6))
    Booking.objects.filter(pk=booking.pk).update(wants_calendar=True)  # she asked for the file
    move_to(booking, timezone.now() + datetime.timedelta(hours=20))
    email = OutgoingEmail.objects.create(kind="booking_confirmed", booking=booking, language="nl")
    message = outbox._compose(email)
    assert "Die tijd is voorbij" in message.body
    assert "Kosteloos annuleren of verzetten kan tot 48 uur van tevoren." in message.body
    (_name, attached, _type) = message.attachments[0]
    # The same from "Zet in mijn agenda" on her page.
    download = owner(booking).get(reverse("support:booking_calendar", kwargs={"pk": booking.pk}))
    for content in (attached, download.content):
        description = str(icalendar.Calendar.from_ical(content).walk("VEVENT")[0]["DESCRIPTION"])
        assert "tot 48 uur van tevoren" in description
        assert not re.search(r"\d\d:\d\d", description)


def test_a_move_tells_the_helper_and_the_invited_partner_and_raises_the_sequence(
    make_booking, make_account, make_offer
) -> None:
    offer = make_offer(cancellation_window_hours=2)
    booking = helper_actions.booking_confirm(booking=make_booking(offer, days=5))
    make_account("helper", "helper@example.org", helper=booking.helper)
    partner_services.partner_invite(booking=booking, email="mark@example.org")
    sequence = icalendar_sequence(booking)
    client = owner(booking)
    old_link = links.booking_url(booking)
    new_start = (booking.starts_at + datetime.timedelta(days=1)).astimezone(booking.helper.zone)
    url = booking_page(booking)
    confirm = client.get(f"{url}andere-tijd/bevestigen/", {"start": new_start.isoformat()})
    assert "<del>" in confirm.content.decode()
    booking.refresh_from_db()
    assert booking.starts_at != new_start  # not before the second step
    assert (
        client.post(f"{url}andere-tijd/bevestigen/", {"start": new_start.isoformat()})["Location"]
        == url
    )
    booking.refresh_from_db()
    assert booking.starts_at == new_start
    when = new_start.strftime("%H:%M")
    helper_mail = outbox._compose(OutgoingEmail.objects.get(kind="helper_booking_moved"))
    assert helper_mail.to == ["helper@example.org"] and when in helper_mail.body
    partner_mail = outbox._compose(OutgoingEmail.objects.get(kind="partner_rescheduled"))
    assert partner_mail.to == ["mark@example.org"] and when in partner_mail.body
    assert icalendar_sequence(booking) > sequence
    assert Client().get(old_link).status_code == HTTPStatus.GONE


def icalendar_sequence(booking: Booking) -> int:
    booking.refresh_from_db()
    from support.booking.calendar import booking_ics

    event = icalendar.Calendar.from_ical(booking_ics(booking)).walk("VEVENT")[0]
    return int(event["SEQUENCE"])


def test_a_new_video_link_raises_the_sequence(make_booking, make_offer, make_helper) -> None:
    helper = make_helper(
        "anita", takes_bookings=True, session_modes="video", video_link="https://video.nl/a"
    )
    booking = make_booking(make_offer(helper=helper), days=5)
    assert booking.mode == "video"
    booking = helper_actions.booking_confirm(booking=booking)
    before = icalendar_sequence(booking)
    helper_actions.booking_set_video_link(booking=booking, video_link="https://video.nl/b")
    assert icalendar_sequence(booking) == before + 1


def test_the_check_page_warns_before_sending_inside_the_window(client: Client, make_offer) -> None:
    from tests.support.booking.test_booking_views import complete_intake, hold

    offer = make_offer(cancellation_window_hours=24 * 30)  # every free time is inside it
    hold(client, offer)
    complete_intake(client)
    page = client.get("/afspraak/controleren/").content.decode()
    assert "Let op: dit gesprek is al snel" in page
    assert "niet zelf kosteloos verzetten of annuleren" in page
    assert "Die tijd is voorbij" in page
