"""At phone size (390×844): the invited partner takes part and gets the confirmation with the
video link; a visitor on /en/ gets the helper's confirmation and calendar file in English."""

import re
from pathlib import Path

import icalendar
import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from support.demo import load_demo
from support.models import Booking, BookingStatus, Helper, PartnerIntake
from tests.browser.steps import log_in_staff

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
ROOM = "https://video.example.org/kamer-42"
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def demo(transactional_db, make_account) -> Helper:
    load_demo()
    sanne = Helper.objects.get(slug="hulpverlener-sanne-voorbeeld")
    make_account("helper", "sanne@example.org", helper=sanne)
    return sanne


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def submit(page: Page) -> None:
    page.locator("main form button[type=submit]").last.click()


def book_a_video_session(page: Page, prefix: str, *, calendar: bool) -> None:
    """Book the demo's couples session by video, next week, by the form's fields (any language)."""
    page.goto(f"{prefix}/afspraak/kiezen/")
    page.locator("main a[href*='/tijden/']").first.click()
    page.locator("main a[href*='week=']").last.click()  # the next week: far enough ahead
    page.locator("button[name=start]").first.click()
    page.locator("input[name=mode][value=video]").check()
    submit(page)
    page.locator("input[name=name]").fill("Saskia Jansen")
    page.locator("input[name=email]").fill("saskia@example.org")
    page.locator("input[name=contact_preference][value=alleen-email]").check()
    if calendar:
        page.locator("input[name=wants_calendar]").check()
    page.locator("input[name=consent]").check()
    submit(page)
    page.locator("input[name=role][value=bedrogen-partner]").check()
    page.locator("input[name=disclosure][value=ontdekt]").check()
    submit(page)
    page.locator("input[name=partner_knows][value=ja]").check()
    page.locator("input[name=partner_joins][value=ja]").check()
    submit(page)
    page.locator("input[name=feels_safe][value=ja]").check()
    submit(page)
    shot(page, f"{prefix.strip('/') or 'nl'}-check-page")
    page.locator("main form button[type=submit]").last.click()


def helper_confirms(page: Page, booking: Booking) -> None:
    log_in_staff(page, "sanne@example.org")
    page.goto(f"/praktijk/afspraak/{booking.pk}/")
    page.get_by_label("Videolink voor dit gesprek").fill(ROOM)
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.locator("main").get_by_role("status")).to_contain_text("bevestigd")


def test_the_invited_partner_opts_in_and_gets_the_confirmation_with_the_video_link(
    demo, open_page, work_queue, assert_no_axe_violations
) -> None:
    booker = open_page(viewport=PHONE)
    book_a_video_session(booker, "", calendar=False)
    expect(booker.get_by_role("heading", name="Je aanvraag is verstuurd")).to_be_visible()
    booking = Booking.objects.get()

    # She invites her partner with a short note; the page says where it went, at the top.
    booker.get_by_label("E-mailadres van je partner").fill("mark@example.org")
    booker.get_by_label("Een kort bericht bij de uitnodiging").fill("Zullen we dit samen doen?")
    booker.get_by_role("button", name="Stuur een uitnodiging").click()
    expect(booker.locator("[data-partner-invited]")).to_have_text(
        "Uitnodiging verstuurd naar m***@example.org"
    )
    expect(booker.locator("main")).to_contain_text("Dan werkt de eerste link niet meer")
    assert_no_axe_violations(booker)
    shot(booker, "partner-01-booker-invited")

    work_queue()
    (invitation,) = [m for m in mail.outbox if m.to == ["mark@example.org"]]
    assert invitation.subject == "Saskia nodigt je uit voor een gesprek"
    assert "Zullen we dit samen doen?" in invitation.body
    link = re.search(r"http://[^/\s]+(/afspraak/uitnodiging/\S+)", invitation.body).group(1)

    # Her own browser: her own questions, and the choice to get the confirmation herself.
    partner = open_page(viewport=PHONE)
    partner.goto(link)
    shot(partner, "partner-02-start")
    partner.locator("main form button[type=submit]").click()
    partner.locator("input[name=name]").fill("Mark")
    partner.locator("input[name=email]").fill("mark@example.org")
    partner.locator("input[name=contact_preference][value=alleen-email]").check()
    partner.get_by_label("Stuur mij ook de bevestiging en elke wijziging").check()
    partner.locator("input[name=consent]").check()
    assert_no_axe_violations(partner)
    shot(partner, "partner-03-step-one")
    submit(partner)
    submit(partner)  # nothing chosen: the errors say what to do, the summary has the focus
    expect(partner.get_by_role("alert")).to_contain_text("Kies wie jij bent in dit verhaal.")
    expect(partner.locator(".error-summary")).to_be_focused()
    expect(partner).to_have_title(re.compile(r"^Fout: "))
    shot(partner, "partner-04-error")
    partner.locator("input[name=role][value=partner-die-bedroog]").check()
    partner.locator("input[name=disclosure][value=ontdekt]").check()
    submit(partner)
    expect(partner.locator("main")).not_to_contain_text("Weet je partner van deze afspraak?")
    partner.get_by_role("group", name="Kom je zelf naar het gesprek?").get_by_label("Ja").check()
    submit(partner)
    partner.locator("input[name=feels_safe][value=ja]").check()
    submit(partner)
    expect(partner.locator("dl.summary").last).to_contain_text("ook naar mij")
    assert_no_axe_violations(partner)
    shot(partner, "partner-05-check")
    partner.locator("main form button[type=submit]").last.click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Dank je wel")
    intake = PartnerIntake.objects.get()
    assert intake.wants_updates and intake.submitted_at is not None

    # The helper confirms with a link for this session: the partner gets it too.
    helper_confirms(open_page(), booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    work_queue()
    (confirmation,) = [
        m for m in mail.outbox if m.to == ["mark@example.org"] and m is not invitation
    ]
    assert confirmation.subject.startswith("Jullie gesprek op")
    assert f"Via video. De link: {ROOM}" in confirmation.body
    assert not confirmation.attachments  # she did not ask for a calendar file


def test_a_visitor_on_en_gets_the_confirmation_and_calendar_file_in_english(
    demo, open_page, work_queue, assert_no_axe_violations
) -> None:
    visitor = open_page(viewport=PHONE)
    book_a_video_session(visitor, "/en", calendar=True)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Your appointment")
    assert_no_axe_violations(visitor)
    shot(visitor, "en-01-sent")
    booking = Booking.objects.get()
    assert booking.language == "en"

    # The helper works in Dutch; the visitor's mail is in English all the same.
    helper_confirms(open_page(), booking)
    work_queue()
    (confirmation,) = [m for m in mail.outbox if m.to == ["saskia@example.org"] and m.attachments]
    assert confirmation.subject.startswith("Your appointment on")
    assert f"By video. The link: {ROOM}" in confirmation.body
    assert "Je afspraak" not in confirmation.body
    ((_name, content, mimetype),) = confirmation.attachments
    assert "method=PUBLISH" in mimetype
    calendar = icalendar.Calendar.from_ical(content)
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["SUMMARY"]) == "Appointment"
    assert "95" not in str(event["DESCRIPTION"])  # no price
    assert "Duration" in str(event["DESCRIPTION"]) or "minutes" in str(event["DESCRIPTION"])

    # Her page offers the file at any time, in the browser that booked.
    visitor.reload()
    expect(visitor.get_by_role("link", name="Add to my calendar")).to_be_visible()
    shot(visitor, "en-02-confirmed")
