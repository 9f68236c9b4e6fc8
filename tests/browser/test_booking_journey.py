"""The booking journey in a real browser, at phone width, with and without JavaScript."""

import datetime
from collections.abc import Callable

import pytest
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
    expect(page.get_by_role("alert")).to_contain_text("Dit veld is verplicht.")
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
    page.goto("/afspraak/intake/4/")
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
