"""The helper's dashboard: requests, the week, every action through the services, her
availability with a preview, and discreet e-mails to her."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from support import outbox
from support.booking import helper as helper_actions
from support.models import AvailabilityRule, Booking, BookingStatus, OutgoingEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def anita(client: Client, make_account, make_offer):
    offer = make_offer()
    user = make_account("helper", "anita@example.org", helper=offer.helper)
    client.force_login(user)
    return offer


def url(booking: Booking, action: str = "") -> str:
    return f"/praktijk/afspraak/{booking.pk}/" + (f"{action}/" if action else "")


def deliver_all() -> None:
    for email in OutgoingEmail.objects.filter(send_after__isnull=True):
        outbox.email_deliver(email_id=email.pk)


def test_the_dashboard_shows_requests_and_the_week_without_names(
    client: Client, anita, make_booking, django_assert_max_num_queries
) -> None:
    booking = make_booking(anita, feels_safe="nee", name="Saskia Zonnebloem")
    for days in (6, 7, 8):
        make_booking(anita, days=days)
    week = timezone.localtime(booking.starts_at).date().isoformat()
    client.get("/praktijk/")  # the first request of a session records it (allauth sessions)
    # Two of them read her weekly hours and exceptions, for the conflict marks.
    with django_assert_max_num_queries(10):
        response = client.get(f"/praktijk/?week={week}")
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Wachten op je antwoord (4)" in html
    assert html.count(url(booking)) == 2  # in the requests and in the week
    assert "Let op: veiligheid" in html
    assert "Zonnebloem" not in html  # names are read in the (logged) intake only
    # Neither the browser nor anything between keeps a copy (portal/middleware.py).
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store", "max-age=0"} <= directives


def test_confirming_a_request_emails_the_visitor(client: Client, anita, make_booking) -> None:
    booking = make_booking(anita)
    response = client.post(url(booking, "bevestigen"))
    assert response["Location"] == url(booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert "De afspraak is bevestigd." in client.get(url(booking)).content.decode()
    assert OutgoingEmail.objects.filter(booking=booking, kind="booking_confirmed").exists()
    # Confirming twice is refused in Dutch, not a server error.
    response = client.post(url(booking, "bevestigen"))
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Alleen een aanvraag kan worden bevestigd." in response.content.decode()


def test_declining_with_a_message(client: Client, anita, make_booking) -> None:
    booking = make_booking(anita)
    client.post(url(booking, "afwijzen"), {"message": "Die week ben ik weg."})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.DECLINED
    assert booking.helper_message == "Die week ben ik weg."
    response = client.post(url(make_booking(anita, days=6), "afwijzen"), {"message": "x" * 1001})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "x" * 1001 in response.content.decode()  # nothing typed is lost


def test_proposing_another_time(client: Client, anita, make_booking) -> None:
    booking = make_booking(anita)
    page = client.get(url(booking)).content.decode()
    choices = re.findall(r'<option value="([^"]+)">', page)
    assert choices
    response = client.post(url(booking, "voorstellen"), {"start": "", "message": "Past dit?"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Past dit?" in response.content.decode()
    response = client.post(
        url(booking, "voorstellen"), {"start": choices[3], "message": "Past dit?"}
    )
    assert response.status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert booking.starts_at == datetime.datetime.fromisoformat(choices[3])
    assert booking.status == BookingStatus.REQUESTED
    deliver_all()
    proposal = next(m for m in mail.outbox if "Past dit?" in m.body)
    assert proposal.to == ["saskia@example.org"]
    assert "/afspraak/beheer/" in proposal.body


def test_extending_and_cancelling(client: Client, anita, make_booking) -> None:
    booking = make_booking(anita)
    client.post(url(booking, "verlengen"))
    booking.refresh_from_db()
    assert booking.duration_minutes == 90
    assert "Verlengen tot" not in client.get(url(booking)).content.decode()
    client.post(url(booking, "annuleren"))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_completed_or_no_show_only_after_the_start(client: Client, anita, make_booking) -> None:
    booking = make_booking(anita)
    helper_actions.booking_confirm(booking=booking)
    response = client.post(url(booking, "afgerond"))
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Dit kan pas als een bevestigd gesprek is begonnen." in response.content.decode()
    began = timezone.now() - datetime.timedelta(hours=2)
    ended = began + datetime.timedelta(hours=1)
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=began, ends_at=ended, blocked_from=began, blocked_until=ended
    )
    assert "Niet gekomen" in client.get(url(booking)).content.decode()
    client.post(url(booking, "niet-gekomen"))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW


def test_an_unknown_action_is_not_found(client: Client, anita, make_booking) -> None:
    assert client.post(url(make_booking(anita), "verwijderen")).status_code == 404


def preview(client: Client) -> str:
    html = client.get("/praktijk/beschikbaarheid/").content.decode()
    return html.split('id="preview-title"', 1)[1]


def test_editing_availability_changes_the_free_times_at_once(client: Client, anita) -> None:
    assert "20:00" not in preview(client)
    day = timezone.localdate() + datetime.timedelta(days=3)
    response = client.post(
        "/praktijk/beschikbaarheid/tijden/",
        {"rule-weekday": day.weekday(), "rule-start": "19:00",
         "rule-end": "21:00"},
    )  # fmt: skip
    assert response["Location"] == "/praktijk/beschikbaarheid/"
    assert "20:00" in preview(client)
    # A day off takes that day's times away.
    client.post("/praktijk/beschikbaarheid/uitzonderingen/", {"exception-date": day.isoformat()})
    label = day.strftime("%-d")
    assert not re.search(rf"<dt>\w+ {label} \w+</dt>", preview(client))
    # And the rule can go again.
    rule = AvailabilityRule.objects.get(start=datetime.time(19))
    client.post(f"/praktijk/beschikbaarheid/tijden/{rule.pk}/verwijderen/")
    assert not AvailabilityRule.objects.filter(pk=rule.pk).exists()


def test_bad_availability_input_keeps_what_was_typed(client: Client, anita) -> None:
    response = client.post(
        "/praktijk/beschikbaarheid/tijden/",
        {"rule-weekday": "2", "rule-start": "17:00", "rule-end": "09:00"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "De eindtijd moet na de begintijd liggen." in html
    assert 'value="17:00"' in html
    response = client.post(
        "/praktijk/beschikbaarheid/uitzonderingen/",
        {"exception-date": "morgen", "exception-start": "10:00"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'value="morgen"' in response.content.decode()


def test_the_helper_is_told_of_a_request_without_its_content(
    anita, make_booking, booking_with_partner
) -> None:
    booking = booking_with_partner(name="Saskia Zonnebloem")
    deliver_all()
    to_helper = [m for m in mail.outbox if m.to == ["anita@example.org"]]
    assert sorted(m.subject for m in to_helper) == ["Nieuwe aanvraag", "Nieuwe intake"]
    for message in to_helper:
        assert f"/praktijk/afspraak/{booking.pk}/" in message.body
        for secret in ("Zonnebloem", "berichten", "Mark", "Dat we weer", "saskia"):
            assert secret not in message.body
            assert secret not in message.subject


def test_a_helper_without_an_account_gets_no_mail(make_booking) -> None:
    make_booking()
    assert not OutgoingEmail.objects.filter(kind__startswith="helper_").exists()


def test_a_dashboard_with_five_thousand_bookings_stays_within_its_budget(
    client: Client, anita, django_assert_max_num_queries
) -> None:
    """A year and a half of a busy practice: the page makes as many queries as with four
    bookings, lists at most 50 coming sessions and stays small."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    statuses = [BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.CONFIRMED]
    bookings = []
    for number in range(5000):
        # One an hour, in daytime, from a year ago to half a year ahead.
        start = now - datetime.timedelta(days=365) + datetime.timedelta(hours=number * 2.6)
        status = (
            statuses[number % 3]
            if start < now
            else (BookingStatus.REQUESTED if number % 2 else BookingStatus.CONFIRMED)
        )
        bookings.append(
            Booking(
                helper=anita.helper,
                conversation_type=anita.conversation_type,
                status=status,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=1),
                blocked_from=start,
                blocked_until=start + datetime.timedelta(hours=1),
                hold_key=f"bulk-{number}",
                requested_at=start - datetime.timedelta(days=7),
                name="Proef",
                email="proef@example.org",
                consent_at=start - datetime.timedelta(days=7),
            )
        )
    Booking.objects.bulk_create(bookings, batch_size=1000)
    assert Booking.objects.filter(helper=anita.helper).count() == 5000
    client.get("/praktijk/")  # the first request of a session records it (allauth sessions)
    # Two of them read her weekly hours and exceptions, for the conflict marks.
    with django_assert_max_num_queries(10):
        response = client.get("/praktijk/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert len(response.content) < 150_000
    assert len(set(re.findall(r'/praktijk/afspraak/(\d+)/"', html))) <= 50 + 7 * 12
    assert "Proef" not in html
