"""The helper's day and the visitor's own list, in a real browser, with axe on every page."""

import datetime
import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from support.models import BookingStatus
from tests.staff_fixtures import PASSWORD, totp_code

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [320, 1280])
def test_a_helper_confirms_a_request_reads_both_intakes_and_edits_availability(
    open_page: Callable[..., Page],
    assert_no_axe_violations: Callable[[Page], None],
    assert_same_origin: Callable[[Page], None],
    csp_violations: Callable[[Page], list],
    make_account,
    booking_with_partner,
    width: int,
) -> None:
    booking = booking_with_partner(feels_safe="weet-niet")
    make_account("helper", "anita@example.org", helper=booking.helper)
    page = open_page(viewport={"width": width, "height": 800})

    page.goto("/account/login/")
    assert_no_axe_violations(page)
    page.get_by_label("E-mail").fill("anita@example.org")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/account/2fa/authenticate/$"))
    assert_no_axe_violations(page)
    page.get_by_label("Code").fill(totp_code())
    page.locator("main form button[type=submit]").first.click()

    expect(page).to_have_url(re.compile(r"/praktijk/$"))
    expect(page.get_by_role("heading", name="Wachten op je antwoord (1)")).to_be_visible()
    assert_no_axe_violations(page)
    page.locator(f'section[aria-labelledby="requests-title"] a[href$="/{booking.pk}/"]').click()
    expect(page.get_by_role("heading", name="Let op: veiligheid")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.locator("main").get_by_role("status")).to_contain_text("De afspraak is bevestigd.")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    page.get_by_role("link", name="Intake van de aanvrager lezen").click()
    expect(page.locator("main")).to_contain_text("Ik vond berichten op zijn telefoon.")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Terug naar de afspraak").click()
    page.get_by_role("link", name="Intake van de partner lezen").click()
    expect(page.locator("main")).to_contain_text("Dat we weer kunnen praten.")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Beschikbaarheid").click()
    assert_no_axe_violations(page)
    preview = page.locator('section[aria-labelledby="preview-title"]')
    expect(preview).not_to_contain_text("20:30")
    day = timezone.localdate() + datetime.timedelta(days=3)
    page.get_by_label("Dag", exact=True).select_option(str(day.weekday()))
    page.locator("#id_rule-start").fill("20:00")
    page.locator("#id_rule-end").fill("21:30")
    page.locator("fieldset", has_text="Tijd toevoegen").get_by_role("button").click()
    expect(page.locator("main").get_by_role("status")).to_contain_text(
        "Je beschikbaarheid is opgeslagen."
    )
    expect(preview).to_contain_text("20:30")
    assert_no_axe_violations(page)
    assert_same_origin(page)
    assert csp_violations(page) == []

    # Her account pages, in the house style, in Dutch and in English.
    for name, heading in (
        ("Tweede stap", "Twee-factor"),
        ("Waar je bent ingelogd", "Sessies"),
        ("Wachtwoord", "Wachtwoord"),
    ):
        page.locator("nav.practice-nav").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(heading, re.I))
        assert_no_axe_violations(page)
        assert csp_violations(page) == []
    page.goto("/en/praktijk/")
    expect(page.get_by_role("heading", name="Waiting for your answer (0)")).to_be_visible()
    assert_no_axe_violations(page)


def test_a_helper_sets_up_her_second_factor_at_the_first_login(
    open_page: Callable[..., Page],
    assert_no_axe_violations: Callable[[Page], None],
    csp_violations: Callable[[Page], list],
    make_account,
    make_helper,
) -> None:
    make_account("helper", "anita@example.org", helper=make_helper("anita"), mfa=False)
    page = open_page(viewport={"width": 320, "height": 800})
    page.goto("/praktijk/")
    page.get_by_label("E-mail").fill("anita@example.org")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_role("heading", name="Stel je tweede stap in")).to_be_visible()
    expect(page.get_by_role("img", name="QR-code voor je app")).to_be_visible()
    assert_no_axe_violations(page)
    assert csp_violations(page) == []
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Code uit je app").fill(totp_code(secret))
    page.get_by_role("button", name="Activeren").click()
    # allauth shows the recovery codes once; after that the dashboard opens.
    assert_no_axe_violations(page)
    page.goto("/praktijk/")
    expect(page.get_by_role("heading", name="Je afspraken")).to_be_visible()


def test_a_visitor_logs_in_by_email_code_and_sees_her_bookings(
    open_page: Callable[..., Page],
    assert_no_axe_violations: Callable[[Page], None],
    assert_same_origin: Callable[[Page], None],
    make_booking,
    work_queue,
) -> None:
    booking = make_booking()
    work_queue()
    mail.outbox.clear()
    page = open_page(viewport={"width": 320, "height": 800})
    page.goto("/")
    page.get_by_role("link", name="Mijn afspraken").click()
    expect(page).to_have_url(re.compile(r"/mijn-afspraken/inloggen/"))
    assert_no_axe_violations(page)
    page.get_by_label("E-mailadres").fill("saskia@example.org")
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/mijn-afspraken/code/"))
    assert_no_axe_violations(page)
    work_queue()
    (message,) = mail.outbox
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)[1]
    page.get_by_label("Code").fill(code)
    page.locator("main form button[type=submit]").first.click()

    expect(page.get_by_role("heading", name="Mijn afspraken", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(booking.helper.name)
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Bekijken, verzetten of annuleren").click()
    expect(page.get_by_role("heading", name="Je afspraak", level=1)).to_be_visible()
    assert_same_origin(page)
