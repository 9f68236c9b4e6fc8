"""Issue 23 in a real browser at phone size (390×844): a session inside the free-cancellation
window, a move with its confirm step, and the private link opened in a fresh browser."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from playwright.sync_api import Page, expect

from support.demo import load_demo
from support.models import Booking, BookingMessage, BookingStatus, Helper, Offer
from tests.browser.steps import fill_the_intake, log_in_staff

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "test-results"
# A date with a time, as a deadline would be written ("maandag 7 december, 19:00").
DEADLINE = re.compile(r"\btot (maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag) \d")
MESSAGE = "Ik ben ziek geworden. Kunnen we een andere tijd zoeken?"


@pytest.fixture
def demo(transactional_db) -> Helper:
    load_demo()
    return Helper.objects.get(slug="hulpverlener-sanne-voorbeeld")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"issue23-{name}.png"), full_page=True)


def book(page: Page, *, next_week: bool = True, conversation: str = "een relatiegesprek") -> None:
    """From the choice of conversation to the check page, in the practice."""
    page.goto("/afspraak/kiezen/")
    page.get_by_role("link", name=f"Kies een tijd voor {conversation}").click()
    if next_week:
        page.get_by_role("link", name="Volgende week").click()
    page.locator("button[name=start]").first.click()
    page.get_by_label("In de praktijk").check()
    page.get_by_role("button", name="Volgende stap").click()
    fill_the_intake(page, calendar=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Controleer je aanvraag")


def private_link(to: str = "saskia@example.org") -> str:
    """The path of the private link in the latest e-mail to `to`."""
    message = [m for m in mail.outbox if m.to == [to] and "/afspraak/beheer/" in m.body][-1]
    return re.search(r"https?://[^/\s]+(/afspraak/beheer/[^\s]+/)", message.body)[1]


def test_a_session_inside_the_window_says_so_before_and_reaches_the_helper(
    demo, open_page, make_account, work_queue, assert_no_axe_violations
) -> None:
    make_account("helper", "sanne@example.org", helper=demo)
    # Every free time lies inside her rule: free cancellation up to 30 days before.
    Offer.objects.filter(helper=demo).update(cancellation_window_hours=24 * 30)
    visitor = open_page(viewport=PHONE)
    book(visitor, next_week=False)
    warning = visitor.locator(".late-warning")
    expect(warning).to_contain_text("Let op: dit gesprek is al snel")
    expect(warning).to_contain_text("niet zelf kosteloos verzetten of annuleren")
    assert not DEADLINE.search(visitor.locator("main").inner_text())
    assert_no_axe_violations(visitor)
    shot(visitor, "window-1-check-page-warning")
    visitor.get_by_role("button", name="Aanvraag versturen").click()

    expect(visitor.get_by_role("heading", name="Je aanvraag is verstuurd")).to_be_visible()
    main = visitor.locator("main")
    expect(main).to_contain_text("Die tijd is voorbij")
    expect(main.get_by_role("link", name="Andere tijd kiezen")).to_have_count(0)
    expect(main.get_by_role("button", name="Afspraak annuleren")).to_have_count(0)
    assert not DEADLINE.search(main.inner_text())
    assert_no_axe_violations(visitor)
    shot(visitor, "window-2-private-page")
    visitor.get_by_label("Je bericht aan je hulpverlener").fill(MESSAGE)
    visitor.get_by_role("button", name="Bericht versturen").click()
    expect(visitor.locator(".messages, main [role=status]").first).to_contain_text(
        "Je bericht is verstuurd"
    )
    shot(visitor, "window-3-message-sent")

    # At rest the text is unreadable; the helper's e-mail does not carry it.
    booking = Booking.objects.get()
    assert BookingMessage.objects.get(booking=booking).text == MESSAGE
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM support_bookingmessage")
        assert "ziek" not in cursor.fetchone()[0]
    work_queue()
    notice = next(m for m in mail.outbox if m.to == ["sanne@example.org"] and "bericht" in m.body)
    assert "ziek" not in notice.body
    for message in mail.outbox:
        assert not DEADLINE.search(message.body), message.body
        for _name, content, _type in message.attachments:
            assert not DEADLINE.search(content.decode()), content

    helper = open_page(viewport=PHONE)
    log_in_staff(helper, "sanne@example.org")
    helper.goto(f"/praktijk/afspraak/{booking.pk}/")
    expect(helper.locator(".visitor-messages")).to_contain_text(MESSAGE)
    assert_no_axe_violations(helper)
    shot(helper, "window-4-helper-reads-the-message")


def test_a_move_is_confirmed_first_and_told_to_the_helper_and_the_partner(
    demo, open_page, make_account, work_queue, assert_no_axe_violations
) -> None:
    make_account("helper", "sanne@example.org", helper=demo)
    visitor = open_page(viewport=PHONE)
    book(visitor)
    visitor.get_by_role("button", name="Aanvraag versturen").click()
    expect(visitor.get_by_role("heading", name="Je aanvraag is verstuurd")).to_be_visible()
    visitor.get_by_label("E-mailadres van je partner").fill("mark@example.org")
    visitor.get_by_role("button", name="Stuur een uitnodiging").click()
    expect(visitor.get_by_text("De uitnodiging is verstuurd.")).to_be_visible()
    work_queue()
    old_link = private_link()
    booking = Booking.objects.get()
    old_start = booking.starts_at

    visitor.get_by_role("link", name="Andere tijd kiezen").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Kies een nieuwe tijd")
    visitor.get_by_role("link", name="Volgende week").click()
    visitor.locator("button[name=start]").last.click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Nieuwe tijd bevestigen")
    expect(visitor.locator("del")).to_be_visible()
    expect(visitor.locator("ins")).to_be_visible()
    booking.refresh_from_db()
    assert booking.starts_at == old_start  # nothing changed yet
    assert_no_axe_violations(visitor)
    shot(visitor, "move-1-confirm-step")
    new_time = visitor.locator("ins").inner_text()
    visitor.get_by_role("button", name="Verzetten").click()
    expect(visitor.locator(".messages, main [role=status]").first).to_contain_text(
        "Je afspraak is verzet naar"
    )
    expect(visitor.locator("main dl.summary")).to_contain_text(new_time.split("–")[0])
    shot(visitor, "move-2-moved")
    booking.refresh_from_db()
    assert booking.starts_at != old_start

    mail.outbox.clear()
    work_queue()
    hhmm = new_time.split("–")[0][-5:]
    to_helper = next(m for m in mail.outbox if m.to == ["sanne@example.org"])
    to_partner = next(m for m in mail.outbox if m.to == ["mark@example.org"])
    assert hhmm in to_helper.body and hhmm in to_partner.body
    assert "Saskia" not in to_helper.subject + to_partner.subject

    visitor.goto(old_link)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Deze link is vervangen")
    expect(visitor.locator("main").get_by_role("link", name="Mijn afspraken")).to_be_visible()
    assert_no_axe_violations(visitor)
    shot(visitor, "move-3-old-link")


def test_the_private_link_in_a_fresh_browser_shows_nothing_until_the_code(
    demo, open_page, work_queue, assert_no_axe_violations
) -> None:
    visitor = open_page(viewport=PHONE)
    book(visitor)
    visitor.get_by_role("button", name="Aanvraag versturen").click()
    expect(visitor.get_by_role("heading", name="Je aanvraag is verstuurd")).to_be_visible()
    work_queue()
    link = private_link()
    booking = Booking.objects.get()

    stranger = open_page(viewport=PHONE)  # a fresh context: another phone, another browser
    stranger.goto(link)
    assert "/beheer/" not in stranger.url  # the token is gone from the address bar
    main = stranger.locator("main")
    expect(main).to_contain_text("Stuur mij een code")
    for shown in (demo.name, "€", "60 minuten", "In de praktijk", "Relatiegesprek"):
        expect(main).not_to_contain_text(shown)
    assert_no_axe_violations(stranger)
    shot(stranger, "fresh-1-nothing-shown")
    token = stranger.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    refused = stranger.request.post(
        stranger.url, form={"csrfmiddlewaretoken": token}, max_redirects=0
    )
    assert refused.status == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED

    mail.outbox.clear()
    stranger.get_by_role("button", name="Stuur mij een code").click()
    expect(stranger.locator(".messages, main [role=status]").first).to_contain_text(
        "We hebben een code gestuurd"
    )
    shot(stranger, "fresh-2-code-sent")
    work_queue()
    (message,) = mail.outbox
    assert message.to == ["saskia@example.org"]
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)[1]
    stranger.get_by_label("Code").fill("AAAA-AAAA")
    stranger.get_by_role("button", name="Code controleren").click()
    expect(stranger.get_by_role("alert")).to_contain_text("Deze code klopt niet")
    stranger.get_by_label("Code").fill(code)
    stranger.get_by_role("button", name="Code controleren").click()
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Je afspraak")
    expect(stranger.locator("main")).to_contain_text(demo.name)
    assert_no_axe_violations(stranger)
    shot(stranger, "fresh-3-after-the-code")
    stranger.get_by_role("button", name="Afspraak annuleren").click()
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Je afspraak is geannuleerd")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
