"""Find an online peer group for betrayed partners, sign up and see the confirmation."""

import re
from collections.abc import Callable

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from support.demo import load_demo
from support.fields import email_digest
from support.models import Signup, SignupStatus


def manage_link(address: str) -> str:
    """The private link from the last e-mail to this address (its path)."""
    (message, *_rest) = [m for m in reversed(mail.outbox) if m.to == [address]]
    return re.search(r"https?://[^/\s]+(/steun/aanmelding/\S+/)", message.body)[1]


pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_directory(transactional_db) -> None:
    load_demo()


@pytest.mark.parametrize("width", [320, 1280])
def test_find_a_group_and_sign_up(
    demo_directory,
    open_page: Callable[..., Page],
    assert_no_axe_violations: Callable[[Page], None],
    assert_same_origin: Callable[[Page], None],
    width: int,
    work_queue,
) -> None:
    page = open_page(viewport={"width": width, "height": 800})
    page.goto("/steun/")
    assert_no_axe_violations(page)

    page.get_by_label("Soort", exact=True).select_option("groep")
    page.get_by_label("Voor wie", exact=True).select_option("bedrogen-partner")
    page.get_by_label("Waar", exact=True).select_option("online")
    page.get_by_role("button", name="Toon resultaten").click()
    expect(page.locator("main").get_by_role("status")).to_contain_text("1 resultaat")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Online groep voor bedrogen partners (voorbeeld)").click()
    expect(page.get_by_text("Nog 8 plaatsen vrij")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Aanmelden").click()
    # First without consent and with a bad address: errors, nothing typed is lost.
    page.get_by_label("Naam of schuilnaam").fill("Saskia")
    page.get_by_label("E-mailadres").fill("saskia-zonder-apenstaart")
    page.get_by_role("button", name="Aanmelden").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Vul een e-mailadres in zoals naam@voorbeeld.nl.")
    expect(alert).to_contain_text("Zonder je toestemming")
    expect(page.get_by_label("Naam of schuilnaam")).to_have_value("Saskia")
    assert_no_axe_violations(page)

    page.get_by_label("E-mailadres").fill("saskia@example.org")
    page.get_by_label("Ik geef toestemming").check()
    page.get_by_role("button", name="Aanmelden").click()
    # The same answer whoever types the address: the link to the place goes by e-mail.
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in je e-mail")
    assert_no_axe_violations(page)
    work_queue()
    page.goto(manage_link("saskia@example.org"))
    # Double opt-in: the link asks to confirm; only then is there a place.
    expect(page.get_by_role("heading", level=1)).to_have_text("Bevestig je aanmelding")
    page.screenshot(path="test-results/signup-confirm.png", full_page=True)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Ja, ik meld me aan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je aanmelding")
    expect(page.locator("main").get_by_role("status")).to_contain_text("Je hebt een plek in")
    assert_no_axe_violations(page)
    assert_same_origin(page)

    signup = Signup.objects.get(email_digest=email_digest("saskia@example.org"))
    assert signup.status == SignupStatus.CONFIRMED


def test_sign_up_works_without_javascript(demo_directory, open_page, work_queue) -> None:
    page = open_page(java_script_enabled=False)
    page.goto("/steun/?soort=groep&voor=bedrogen-partner&waar=online")
    page.get_by_role("link", name="Online groep voor bedrogen partners (voorbeeld)").click()
    page.get_by_role("link", name="Aanmelden").click()
    page.get_by_label("Naam of schuilnaam").fill("Mark")
    page.get_by_label("E-mailadres").fill("mark@example.org")
    page.get_by_label("Ik geef toestemming").check()
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in je e-mail")
    work_queue()
    page.goto(manage_link("mark@example.org"))
    page.get_by_role("button", name="Ja, ik meld me aan").click()
    expect(page.locator("main").get_by_role("status")).to_contain_text("Je hebt een plek in")
    page.get_by_role("button", name="Aanmelding annuleren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je aanmelding is geannuleerd")
    signup = Signup.objects.get(email_digest=email_digest("mark@example.org"))
    assert signup.status == SignupStatus.CANCELLED
