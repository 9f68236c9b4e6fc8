"""The helper's side as a practice lives it: days off that see her sessions, her own booking
rules, a feed that says where, another way of meeting, a dashboard that says what is urgent."""

import datetime
import re
from http import HTTPStatus

import icalendar
import pytest
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from practice.models import AccessLogEntry
from support.booking import calendar, modes, selectors, services
from support.booking import helper as helper_side
from support.models import (
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingStatus,
    Helper,
    Offer,
    OutgoingEmail,
    SessionMode,
)
from tests.support.test_emails import calendar_of, smtp, text_of  # noqa: F401 (a fixture)
from tests.support_fixtures import owner

pytestmark = pytest.mark.django_db

ADDRESS = "Oudegracht 12\n3511 AB Utrecht"
LINK = "https://video.example.org/kamer-7"


@pytest.fixture
def anita(client: Client, make_account, make_offer):
    offer = make_offer()
    client.force_login(make_account("helper", "anita@example.org", helper=offer.helper))
    return offer


def page(client: Client, url: str) -> str:
    return client.get(url).content.decode()


def said(booking: Booking) -> str:
    local = timezone.localtime(booking.starts_at)
    return f"Op {date_format(local, 'l j F')} staat om {local:%H:%M} een aanvraag"


def with_ways(offer, ways: str):
    Helper.objects.filter(pk=offer.helper_id).update(
        session_modes=ways, practice_address=ADDRESS, video_link=LINK
    )
    offer.helper.refresh_from_db()
    return offer.helper


# -- days off and changed hours ------------------------------------------------------------------


def test_a_day_off_over_a_request_lists_it_before_saving_and_marks_it_after(
    client: Client, anita, make_booking
) -> None:
    booking = make_booking(anita, days=5, hour=11)
    day = timezone.localtime(booking.starts_at).date().isoformat()
    asked = client.post("/praktijk/beschikbaarheid/uitzonderingen/", {"exception-date": day})
    assert asked.status_code == HTTPStatus.OK
    assert said(booking) in asked.content.decode()
    assert not AvailabilityException.objects.exists(), "nothing saved before she has seen it"

    saved = client.post(
        "/praktijk/beschikbaarheid/uitzonderingen/",
        {"exception-date": day, "exception-seen": "on"},
    )
    assert saved.status_code == HTTPStatus.FOUND
    assert AvailabilityException.objects.filter(date=day).exists()
    for url in ("/praktijk/", f"/praktijk/afspraak/{booking.pk}/", "/praktijk/beschikbaarheid/"):
        assert "Buiten je tijden" in page(client, url), url

    # It cannot be confirmed unless she confirms the conflict too.
    confirm = f"/praktijk/afspraak/{booking.pk}/bevestigen/"
    refused = client.post(confirm, {})
    assert refused.status_code == HTTPStatus.CONFLICT
    assert "valt buiten je tijden" in refused.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REQUESTED
    assert client.post(confirm, {"outside_hours_ok": "on"}).status_code == HTTPStatus.FOUND
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert "Buiten je tijden" not in page(client, "/praktijk/")


def test_removing_weekly_hours_asks_first_and_a_session_can_be_moved_or_called_off(
    client: Client, anita, make_booking
) -> None:
    first = helper_side.booking_confirm(booking=make_booking(anita, days=5, hour=10))
    second = make_booking(anita, days=5, hour=14)
    weekday = timezone.localtime(first.starts_at).weekday()
    rule = AvailabilityRule.objects.get(helper=anita.helper, weekday=weekday)
    remove = f"/praktijk/beschikbaarheid/tijden/{rule.pk}/verwijderen/"
    html = client.post(remove).content.decode()
    assert said(second) in html
    assert said(first).replace("een aanvraag", "een afspraak") in html
    assert AvailabilityRule.objects.filter(pk=rule.pk).exists()
    assert client.post(remove, {"seen": "on"}).status_code == HTTPStatus.FOUND
    assert not AvailabilityRule.objects.filter(pk=rule.pk).exists()

    # In place: "Afzeggen" calls the request off; the session moves to a free time.
    client.post(f"/praktijk/afspraak/{second.pk}/annuleren/")
    assert Booking.objects.get(pk=second.pk).status == BookingStatus.CANCELLED
    detail = page(client, f"/praktijk/afspraak/{first.pk}/")
    start = re.search(r'<option value="([^"]+)"', detail.split('name="start"')[1]).group(1)
    moved = client.post(f"/praktijk/afspraak/{first.pk}/voorstellen/", {"start": start})
    assert moved.status_code == HTTPStatus.FOUND
    first.refresh_from_db()
    assert first.status == BookingStatus.CONFIRMED
    assert first.starts_at == datetime.datetime.fromisoformat(start)
    assert OutgoingEmail.objects.filter(booking=first, kind="booking_rescheduled").exists()
    assert "Buiten je tijden" not in page(client, "/praktijk/")


def test_she_may_keep_a_session_outside_her_hours(client: Client, anita, make_booking) -> None:
    booking = helper_side.booking_confirm(booking=make_booking(anita, days=5, hour=10))
    day = timezone.localtime(booking.starts_at).date()
    helper_side.availability_exception_add(helper=anita.helper, date=day, seen=True)
    assert "Buiten je tijden" in page(client, "/praktijk/")
    client.post(f"/praktijk/afspraak/{booking.pk}/laten-staan/")
    assert "Buiten je tijden" not in page(client, "/praktijk/")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    # Kept for that time only: moved, and a later day off over the new time marks it again.
    moved = helper_side.booking_propose(
        booking=booking, start=booking.starts_at + datetime.timedelta(days=1)
    )
    assert "Buiten je tijden" not in page(client, "/praktijk/")
    new_day = timezone.localtime(moved.starts_at).date()
    helper_side.availability_exception_add(helper=anita.helper, date=new_day, seen=True)
    assert "Buiten je tijden" in page(client, "/praktijk/")


# -- her own booking rules -------------------------------------------------------------------------


def test_her_notice_of_zero_hours_makes_todays_later_times_bookable(client: Client, anita) -> None:
    morning = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    today = morning.date()
    assert not selectors.free_times(offer=anita, first_day=today, last_day=today, now=morning)
    url = f"/praktijk/beschikbaarheid/regels/{anita.pk}/"
    rules = {
        "notice_hours": "0",
        "buffer_before": "0",
        "buffer_after": "10",
        "horizon_days": "30",
        "step_minutes": "60",
    }
    response = client.post(url, rules, follow=True)
    assert "Je vrije tijden volgen meteen." in response.content.decode()
    anita.refresh_from_db()
    times = selectors.free_times(offer=anita, first_day=today, last_day=today, now=morning)
    assert times[0] == morning.replace(hour=9)
    # On the hour only: 09:00 to 16:00.
    assert {timezone.localtime(t).minute for t in times} == {0}
    assert len(times) == 8


def test_her_rules_stay_within_the_coordinators_bounds(client: Client, anita) -> None:
    kind = anita.conversation_type
    kind.notice_floor_hours = 4
    kind.horizon_ceiling_days = 60
    kind.buffer_ceiling_minutes = 30
    kind.save()
    url = f"/praktijk/beschikbaarheid/regels/{anita.pk}/"
    good = {
        "notice_hours": "4",
        "buffer_before": "0",
        "buffer_after": "30",
        "horizon_days": "60",
        "step_minutes": "30",
    }
    for field, bad, reason in (
        ("notice_hours", "2", "ten minste 4 uur"),
        ("horizon_days", "90", "tussen 1 en 60 dagen"),
        ("buffer_after", "45", "hoogstens 30 minuten"),
        ("step_minutes", "7", "Selecteer een geldige keuze"),
    ):
        response = client.post(url, {**good, field: bad})
        assert response.status_code == HTTPStatus.BAD_REQUEST, field
        html = response.content.decode()
        assert reason in html, field
        assert f'value="{bad}"' in html or field == "step_minutes", "what she typed stays"
    assert client.post(url, good).status_code == HTTPStatus.FOUND
    anita.refresh_from_db()
    assert anita.setting("min_notice_hours") == 4
    assert selectors.slot_rules(anita).step == datetime.timedelta(minutes=30)


# -- her feed --------------------------------------------------------------------------------------


def test_her_feed_says_how_and_where_with_a_link_to_the_booking(
    anita, make_booking, make_helper
) -> None:
    helper = with_ways(anita, "praktijk,video,telefoon")
    made = {}
    for days, mode in ((3, SessionMode.PRACTICE), (4, SessionMode.VIDEO), (5, SessionMode.PHONE)):
        booking = make_booking(
            anita, days=days, submit=False, name="Saskia de Vries", phone="0612345678"
        )
        modes.booking_choose_mode(
            booking=booking, hold_key=booking.hold_key, offer=anita, mode=mode
        )
        from support.booking import services

        made[mode] = services.booking_submit(booking=booking, hold_key=booking.hold_key)
    token = helper_side.helper_calendar_token_renew(helper=helper)
    feed = icalendar.Calendar.from_ical(Client().get(f"/praktijk/agenda/{token}.ics").content)
    events = {str(e["UID"]): e for e in feed.walk("VEVENT")}
    practice, video, phone = (events[calendar.booking_uid(made[m])] for m in made)
    assert str(practice["LOCATION"]) == "Oudegracht 12, 3511 AB Utrecht"
    assert "Manier: In de praktijk" in str(practice["DESCRIPTION"])
    assert str(video["LOCATION"]) == LINK
    assert "Manier: Via video" in str(video["DESCRIPTION"])
    assert "Telefonisch" in str(phone["LOCATION"])
    assert "0612345678" not in feed.to_ical().decode()
    for mode, event in zip(made, (practice, video, phone), strict=True):
        assert str(event["URL"]).endswith(f"/praktijk/afspraak/{made[mode].pk}/")
        assert str(event["SUMMARY"]) == "Afspraak – Relatiegesprek"
    # Her choice: the visitor's first name in the title, never more of it.
    helper_side.helper_feed_names_set(helper=helper, show=True)
    feed = Client().get(f"/praktijk/agenda/{token}.ics").content.decode()
    assert "Afspraak – Relatiegesprek – Saskia" in feed
    assert "de Vries" not in feed


# -- another way of meeting ----------------------------------------------------------------------


def test_a_video_proposal_changes_nothing_until_the_visitor_accepts(
    client: Client,
    anita,
    make_booking,
    smtp,  # noqa: F811
    work_queue,
) -> None:
    smtp.start()
    with_ways(anita, "praktijk,video")
    booking = make_booking(anita, days=4, submit=False)
    modes.booking_choose_mode(
        booking=booking, hold_key=booking.hold_key, offer=anita, mode=SessionMode.PRACTICE
    )
    Booking.objects.filter(pk=booking.pk).update(wants_calendar=True)  # she asked for a file
    booking = helper_side.booking_confirm(
        booking=services.booking_submit(booking=booking, hold_key=booking.hold_key)
    )
    work_queue()
    smtp.messages.clear()
    response = client.post(f"/praktijk/afspraak/{booking.pk}/manier/", {"mode": "video"})
    assert response.status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert (booking.mode, booking.proposed_mode) == (SessionMode.PRACTICE, SessionMode.VIDEO)
    work_queue()
    visitor = owner(booking)
    html = visitor.get(f"/afspraak/{booking.pk}/").content.decode()
    assert "Je hulpverlener stelt een andere manier voor" in html
    answered = visitor.post(f"/afspraak/{booking.pk}/manier/", {"accept": "ja"})
    assert answered.status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert (booking.mode, booking.proposed_mode) == (SessionMode.VIDEO, "")
    work_queue()
    to = [m["To"] for m in smtp.messages]
    assert to == ["saskia@example.org"] * 2 + ["anita@example.org"], to
    proposal, changed, to_helper = smtp.messages
    assert "via video in plaats van in de praktijk" in text_of(proposal)
    event = calendar_of(changed).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 2
    assert str(event["LOCATION"]) == LINK
    assert calendar_of(to_helper) is None  # her own feed shows the change
    # Her page no longer asks; it says the answer went to her helper.
    html = visitor.get(answered["Location"]).content.decode()
    assert "Je antwoord is doorgegeven aan je hulpverlener." in html
    assert "Je hulpverlener stelt een andere manier voor" not in html


def test_a_declined_proposal_leaves_the_booking_as_it_was(anita, make_booking) -> None:
    with_ways(anita, "praktijk,video")
    booking = make_booking(anita, days=4, submit=False)
    key = booking.hold_key
    modes.booking_choose_mode(booking=booking, hold_key=key, offer=anita, mode="praktijk")
    booking = services.booking_submit(booking=booking, hold_key=key)
    helper_side.booking_propose_way(booking=booking, mode=SessionMode.VIDEO)
    # Only a browser that may manage the booking answers.
    assert Client().post(f"/afspraak/{booking.pk}/manier/", {"accept": "ja"}).status_code == 404
    owner(booking).post(f"/afspraak/{booking.pk}/manier/", {"accept": "nee"})
    booking.refresh_from_db()
    assert (booking.mode, booking.proposed_mode, booking.token_version) == ("praktijk", "", 1)
    assert OutgoingEmail.objects.filter(booking=booking, kind="helper_way_declined").exists()
    with pytest.raises(
        helper_side.BookingRefused if hasattr(helper_side, "BookingRefused") else Exception
    ):
        helper_side.booking_propose_way(booking=booking, mode=SessionMode.PHONE)


# -- the dashboard -------------------------------------------------------------------------------


def test_the_dashboard_puts_what_is_urgent_first(client: Client, anita, make_booking) -> None:
    Offer.objects.filter(pk=anita.pk).update(min_notice_hours=0)
    anita.refresh_from_db()
    later = make_booking(anita, days=9)
    tomorrow = make_booking(anita, days=1, hour=15)
    Booking.objects.filter(pk=later.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=3)
    )
    html = page(client, "/praktijk/")
    requests = html.split('id="requests-title"', 1)[1].split("</section>", 1)[0]
    assert requests.index(f"/afspraak/{tomorrow.pk}/") < requests.index(f"/afspraak/{later.pk}/")
    assert "morgen" in requests
    assert "wacht al 3\xa0dagen" in requests
    helper_side.booking_propose(booking=later, start=later.starts_at + datetime.timedelta(hours=2))
    assert "verzet" in page(client, "/praktijk/")


def test_both_intakes_side_by_side_each_logged(
    client: Client, make_account, booking_with_partner
) -> None:
    booking = booking_with_partner()
    client.force_login(make_account("helper", "anita@example.org", helper=booking.helper))
    before = AccessLogEntry.objects.count()
    html = page(client, f"/praktijk/afspraak/{booking.pk}/intakes/")
    assert "Intake van de aanvrager" in html and "Intake van de partner" in html
    assert 'class="intakes-side"' in html
    assert AccessLogEntry.objects.count() == before + 2
