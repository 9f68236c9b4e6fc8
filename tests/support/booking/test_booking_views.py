"""The booking journey over HTTP: every step, bad input, private links."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import timezone

from support import links
from support.booking import helper as helper_actions
from support.booking import limits
from support.booking import services as booking_services
from support.models import Booking, BookingStatus

pytestmark = pytest.mark.django_db

CONTACT = {
    "name": "Saskia",
    "email": "saskia@example.org",
    "contact_preference": "alleen-email",
    "consent": "on",
}
SITUATION = {"role": "bedrogen-partner", "disclosure": "ontdekt", "what_happened": "Berichten."}
WISHES = {"partner_knows": "ja", "partner_joins": "ja", "hopes": "Rust."}
SAFETY = {"feels_safe": "ja"}


def free_starts(client: Client, offer_id: int, week: str = "") -> list[str]:
    url = f"/afspraak/tijden/{offer_id}/" + (f"?week={week}" if week else "")
    html = client.get(url, follow=True).content
    return re.findall(r'name="start" value="([^"]+)"', html.decode())


def hold(client: Client, offer) -> str:
    start = free_starts(client, offer.pk)[0]
    response = client.post(f"/afspraak/tijden/{offer.pk}/", {"start": start})
    assert response["Location"] == "/afspraak/stap/1/"
    return start


def complete_intake(client: Client, safety: dict = SAFETY) -> None:
    for step, data in enumerate((CONTACT, SITUATION, WISHES, safety), start=1):
        response = client.post(f"/afspraak/stap/{step}/", data)
        assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]


def test_every_page_of_the_journey_sends_no_store(client: Client, make_offer) -> None:
    offer = make_offer()
    urls = ["/afspraak/", "/afspraak/kiezen/", f"/afspraak/tijden/{offer.pk}/"]
    hold(client, offer)
    urls += [f"/afspraak/stap/{n}/" for n in range(1, 5)] + ["/afspraak/controleren/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        assert "no-store" in response["Cache-Control"], url


def test_choose_shows_price_and_insurance(client: Client, make_offer) -> None:
    offer = make_offer()
    html = client.get("/afspraak/kiezen/").content.decode()
    assert "€ 95" in html
    assert "Meestal niet vergoed door de zorgverzekering." in html
    assert f'href="/afspraak/tijden/{offer.pk}/"' in html


def test_week_view_in_dutch_with_previous_and_next(client: Client, make_offer) -> None:
    offer = make_offer()
    html = client.get(f"/afspraak/tijden/{offer.pk}/").content.decode()
    assert "Volgende week" in html
    assert "Vorige week" not in html  # not before this week
    day = timezone.localdate() + datetime.timedelta(days=2)
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
              "september", "oktober", "november", "december"]  # fmt: skip
    if day.weekday() != 0:  # two days ahead is in this week unless a new week starts
        assert f"{day.day} {months[day.month - 1]}" in html
    # Any day stands for its week: the page moves to that week's Monday.
    later = client.get(
        f"/afspraak/tijden/{offer.pk}/?week={day + datetime.timedelta(days=14)}", follow=True
    )
    assert "Vorige week" in later.content.decode()


def test_an_empty_week_shows_the_nearest_free_time(client: Client, make_offer) -> None:
    from support.models import AvailabilityException

    offer = make_offer()
    monday = timezone.localdate() + datetime.timedelta(days=14)
    monday -= datetime.timedelta(days=monday.weekday())
    for n in range(7):
        AvailabilityException.objects.create(
            helper=offer.helper, date=monday + datetime.timedelta(days=n)
        )
    html = client.get(f"/afspraak/tijden/{offer.pk}/?week={monday}").content.decode()
    assert "Deze week is er geen tijd vrij." in html
    next_monday = monday + datetime.timedelta(days=7)
    assert f'href="?week={next_monday.isoformat()}"' in html
    assert "De eerste vrije tijd is" in html


def test_the_whole_journey(client: Client, make_offer) -> None:
    offer = make_offer()
    hold(client, offer)
    complete_intake(client)
    summary = client.get("/afspraak/controleren/").content.decode()
    assert "Saskia" in summary
    assert "Berichten." in summary
    response = client.post("/afspraak/controleren/")
    assert response.status_code == HTTPStatus.FOUND
    manage = client.get(response["Location"])
    assert "Je aanvraag is verstuurd" in manage.content.decode()
    assert "no-store" in manage["Cache-Control"]
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.REQUESTED
    assert booking.email == "saskia@example.org"
    # No answer ever appears in a URL.
    assert "Saskia" not in response["Location"]


def test_back_keeps_every_answer(client: Client, make_offer) -> None:
    offer = make_offer()
    hold(client, offer)
    complete_intake(client)
    assert 'value="saskia@example.org"' in client.get("/afspraak/stap/1/").content.decode()
    step2 = client.get("/afspraak/stap/2/").content.decode()
    assert "Berichten.</textarea>" in step2
    assert re.search(r'<input type="radio" name="disclosure" value="ontdekt"[^>]* checked>', step2)


def test_double_submit_gives_one_booking(client: Client, make_offer) -> None:
    offer = make_offer()
    hold(client, offer)
    complete_intake(client)
    first = client.post("/afspraak/controleren/")
    second = client.post("/afspraak/controleren/")
    assert first.status_code == HTTPStatus.FOUND
    assert second.status_code in (HTTPStatus.FOUND, HTTPStatus.NOT_FOUND)
    assert Booking.objects.filter(status=BookingStatus.REQUESTED).count() == 1


def test_a_no_to_safety_shows_help_flags_and_offers_an_individual_conversation(
    client: Client, make_offer
) -> None:
    offer = make_offer()
    make_offer("individueel-gesprek", helper=offer.helper)
    hold(client, offer)
    step4 = client.get("/afspraak/stap/4/").content.decode()
    assert "data-safety-help hidden" in step4  # shown at once by JavaScript on "nee"
    complete_intake(client, {"feels_safe": "nee"})
    summary = client.get("/afspraak/controleren/").content.decode()
    assert "Je veiligheid gaat voor" in summary
    assert 'href="tel:08002000"' in summary and 'href="tel:112"' in summary
    assert "Maak er een individueel gesprek van" in summary
    client.post("/afspraak/alleen/")
    booking = Booking.objects.get()
    assert booking.safety_flag
    assert booking.conversation_type.slug == "individueel-gesprek"


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        (1, {**CONTACT, "name": ""}, "Vul je naam of een schuilnaam in."),
        (1, {**CONTACT, "name": "x" * 81}, "hoogstens 80 tekens"),
        (1, {**CONTACT, "email": "geen-adres"}, "Vul een e-mailadres in zoals naam@voorbeeld.nl."),
        (1, {**CONTACT, "contact_preference": "bellen"}, "Vul een telefoonnummer in"),
        (1, {**CONTACT, "contact_preference": "duif"}, "Selecteer een geldige keuze"),
        (2, {**SITUATION, "what_happened": "x" * 3001}, "hoogstens 3000 tekens"),
        (2, {**SITUATION, "role": ""}, "Kies wie jij bent in dit verhaal."),
        (3, {**WISHES, "partner_knows": "misschien"}, "Selecteer een geldige keuze"),
        (1, {k: v for k, v in CONTACT.items() if k != "consent"}, "Zonder je toestemming"),
        (4, {}, "Kies of je je thuis veilig voelt."),
    ],
)
def test_bad_input_gets_a_dutch_message_and_keeps_what_was_typed(
    client: Client, make_offer, step: int, data: dict, message: str
) -> None:
    offer = make_offer()
    hold(client, offer)
    response = client.post(f"/afspraak/stap/{step}/", data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert message in html
    assert 'class="error-summary" role="alert"' in html
    for value in data.values():
        if value and value not in ("on",) and len(value) < 100 and value != "duif":
            assert value in html


@pytest.mark.parametrize(
    "start",
    [
        "",
        "geen-tijd",
        "2026-13-45T99:00",
        "2020-01-01T10:00:00+01:00",  # the past
        "2099-01-01T10:00:00+01:00",  # beyond the horizon
        "2026-12-01T10:00:00",  # no time zone
    ],
)
def test_bad_or_impossible_times_get_a_friendly_answer(client: Client, make_offer, start) -> None:
    offer = make_offer()
    response = client.post(f"/afspraak/tijden/{offer.pk}/", {"start": start})
    assert response.status_code in (HTTPStatus.BAD_REQUEST, HTTPStatus.CONFLICT)
    html = response.content.decode()
    assert "Kies een tijd uit de lijst." in html or "Deze tijd is net bezet" in html
    assert not Booking.objects.exists()


def test_a_time_outside_availability_is_refused_with_nearest_times(
    client: Client, make_offer
) -> None:
    offer = make_offer()
    day = timezone.localdate() + datetime.timedelta(days=5)
    response = client.post(f"/afspraak/tijden/{offer.pk}/", {"start": f"{day}T07:00:00+01:00"})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Deze tijden zijn nog vrij:" in response.content.decode()


def test_a_taken_time_answers_just_taken_with_nearest(client: Client, make_offer) -> None:
    offer = make_offer()
    start = free_starts(client, offer.pk)[0]
    booking_services.booking_hold(
        offer=offer, start=datetime.datetime.fromisoformat(start), hold_key="someone-else"
    )
    response = client.post(f"/afspraak/tijden/{offer.pk}/", {"start": start})
    assert response.status_code == HTTPStatus.CONFLICT
    html = response.content.decode()
    assert "Deze tijd is net bezet" in html
    assert 'name="start" value=' in html


def test_a_time_on_a_day_her_limit_filled_meanwhile_is_refused_in_words(
    client: Client, make_offer
) -> None:
    offer = make_offer()
    starts = [datetime.datetime.fromisoformat(s) for s in free_starts(client, offer.pk)]
    # Two times that do not overlap on one day (the first day may be short: 24 hours' notice).
    first, second = next(
        (a.isoformat(), b.isoformat())
        for a in starts
        for b in starts
        if a.date() == b.date() and b - a >= datetime.timedelta(hours=1)
    )
    helper_actions.helper_limits_set(helper=offer.helper, per_day=1, per_week=None)
    booking_services.booking_hold(
        offer=offer, start=datetime.datetime.fromisoformat(first), hold_key="someone-else"
    )
    response = client.post(f"/afspraak/tijden/{offer.pk}/", {"start": second})
    assert response.status_code == HTTPStatus.CONFLICT
    html = response.content.decode()
    assert "Op deze dag kan er geen afspraak meer bij. Kies een andere dag." in html
    assert second not in html  # that day is no longer offered


def test_an_expired_hold_that_was_taken_explains_and_keeps_the_answers(
    client: Client, make_offer
) -> None:
    offer = make_offer()
    start = hold(client, offer)
    complete_intake(client)
    Booking.objects.update(hold_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    booking_services.booking_hold(
        offer=offer, start=datetime.datetime.fromisoformat(start), hold_key="quicker"
    )
    response = client.post("/afspraak/controleren/")
    assert response.status_code == HTTPStatus.CONFLICT
    html = response.content.decode()
    assert "je tijd is intussen door iemand anders gekozen" in html
    assert "Saskia" in html


def test_intake_without_a_held_time_starts_over_calmly(client: Client) -> None:
    response = client.get("/afspraak/stap/2/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Begin opnieuw" in response.content.decode()


def _requested(client: Client, offer) -> tuple[Booking, str]:
    hold(client, offer)
    complete_intake(client)
    location = client.post("/afspraak/controleren/")["Location"]
    return Booking.objects.get(status=BookingStatus.REQUESTED), location.split("?")[0]


def main_content(response) -> str:
    """The page's own content, without the frame (whose language link repeats the URL)."""
    return response.content.decode().split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_tampered_and_expired_links_get_the_same_404_a_superseded_one_says_so(
    client: Client, make_offer
) -> None:
    offer = make_offer()
    booking, page_url = _requested(client, offer)
    url = links.booking_url(booking)
    assert client.get(url)["Location"] == page_url  # the token is exchanged for the session
    token = url.rstrip("/").rsplit("/", 1)[-1]
    tampered = url.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    not_found = client.get("/afspraak/beheer/onzin/")
    assert main_content(client.get(tampered)) == main_content(not_found)
    assert client.get(tampered).status_code == HTTPStatus.NOT_FOUND

    booking_services.booking_reschedule(
        booking=booking, start=booking.starts_at + datetime.timedelta(hours=2)
    )
    superseded = client.get(url)
    assert superseded.status_code == HTTPStatus.GONE
    assert "Deze link is vervangen" in main_content(superseded)
    assert "Mijn afspraken" in main_content(superseded)

    booking.refresh_from_db()
    fresh = links.booking_url(booking)
    started = timezone.now() - datetime.timedelta(minutes=1)
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=started,
        ends_at=started + datetime.timedelta(hours=1),
        blocked_from=started,
        blocked_until=started + datetime.timedelta(hours=1),
    )
    expired = client.get(fresh)
    assert expired.status_code == HTTPStatus.NOT_FOUND
    assert main_content(expired) == main_content(not_found)
    assert client.get(page_url).status_code == HTTPStatus.NOT_FOUND


def test_cancel_inside_the_window_is_refused_even_by_a_direct_post(
    client: Client, make_offer
) -> None:
    offer = make_offer()
    booking, url = _requested(client, offer)
    soon = timezone.now() + datetime.timedelta(hours=30)
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=soon,
        ends_at=soon + datetime.timedelta(hours=1),
        blocked_from=soon,
        blocked_until=soon + datetime.timedelta(hours=1),
    )
    page = client.get(url).content.decode()
    assert "Die tijd is voorbij" in page
    assert "Afspraak annuleren" not in page
    assert "Andere tijd kiezen" not in page
    assert "Bericht versturen" in page  # the way to reach her helper instead
    response = client.post(url)
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Stuur je hulpverlener een bericht" in response.content.decode()
    assert client.get(url + "andere-tijd/").status_code == HTTPStatus.OK
    refused = client.post(url + "andere-tijd/", {"start": soon.isoformat()})
    assert refused.status_code == HTTPStatus.CONFLICT
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED


def test_cancel_and_reschedule_through_the_private_page(client: Client, make_offer) -> None:
    offer = make_offer(cancellation_window_hours=2)
    booking, url = _requested(client, offer)
    link = links.booking_url(booking)
    old_start = booking.starts_at
    next_week = timezone.localdate() + datetime.timedelta(days=7)
    new_start = free_starts(client, offer.pk, week=next_week.isoformat())[0]
    chosen = client.post(url + "andere-tijd/", {"start": new_start})
    assert chosen.status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert booking.starts_at == old_start  # nothing changes before she confirms
    confirm = client.get(chosen["Location"]).content.decode()
    assert "<del>" in confirm and "<ins>" in confirm
    moved = client.post(url + "andere-tijd/bevestigen/", {"start": new_start})
    assert moved["Location"] == url
    booking.refresh_from_db()
    assert booking.starts_at == datetime.datetime.fromisoformat(new_start)
    assert "Je afspraak is verzet naar" in client.get(url).content.decode()
    assert client.get(link).status_code == HTTPStatus.GONE
    cancelled = client.post(url)
    assert "Je afspraak is geannuleerd" in cancelled.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND


def test_cached_week_page_carries_each_visitors_own_csrf_token(make_offer) -> None:
    offer = make_offer()
    tokens = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        html = visitor.get(f"/afspraak/tijden/{offer.pk}/").content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        assert "placeholder" not in token
        tokens.append(token)
        start = re.search(r'name="start" value="([^"]+)"', html).group(1)
        response = visitor.post(
            f"/afspraak/tijden/{offer.pk}/",
            {"start": start, "csrfmiddlewaretoken": token},
            HTTP_ORIGIN="http://testserver",
        )
        assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.CONFLICT)
    assert tokens[0] != tokens[1]


def test_the_week_page_opens_on_the_first_week_with_a_free_time(client: Client, make_offer):
    offer = make_offer(min_notice_hours=24 * 16)  # nothing free in the coming two weeks
    html = client.get(f"/afspraak/tijden/{offer.pk}/").content.decode()
    first = datetime.datetime.fromisoformat(re.findall(r'name="start" value="([^"]+)"', html)[0])
    assert first - timezone.now() >= datetime.timedelta(days=16)
    assert first - timezone.now() < datetime.timedelta(days=16 + 7)
    # Asked for this week, it is still this week: empty, with the way to the first free time.
    this_week = limits.monday_of(timezone.localdate()).isoformat()
    html = client.get(f"/afspraak/tijden/{offer.pk}/?week={this_week}").content.decode()
    assert 'name="start"' not in html
