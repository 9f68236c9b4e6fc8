""" "Eerst beschikbare hulpverlener": the merged week page of a conversation type, the fair
locked hold that assigns one helper, and the way into it from the directory."""

import datetime
import re
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from support.booking import helper as helper_actions
from support.booking import limits
from support.booking import services as booking_services
from support.models import AvailabilityRule, Booking, BookingStatus, Offer, OutgoingEmail
from tests.portal.test_pagecache import a_fresh_minute, asks_only_for_the_versions, token_in
from tests.support.booking.test_booking_services import request, run_concurrently
from tests.support.booking.test_booking_views import complete_intake
from tests.test_budgets import _queries

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
TYPE = "individueel-gesprek"


def url() -> str:
    """The merged week page of TYPE: by the type's number, never its name (no topic word)."""
    return reverse("support:booking_week_first_free", kwargs={"type_slug": TYPE})


DAY_FULL = "Op deze dag kan er geen afspraak meer bij. Kies een andere dag."


def monday_ahead(weeks: int = 2) -> datetime.date:
    return limits.monday_of(timezone.localdate()) + datetime.timedelta(weeks=weeks)


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=AMS)


def starts_on(html: str) -> list[str]:
    return re.findall(r'name="start" value="([^"]+)"', html)


@pytest.fixture
def two_offers(make_offer, make_helper) -> tuple[Offer, Offer]:
    """Anita and Bea both offer the individual conversation, each every day 09:00-17:00."""
    anita = make_offer(TYPE, slot_step_minutes=30)
    bea = make_offer(TYPE, helper=make_helper("bea-voorbeeld", takes_bookings=True))
    assert anita.helper_id < bea.helper_id
    return anita, bea


def hold_first_free(offers, start: datetime.datetime, key: str = "visitor") -> Booking:
    return booking_services.booking_hold_first_free(offers=offers, start=start, hold_key=key)


# -- the hold: concurrency, fairness, limits --------------------------------------------------


def thirty_holds_on_one_time(offers: tuple[Offer, Offer]) -> None:
    start = local(monday_ahead(), 10)

    results, errors = run_concurrently(
        30, lambda n: hold_first_free(offers, start, key=f"visitor-{n}")
    )

    assert len(results) == 2
    assert len(errors) == 28
    assert all(isinstance(e, booking_services.SlotTaken) for e in errors), errors[:1]
    held = Booking.objects.blocking()
    assert sorted(held.values_list("helper_id", flat=True)) == sorted(o.helper_id for o in offers)
    assert set(held.values_list("starts_at", flat=True)) == {start}


@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_first_free_holds_give_one_booking_per_helper(two_offers) -> None:
    thirty_holds_on_one_time(two_offers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_first_free_holds_on_postgresql(two_offers) -> None:
    """The same on PostgreSQL, where each helper's row is locked (not the whole database)."""
    assert connection.vendor == "postgresql"
    thirty_holds_on_one_time(two_offers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_first_free_and_single_helper_holds_mixed_never_deadlock(two_offers) -> None:
    """Holds on the merged page lock both helpers, in a fixed order; holds on one helper's own
    page lock her alone. Mixed on one time: two bookings, every other answer "taken"."""
    anita, bea = two_offers
    start = local(monday_ahead(), 11)

    def work(n: int) -> Booking:
        key = f"visitor-{n}"
        if n % 3 == 0:
            return booking_services.booking_hold(offer=bea, start=start, hold_key=key)
        if n % 3 == 1:
            return booking_services.booking_hold(offer=anita, start=start, hold_key=key)
        return hold_first_free(two_offers, start, key=key)

    results, errors = run_concurrently(30, work)

    assert len(results) == 2
    assert all(isinstance(e, booking_services.SlotTaken) for e in errors), errors[:1]
    assert Booking.objects.blocking().count() == 2


def many_holds_on_a_day_with_a_limit_of_one(offers: tuple[Offer, Offer]) -> None:
    day = monday_ahead()
    for offer in offers:
        helper_actions.availability_exception_add(
            helper=offer.helper, date=day, start=datetime.time(0), end=datetime.time(23, 59)
        )
        helper_actions.helper_limits_set(helper=offer.helper, per_day=1, per_week=None)
    starts = [local(day, hour) for hour in range(1, 21)]  # twenty times that do not overlap

    results, errors = run_concurrently(
        len(starts), lambda n: hold_first_free(offers, starts[n], key=f"visitor-{n}")
    )

    assert len(results) == 2
    assert all(isinstance(e, booking_services.SlotTaken) for e in errors), errors[:1]
    assert all(e.reason == DAY_FULL for e in errors)
    held = Booking.objects.blocking()
    assert sorted(held.values_list("helper_id", flat=True)) == sorted(o.helper_id for o in offers)


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_free_holds_respect_each_helpers_daily_limit(two_offers) -> None:
    many_holds_on_a_day_with_a_limit_of_one(two_offers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_free_holds_respect_daily_limits_on_postgresql(two_offers) -> None:
    """No constraint in the database guards a limit: only the helpers' row locks do."""
    assert connection.vendor == "postgresql"
    many_holds_on_a_day_with_a_limit_of_one(two_offers)


def test_the_helper_with_fewer_sessions_that_week_gets_the_time(two_offers) -> None:
    anita, bea = two_offers
    monday = monday_ahead()
    request(anita, local(monday, 10))
    request(anita, local(monday + datetime.timedelta(days=1), 10))
    helper_actions.booking_confirm(booking=request(bea, local(monday, 14)))

    held = hold_first_free(two_offers, local(monday + datetime.timedelta(days=2), 12))

    assert held.helper_id == bea.helper_id


def test_a_tie_goes_to_the_first_helper_and_other_weeks_do_not_count(two_offers) -> None:
    anita, bea = two_offers
    monday = monday_ahead()
    for day in range(3):  # Anita is busy the week before, not this one
        request(anita, local(monday - datetime.timedelta(days=1 + day), 10))
    request(bea, local(monday, 10))
    request(anita, local(monday, 12))
    # A hold and a cancelled request are no sessions: still a tie, one each.
    hold_first_free((bea,), local(monday, 15), key="someone")
    booking_services.booking_cancel(booking=request(anita, local(monday, 16)), by_visitor=False)

    held = hold_first_free(two_offers, local(monday + datetime.timedelta(days=3), 9))

    assert held.helper_id == anita.helper_id


def test_only_a_helper_free_then_is_assigned_and_none_free_is_taken(two_offers) -> None:
    anita, bea = two_offers
    start = local(monday_ahead(), 10)
    request(bea, start)  # Bea has no sessions that week but this one, Anita none at all

    assert hold_first_free(two_offers, start).helper_id == anita.helper_id
    with pytest.raises(booking_services.SlotTaken) as taken:
        hold_first_free(two_offers, start, key="other")
    assert taken.value.nearest and start not in taken.value.nearest
    assert taken.value.reason == ""


def test_a_helper_at_her_daily_limit_is_skipped(two_offers) -> None:
    anita, bea = two_offers
    monday = monday_ahead()
    helper_actions.helper_limits_set(helper=anita.helper, per_day=1, per_week=None)
    request(anita, local(monday, 9))

    held = hold_first_free(two_offers, local(monday, 14))
    assert held.helper_id == bea.helper_id

    helper_actions.helper_limits_set(helper=bea.helper, per_day=1, per_week=None)
    with pytest.raises(booking_services.SlotTaken) as taken:
        hold_first_free(two_offers, local(monday, 16), key="other")
    assert taken.value.reason == DAY_FULL  # full for both: said in words


def test_each_helpers_own_offer_settings_count(two_offers) -> None:
    """Bea asks for an hour's rest after each session: after her 10:00 session she is not free
    at 11:30, and Anita has a session then, so nobody is."""
    anita, bea = two_offers
    Offer.objects.filter(pk=bea.pk).update(buffer_after_minutes=60)
    bea.refresh_from_db()
    monday = monday_ahead()
    request(bea, local(monday, 10))
    request(anita, local(monday, 11))
    with pytest.raises(booking_services.SlotTaken):
        hold_first_free(two_offers, local(monday, 11, 30))


# -- the merged week page ---------------------------------------------------------------------


@pytest.fixture
def two_schedules(make_offer, make_helper) -> tuple[Offer, Offer]:
    """Anita: Mondays 09:00-11:00. Bea: Mondays 10:00-11:30 and 16:00-17:00, Tuesdays
    14:00-15:00. Hour-long sessions every half hour."""
    anita = make_helper("anita-voorbeeld", takes_bookings=True)
    bea = make_helper("bea-voorbeeld", takes_bookings=True)
    for helper, weekday, start, end in (
        (anita, 0, 9, 11),
        (bea, 0, 10, 11.5),
        (bea, 0, 16, 17),
        (bea, 1, 14, 15),
    ):
        AvailabilityRule.objects.create(
            helper=helper,
            weekday=weekday,
            start=datetime.time(int(start), int(start % 1 * 60)),
            end=datetime.time(int(end), int(end % 1 * 60)),
        )
    return (
        make_offer(TYPE, helper=anita, slot_step_minutes=30),
        make_offer(TYPE, helper=bea),
    )


def test_the_week_page_shows_exactly_the_union_of_free_times(client: Client, two_schedules):
    monday = monday_ahead()
    tuesday = monday + datetime.timedelta(days=1)
    html = client.get(url(), {"week": monday.isoformat()}).content.decode()
    expected = [
        local(monday, 9),  # Anita
        local(monday, 9, 30),  # Anita
        local(monday, 10),  # both: once
        local(monday, 10, 30),  # Bea
        local(monday, 16),  # Bea
        local(tuesday, 14),  # Bea
    ]
    assert starts_on(html) == [t.isoformat() for t in expected]
    assert "met de eerst beschikbare hulpverlener" in html


def test_times_only_a_helper_at_her_daily_limit_has_are_hidden(client: Client, two_schedules):
    _anita, bea = two_schedules
    monday = monday_ahead()
    request(bea, local(monday, 16))  # her Monday's only session
    helper_actions.helper_limits_set(helper=bea.helper, per_day=1, per_week=None)

    html = client.get(url(), {"week": monday.isoformat()}).content.decode()

    expected = [local(monday, 9), local(monday, 9, 30), local(monday, 10)]  # Anita's only
    expected.append(local(monday + datetime.timedelta(days=1), 14))  # Bea's Tuesday is free
    assert starts_on(html) == [t.isoformat() for t in expected]


def test_the_merged_week_page_is_the_same_for_two_visitors_in_sequence(two_schedules) -> None:
    """One app server: the second visitor gets the stored page (asking only for the versions)
    with her own token; a hold changes it for the next."""
    a_fresh_minute()
    monday = monday_ahead()
    server = Client()
    merged = url()
    first = server.get(merged, {"week": monday.isoformat()})
    assert not first.cookies  # looking at free times sets no cookie
    with CaptureQueriesContext(connection) as queries:
        second = server.get(merged, {"week": monday.isoformat()})
    assert asks_only_for_the_versions(queries), [q["sql"] for q in queries]
    first_html, second_html = first.content.decode(), second.content.decode()
    assert token_in(first_html) != token_in(second_html)
    assert first_html.replace(token_in(first_html), "") == second_html.replace(
        token_in(second_html), ""
    )
    assert "private" in second["Cache-Control"] or "no-store" in second["Cache-Control"]
    assert local(monday, 10, 30).isoformat() in second_html

    hold_first_free(two_schedules, local(monday, 10, 30))  # only Bea is free then
    server.cookies.clear()
    third = server.get(url(), {"week": monday.isoformat()}).content.decode()
    assert local(monday, 10, 30).isoformat() not in third
    assert local(monday, 10).isoformat() in third  # Anita is still free then


def test_merged_week_page_query_budget(client: Client, make_offer, make_helper) -> None:
    helpers = [make_helper(f"hulp-{n}", takes_bookings=True) for n in range(4)]
    offers = [make_offer(TYPE, helper=helper) for helper in helpers]
    monday = monday_ahead()
    for number, offer in enumerate(offers):
        helper_actions.helper_limits_set(helper=offer.helper, per_day=3, per_week=10)
        for hour in (9, 12, 15):
            start = local(monday + datetime.timedelta(days=number), hour)
            booking_services.booking_hold(offer=offer, start=start, hold_key=f"k{number}{hour}")
    week_url = f"{url()}?week={monday}"
    a_fresh_minute()
    own, html = _queries(client, week_url)
    # The offers with their schedules (3), and per helper her busy times and her limits (2):
    # never per booking or per day.
    assert len(own) <= 3 + 2 * len(offers)
    assert starts_on(html)
    own, _html = _queries(client, week_url)
    assert own == []  # kept by the app server: only the versions of its helpers, cached


# -- the journey ------------------------------------------------------------------------------


def test_holding_a_time_assigns_a_helper_and_the_intake_says_who(client: Client, two_offers):
    anita, bea = two_offers
    monday = monday_ahead()
    request(anita, local(monday, 10))
    start = local(monday, 12).isoformat()

    response = client.post(url(), {"start": start})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/afspraak/stap/1/"
    booking = Booking.objects.get(status=BookingStatus.HELD)
    assert booking.helper_id == bea.helper_id
    intake = client.get("/afspraak/stap/1/").content.decode()
    assert f"Je gesprek is met {bea.helper.name}, die vrij is op de tijd die je koos." in intake
    assert f'href="{url()}"' in intake  # "Andere tijd kiezen" leads back to the merged page
    # Choosing another time there lets go of this one.
    client.post(url(), {"start": local(monday, 13).isoformat()})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED


def test_the_rest_of_the_journey_goes_on_with_the_assigned_helper(
    client: Client, two_offers, make_account
) -> None:
    anita, bea = two_offers
    make_account("helper", "bea@example.org", helper=bea.helper)
    request(anita, local(monday_ahead(), 9))
    client.post(url(), {"start": local(monday_ahead(), 14).isoformat()})
    complete_intake(client)

    summary = client.get("/afspraak/controleren/").content.decode()
    assert f"met {bea.helper.name}" in summary
    assert client.post("/afspraak/controleren/").status_code == HTTPStatus.FOUND

    booking = Booking.objects.get(starts_at=local(monday_ahead(), 14))
    assert booking.status == BookingStatus.REQUESTED and booking.helper_id == bea.helper_id
    kinds = set(OutgoingEmail.objects.filter(booking=booking).values_list("kind", flat=True))
    assert {"booking_received", "helper_new_request"} <= kinds  # her helper is told


def test_a_time_nobody_has_is_answered_taken_with_other_times(client: Client, two_offers):
    anita, bea = two_offers
    start = local(monday_ahead(), 10)
    request(anita, start)
    request(bea, start)

    response = client.post(url(), {"start": start.isoformat()})

    assert response.status_code == HTTPStatus.CONFLICT
    html = response.content.decode()
    assert "Deze tijd is net bezet" in html
    assert starts_on(html) and start.isoformat() not in starts_on(html)


@pytest.mark.parametrize(
    ("url", "data", "status"),
    [
        ("/afspraak/tijden/eerst-beschikbaar/999999/", {}, HTTPStatus.NOT_FOUND),
        ("/afspraak/tijden/eerst-beschikbaar/individueel-gesprek/", {}, HTTPStatus.NOT_FOUND),
        (None, {"start": "gisteren"}, HTTPStatus.BAD_REQUEST),
        (None, {"start": "2026-01-01T10:00:00"}, HTTPStatus.BAD_REQUEST),
        (None, {"start": "9999-12-31T10:00:00+01:00"}, HTTPStatus.BAD_REQUEST),
    ],
)
def test_bad_input_is_a_friendly_client_error(client, two_offers, url, data, status) -> None:
    url = url or globals()["url"]()
    response = client.post(url, data) if data else client.get(url)
    assert response.status_code == status
    assert "data-quick-exit" in response.content.decode()


def test_a_type_one_helper_offers_has_no_merged_page(client: Client, make_offer) -> None:
    make_offer(TYPE)
    assert client.get(url()).status_code == HTTPStatus.NOT_FOUND
    assert "Eerst beschikbare" not in client.get("/afspraak/kiezen/").content.decode()


def test_a_bad_week_is_redirected_to_one_that_can_be_booked(client: Client, two_offers) -> None:
    for week in ("9999-12-20", "x", "2026-02-30"):
        response = client.get(url(), {"week": week})
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(f"{url()}?week=")


def test_the_choose_page_offers_first_free_where_two_helpers_offer_a_type(
    client: Client, two_offers, make_offer
) -> None:
    make_offer("relatiegesprek")  # only Anita: no merged page for it
    html = client.get("/afspraak/kiezen/").content.decode()
    assert "Eerst beschikbare hulpverlener voor een individueel gesprek" in html
    assert f'href="{url()}"' in html
    assert "/afspraak/tijden/eerst-beschikbaar/" not in html.replace(url(), "")


# -- from the directory ------------------------------------------------------------------------


def test_a_helper_page_links_straight_into_her_booking(
    client: Client, make_offer, make_helper
) -> None:
    single = make_offer(TYPE)
    page = client.get(single.helper.get_absolute_url()).content.decode()
    assert f'href="/afspraak/tijden/{single.pk}/"' in page
    # With two offers: the choose page, with only hers.
    bea = make_helper("bea-voorbeeld", takes_bookings=True)
    make_offer(TYPE, helper=bea)
    make_offer("relatiegesprek", helper=bea)
    page = client.get(bea.get_absolute_url()).content.decode()
    link = "/afspraak/kiezen/?hulpverlener=bea-voorbeeld"
    assert f'href="{link}"' in page
    choose = client.get(link).content.decode()
    assert choose.count("Kies een tijd voor een") == 2
    assert single.helper.name not in choose
    assert "Eerst beschikbare" not in choose
    # A helper who takes no bookings here: no link at all.
    other = make_helper("carla-voorbeeld")
    page = client.get(other.get_absolute_url()).content.decode()
    assert "/afspraak/tijden/" not in page and "hulpverlener=" not in page
    assert client.get("/afspraak/kiezen/", {"hulpverlener": "carla-voorbeeld"}).status_code == 404
