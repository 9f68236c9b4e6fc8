"""The booking journey in a real browser, at phone width, with and without JavaScript."""

import datetime
from collections.abc import Callable

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from support.demo import load_demo
from support.models import (
    AvailabilityRule,
    Booking,
    BookingStatus,
    ConversationType,
    Cost,
    Helper,
    Kind,
    Offer,
)
from tests.browser.steps import fill_the_intake, log_in_staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db) -> None:
    load_demo()


def walk_the_journey(page: Page, check: Callable[[Page], None]) -> None:
    page.goto("/afspraak/")
    check(page)
    page.get_by_role("link", name="Begin").click()
    check(page)
    page.get_by_role("link", name="Kies een tijd voor een relatiegesprek").click()
    check(page)
    # A time next week, so that cancelling is still allowed at the end.
    page.get_by_role("link", name="Volgende week").click()
    check(page)
    page.locator("button[name=start]").first.click()

    # The demo helper sees visitors at her practice or by video: the visitor chooses.
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoe wil je het gesprek voeren?")
    check(page)
    page.get_by_label("In de praktijk").check()
    page.get_by_role("button", name="Volgende stap").click()

    expect(page.get_by_text("Stap 1 van 4")).to_be_visible()
    page.get_by_label("Naam of schuilnaam").fill("Saskia")
    page.get_by_label("E-mailadres").fill("saskia@example.org")
    page.get_by_label("Alleen per e-mail").check()
    # Consent comes first: nothing is stored before it.
    page.get_by_label("Ik geef toestemming").check()
    check(page)
    page.get_by_role("button", name="Volgende stap").click()

    expect(page.get_by_text("Stap 2 van 4")).to_be_visible()
    page.get_by_label("Ik ben bedrogen").check()
    page.get_by_label("Wat is er gebeurd").fill("Ik vond berichten op zijn telefoon.")
    page.get_by_label("Het werd ontdekt").check()
    page.get_by_role("button", name="Volgende stap").click()

    expect(page.get_by_text("Stap 3 van 4")).to_be_visible()
    page.get_by_role("button", name="Volgende stap").click()  # nothing chosen yet
    expect(page.get_by_role("alert")).to_contain_text("Kies of je partner van deze afspraak weet.")
    check(page)
    page.get_by_role("group", name="Weet je partner van deze afspraak?").get_by_label("Ja").check()
    page.get_by_role("group", name="Komt je partner mee naar het gesprek?").get_by_label(
        "Ja"
    ).check()
    page.get_by_label("Waar hoop je op?").fill("Dat we weer kunnen praten.")

    # Back a step: the answers of step 2 are still there.
    page.get_by_role("link", name="Vorige stap").click()
    expect(page.get_by_label("Wat is er gebeurd")).to_have_value(
        "Ik vond berichten op zijn telefoon."
    )
    expect(page.get_by_label("Het werd ontdekt")).to_be_checked()
    page.get_by_role("button", name="Volgende stap").click()
    page.get_by_role("group", name="Weet je partner van deze afspraak?").get_by_label("Ja").check()
    page.get_by_role("group", name="Komt je partner mee naar het gesprek?").get_by_label(
        "Ja"
    ).check()
    page.get_by_role("button", name="Volgende stap").click()

    expect(page.get_by_text("Stap 4 van 4")).to_be_visible()
    page.get_by_role("group", name="Voel je je thuis veilig?").get_by_label("Ja").check()
    check(page)
    page.get_by_role("button", name="Naar het overzicht").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Controleer je aanvraag")
    expect(page.get_by_text("Ik vond berichten op zijn telefoon.")).to_be_visible()
    check(page)
    page.get_by_role("button", name="Aanvraag versturen").click()

    expect(page.get_by_role("heading", name="Je aanvraag is verstuurd")).to_be_visible()
    check(page)
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.REQUESTED

    # The private link: cancel.
    page.get_by_role("button", name="Afspraak annuleren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je afspraak is geannuleerd")
    check(page)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_booking_journey_at_phone_width(
    demo, open_page, assert_no_axe_violations, assert_same_origin
) -> None:
    page = open_page(viewport={"width": 320, "height": 640})
    walk_the_journey(page, assert_no_axe_violations)
    assert_same_origin(page)


def test_booking_journey_without_javascript(demo, open_page) -> None:
    # axe-core itself needs JavaScript; here the journey has to work without it.
    page = open_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    walk_the_journey(page, lambda page: None)


def test_a_no_to_safety_shows_help_at_once(demo, open_page) -> None:
    page = open_page()
    page.goto("/afspraak/kiezen/")
    page.get_by_role("link", name="Kies een tijd voor een relatiegesprek").click()
    page.locator("button[name=start]").first.click()
    page.get_by_label("Via video").check()
    page.get_by_role("button", name="Volgende stap").click()
    page.goto("/afspraak/stap/4/")
    help_block = page.locator("[data-safety-help]")
    expect(help_block).to_be_hidden()
    page.get_by_role("group", name="Voel je je thuis veilig?").get_by_label("Nee").check()
    expect(help_block).to_be_visible()
    expect(help_block).to_contain_text("0800-2000")
    expect(help_block).to_contain_text("112")


def test_first_available_helper_through_to_the_intake(
    demo, open_page, assert_no_axe_violations
) -> None:
    """A second helper offers the individual conversation too: the visitor chooses "Eerst
    beschikbare hulpverlener", holds a time and is told on the intake whom she got."""
    bea = Helper.objects.create(
        kind=Kind.HELPER,
        slug="bea-voorbeeld",
        name="Bea (voorbeeld)",
        summary="Een tweede verzonnen hulpverlener.",
        profession="Psycholoog",
        cost=Cost.OWN,
        takes_bookings=True,
        last_checked=timezone.localdate(),
    )
    for weekday in range(7):
        AvailabilityRule.objects.create(
            helper=bea, weekday=weekday, start=datetime.time(9), end=datetime.time(17)
        )
    Offer.objects.create(
        helper=bea, conversation_type=ConversationType.objects.get(slug="individueel-gesprek")
    )
    page = open_page(viewport={"width": 320, "height": 640})
    page.goto("/afspraak/kiezen/")
    assert_no_axe_violations(page)
    page.get_by_role(
        "link", name="Eerst beschikbare hulpverlener voor een individueel gesprek"
    ).click()
    expect(page.get_by_text("met de eerst beschikbare hulpverlener")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Volgende week").click()
    assert_no_axe_violations(page)
    page.locator("button[name=start]").first.click()

    # Neither has sessions that week: the tie goes to the first helper, the demo's Sanne, who
    # sees visitors at her practice or by video, so the visitor chooses how.
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoe wil je het gesprek voeren?")
    assert_no_axe_violations(page)
    # Another time means the merged week again, not one helper's.
    expect(page.get_by_role("link", name="Andere tijd kiezen")).to_have_attribute(
        "href",
        reverse("support:booking_week_first_free", kwargs={"type_slug": "individueel-gesprek"}),
    )
    page.get_by_label("In de praktijk").check()
    page.get_by_role("button", name="Volgende stap").click()
    expect(page.get_by_text("Stap 1 van 4")).to_be_visible()
    booking = Booking.objects.get(status=BookingStatus.HELD)
    assigned = page.locator("[data-assigned-helper]")
    expect(assigned).to_contain_text(f"Je gesprek is met {booking.helper.name}")
    assert_no_axe_violations(page)
    page.get_by_label("Naam of schuilnaam").fill("Saskia")
    page.get_by_label("E-mailadres").fill("saskia@example.org")
    page.get_by_label("Alleen per e-mail").check()
    page.get_by_label("Ik geef toestemming").check()
    page.get_by_role("button", name="Volgende stap").click()
    expect(page.get_by_text("Stap 2 van 4")).to_be_visible()
    booking.refresh_from_db()
    assert booking.name == "Saskia" and booking.status == BookingStatus.HELD


ROOM = "https://video.example.org/kamer-42"


def move_to(booking: Booking, start: datetime.datetime) -> None:
    """Another time for the booking, in the database: as if the days had passed."""
    length = booking.ends_at - booking.starts_at
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=start, ends_at=start + length, blocked_from=start, blocked_until=start + length
    )


def test_a_visitor_chooses_video_and_sees_the_link_from_24_hours_before(
    demo,
    open_page,
    make_account,
    work_queue,
    assert_no_axe_violations,
    assert_same_origin,
) -> None:
    sanne = Helper.objects.get(slug="hulpverlener-sanne-voorbeeld")
    make_account("helper", "sanne@example.org", helper=sanne)
    visitor = open_page(viewport={"width": 320, "height": 640})
    visitor.goto("/afspraak/kiezen/")
    visitor.get_by_role("link", name="Kies een tijd voor een relatiegesprek").click()
    visitor.get_by_role("link", name="Volgende week").click()
    visitor.locator("button[name=start]").first.click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Hoe wil je het gesprek voeren?")
    expect(visitor.locator("main")).to_contain_text("Voorbeeldstraat 12, 3511 AB Utrecht")
    visitor.get_by_label("Via video").check()
    visitor.get_by_role("button", name="Volgende stap").click()
    fill_the_intake(visitor)
    summary = visitor.locator("dl.summary")
    expect(summary).to_contain_text("Via video.")
    expect(summary).to_contain_text("60 minuten")
    expect(summary).to_contain_text("€ 95 (voorbeeldtarief)")
    assert_no_axe_violations(visitor)
    visitor.get_by_role("button", name="Aanvraag versturen").click()
    expect(visitor.get_by_role("heading", name="Je aanvraag is verstuurd")).to_be_visible()
    manage_url = visitor.url
    booking = Booking.objects.get()
    assert (booking.status, booking.mode) == (BookingStatus.REQUESTED, "video")

    # The helper confirms and gives a link for this session (over her standing link).
    helper = open_page(viewport={"width": 1280, "height": 800})
    log_in_staff(helper, "sanne@example.org")
    helper.goto(f"/praktijk/afspraak/{booking.pk}/")
    helper.get_by_label("Videolink voor dit gesprek").fill("http://video.example.org/kamer-42")
    helper.get_by_role("button", name="Bevestigen").click()
    expect(helper.get_by_role("alert")).to_contain_text("begint met https://")
    helper.get_by_label("Videolink voor dit gesprek").fill(ROOM)
    helper.get_by_role("button", name="Bevestigen").click()
    expect(helper.locator("main").get_by_role("status")).to_contain_text("bevestigd")
    assert_no_axe_violations(helper)
    booking.refresh_from_db()
    assert (booking.status, booking.video_link) == (BookingStatus.CONFIRMED, ROOM)
    # Her own page for where and how: her modes as the demo set them.
    helper.get_by_role("link", name="Waar en hoe").click()
    expect(helper.get_by_label("Via video")).to_be_checked()
    expect(helper.get_by_label("Telefonisch")).not_to_be_checked()
    assert_no_axe_violations(helper)

    # More than 24 hours before: the page says when the link will appear, and has no link.
    visitor.goto(manage_url)
    main = visitor.locator("main")
    expect(main).to_contain_text("De link verschijnt hier op")
    expect(main).not_to_contain_text("kamer-42")
    expect(main).not_to_contain_text("sanne-voorbeeld")
    expect(main).to_contain_text("60 minuten")
    expect(main).to_contain_text("Kosteloos annuleren of verzetten kan tot")
    assert_no_axe_violations(visitor)

    # Within 24 hours: the link is there.
    move_to(booking, timezone.now() + datetime.timedelta(hours=20))
    visitor.goto(manage_url)
    link = visitor.get_by_role("link", name="Open het videogesprek")
    expect(link).to_have_attribute("href", ROOM)
    assert_no_axe_violations(visitor)
    assert_same_origin(visitor)

    # The confirmation e-mail and its calendar file: the link, how long, the price, the rule.
    work_queue()
    (message,) = [m for m in mail.outbox if m.attachments and m.to == ["saskia@example.org"]]
    assert f"Via video. De link: {ROOM}" in message.body
    assert "Duur: 60 minuten." in message.body
    assert "Kosten: € 95 (voorbeeldtarief)." in message.body
    assert "Kosteloos annuleren of verzetten kan tot" in message.body
    ((_name, content, _mimetype),) = message.attachments
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == ROOM
    assert str(event["URL"]) == ROOM
    assert "Duur: 60 minuten" in str(event["DESCRIPTION"])
    assert "95" not in str(event["DESCRIPTION"])  # no price: calendars are often shared
    assert "Kosteloos annuleren of verzetten kan tot" in str(event["DESCRIPTION"])
