"""Steps that several browser walks take the same way."""

import re

from playwright.sync_api import Page, expect

from tests.staff_fixtures import PASSWORD, totp_code


def log_in_staff(page: Page, email: str) -> None:
    """A helper logs in with her password and her authenticator's code, to her dashboard."""
    page.goto("/account/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.get_by_label("Code").fill(totp_code())
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/praktijk/$"))


def fill_the_intake(page: Page, *, calendar: bool = True) -> None:
    """Saskia answers every step of the intake, e-mail only, to the check page."""
    expect(page.get_by_text("Stap 1 van 4")).to_be_visible()
    page.get_by_label("Naam of schuilnaam").fill("Saskia")
    page.get_by_label("E-mailadres").fill("saskia@example.org")
    page.get_by_label("Alleen per e-mail").check()
    if calendar:
        page.get_by_label("Stuur mij een agendabestand").check()
    page.get_by_label("Ik geef toestemming").check()
    page.get_by_role("button", name="Volgende stap").click()
    page.get_by_label("Ik ben bedrogen").check()
    page.get_by_label("Het werd ontdekt").check()
    page.get_by_role("button", name="Volgende stap").click()
    page.get_by_role("group", name="Weet je partner van deze afspraak?").get_by_label("Ja").check()
    page.get_by_role("group", name="Komt je partner mee naar het gesprek?").get_by_label(
        "Ja"
    ).check()
    page.get_by_role("button", name="Volgende stap").click()
    page.get_by_role("group", name="Voel je je thuis veilig?").get_by_label("Ja").check()
    page.get_by_role("button", name="Naar het overzicht").click()
