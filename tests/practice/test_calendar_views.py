"""The helper's own calendar feed, read back with `icalendar`, and the page where she gets and
renews its link; and her limits on the availability page."""

import datetime
import re
from http import HTTPStatus

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from practice.models import AccessAction, AccessLogEntry
from support.booking import calendar, subscription
from support.booking import helper as helper_actions
from support.booking import services as booking_services

pytestmark = pytest.mark.django_db

LINK_PAGE = "/praktijk/agenda/"


@pytest.fixture
def anita(client: Client, make_account, make_offer):
    offer = make_offer()
    user = make_account("helper", "anita@example.org", helper=offer.helper)
    client.force_login(user)
    return offer


def feed_url(token: str) -> str:
    return reverse("practice:calendar_feed", kwargs={"token": token})


def fetch(token: str):
    """As a calendar client fetches: no cookies, no login."""
    return Client().get(feed_url(token))


def events(token: str) -> dict[str, icalendar.Event]:
    response = fetch(token)
    assert response.status_code == HTTPStatus.OK
    parsed = icalendar.Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in parsed.walk("VEVENT")}


def test_the_feed_lists_exactly_her_live_sessions_and_nothing_personal(
    anita, make_booking, make_helper, make_offer
) -> None:
    requested = make_booking(anita, days=3, name="Saskia Zonnebloem", what_happened="Geheim")
    confirmed = helper_actions.booking_confirm(booking=make_booking(anita, days=4))
    cancelled = make_booking(anita, days=5)
    booking_services.booking_cancel(booking=cancelled, by_visitor=False)
    declined = make_booking(anita, days=6)
    helper_actions.booking_decline(booking=declined, message="Sorry")
    held = make_booking(anita, days=7, submit=False)
    bram = make_offer(helper=make_helper("bram-voorbeeld", takes_bookings=True))
    other = make_booking(bram, days=3, hour=11)
    helper_actions.helper_calendar_token_renew(helper=bram.helper)
    token = helper_actions.helper_calendar_token_renew(helper=anita.helper)

    response = fetch(token)
    found = events(token)

    assert response["Content-Type"].startswith("text/calendar")
    control = response["Cache-Control"]
    assert "private" in control and "no-store" in control
    assert not response.cookies
    assert set(found) == {calendar.booking_uid(requested), calendar.booking_uid(confirmed)}
    for booking in (cancelled, declined, held, other):
        assert calendar.booking_uid(booking) not in found
    event = found[calendar.booking_uid(requested)]
    assert str(event["SUMMARY"]) == "Afspraak – Relatiegesprek"
    assert str(event["STATUS"]) == "TENTATIVE"
    assert str(found[calendar.booking_uid(confirmed)]["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == requested.starts_at
    assert event.decoded("DTSTART").utcoffset() == datetime.timedelta(0)
    assert event.decoded("DTEND") == requested.ends_at
    body = response.content.decode()
    for private in ("Saskia", "Zonnebloem", "example.org", "Geheim", "Sorry"):
        assert private not in body
    # The same event as the .ics e-mailed for the confirmation: one UID, one calendar entry.
    mailed = icalendar.Calendar.from_ical(calendar.booking_ics(confirmed))
    assert [str(e["UID"]) for e in mailed.walk("VEVENT")] == [calendar.booking_uid(confirmed)]


def test_a_reschedule_keeps_the_uid_and_a_cancellation_drops_the_session(
    anita, make_booking
) -> None:
    booking = helper_actions.booking_confirm(booking=make_booking(anita, days=3))
    token = helper_actions.helper_calendar_token_renew(helper=anita.helper)
    uid = calendar.booking_uid(booking)
    before = events(token)[uid]
    later = booking.starts_at + datetime.timedelta(days=2, hours=3)

    moved = booking_services.booking_reschedule(booking=booking, start=later)

    after = events(token)
    assert list(after) == [uid]
    assert after[uid].decoded("DTSTART") == later == moved.starts_at
    assert int(after[uid]["SEQUENCE"]) > int(before["SEQUENCE"])
    booking_services.booking_cancel(booking=moved, by_visitor=False)
    assert events(token) == {}


def test_she_gets_and_renews_her_link_and_the_old_one_stops_at_once(
    client: Client, anita, make_booking
) -> None:
    make_booking(anita, days=3)
    page = client.get(LINK_PAGE).content.decode()
    assert "Maak je agendalink" in page and ".ics" not in page

    assert client.post(LINK_PAGE)["Location"] == LINK_PAGE
    first = link_on_page(client.get(LINK_PAGE).content.decode())
    assert fetch(first).status_code == HTTPStatus.OK
    renewed = client.post(LINK_PAGE, follow=True).content.decode()
    second = link_on_page(renewed)

    assert "De oude werkt niet meer." in renewed
    assert second != first and len(second) >= 43
    assert fetch(first).status_code == HTTPStatus.NOT_FOUND
    assert fetch(second).status_code == HTTPStatus.OK
    logged = AccessLogEntry.objects.filter(action=AccessAction.CALENDAR_LINK_RENEWED)
    assert logged.count() == 2
    assert {entry.record for entry in logged} == {f"helper {anita.helper.pk}"}
    anita.helper.refresh_from_db()
    assert anita.helper.calendar_token_digest == subscription.token_digest(second)


def link_on_page(html: str) -> str:
    match = re.search(r'value="http://testserver/praktijk/agenda/([-\w]+)\.ics"', html)
    assert match, html
    return match.group(1)


def test_unknown_or_odd_tokens_are_not_found(anita) -> None:
    helper_actions.helper_calendar_token_renew(helper=anita.helper)
    for token in ("x", "a" * 43, "a" * 200):
        assert fetch(token).status_code == HTTPStatus.NOT_FOUND
    # A helper without a link has none to guess: an empty token never matches.
    assert subscription.helper_for_calendar_token("") is None


def test_only_a_helper_has_a_link_page() -> None:
    visitor = Client()
    response = visitor.get(LINK_PAGE)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/account/login/")


def test_she_sets_and_lifts_her_limits_on_the_availability_page(client: Client, anita) -> None:
    response = client.post(
        "/praktijk/beschikbaarheid/grenzen/",
        {"limits-per_day": "2", "limits-per_week": "6"},
    )
    assert response["Location"] == "/praktijk/beschikbaarheid/"
    anita.helper.refresh_from_db()
    assert (anita.helper.max_sessions_per_day, anita.helper.max_sessions_per_week) == (2, 6)
    assert 'value="2"' in client.get("/praktijk/beschikbaarheid/").content.decode()

    refused = client.post("/praktijk/beschikbaarheid/grenzen/", {"limits-per_day": "0"})
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert 'value="0"' in refused.content.decode()

    client.post("/praktijk/beschikbaarheid/grenzen/", {"limits-per_day": ""})
    anita.helper.refresh_from_db()
    assert anita.helper.max_sessions_per_day is None
    assert anita.helper.max_sessions_per_week is None
