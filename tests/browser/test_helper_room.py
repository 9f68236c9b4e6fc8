"""The helper's side in a real browser, at a desktop's 1280×800 and a phone's 390×844: a day off
over a request, her own notice of 0 hours, another way of meeting the visitor accepts, and a
calendar link refused at once. Screenshots of each step go to test-results/."""

import datetime
import re
from collections.abc import Callable
from pathlib import Path

import icalendar
import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from support import links
from support.booking import helper as helper_side
from support.booking import modes, services
from support.models import AvailabilityException, Booking, BookingStatus, Helper, SessionMode
from tests.browser.steps import log_in_staff

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
SHOTS = Path(__file__).resolve().parents[2] / "test-results"
ROOM = "https://video.example.org/kamer-7"


def shot(page: Page, name: str, size: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"helper-{name}-{size}.png", full_page=True)


def log_in(open_page: Callable[..., Page], size: str) -> Page:
    width, height = SIZES[size]
    page = open_page(viewport={"width": width, "height": height})
    log_in_staff(page, "anita@example.org")
    return page


@pytest.mark.parametrize("size", SIZES)
def test_a_day_off_over_a_request_lists_it_first_and_marks_it_after(
    open_page, assert_no_axe_violations, make_account, make_booking, size: str
) -> None:
    booking = make_booking(days=5, hour=11)
    make_account("helper", "anita@example.org", helper=booking.helper)
    page = log_in(open_page, size)
    page.get_by_role("link", name="Beschikbaarheid").first.click()
    day = timezone.localtime(booking.starts_at).date()
    page.locator("#id_exception-date").fill(day.isoformat())
    page.locator("fieldset", has_text="Uitzondering toevoegen").get_by_role("button").click()
    question = page.locator("#vraag")
    expect(question).to_contain_text("staat om 11:00 een aanvraag")
    assert not AvailabilityException.objects.exists()
    assert_no_axe_violations(page)
    shot(page, "dayoff-asked", size)
    question.get_by_role("button", name="Toch opslaan").click()
    expect(page.locator("#buiten")).to_contain_text("staat om 11:00 een aanvraag")
    assert_no_axe_violations(page)
    shot(page, "dayoff-saved", size)
    page.get_by_role("link", name="Afspraken").first.click()
    expect(page.locator("#requests-title + p + ul")).to_contain_text("Buiten je tijden")
    shot(page, "dayoff-dashboard", size)
    page.locator(f'section[aria-labelledby="requests-title"] a[href$="/{booking.pk}/"]').click()
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("alert")).to_contain_text("valt buiten je tijden")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REQUESTED
    assert_no_axe_violations(page)
    shot(page, "dayoff-booking", size)


@pytest.mark.parametrize("size", SIZES)
def test_her_notice_of_zero_hours_opens_later_times_today(
    open_page, make_account, make_offer, size: str
) -> None:
    now = timezone.localtime()
    start = (now + datetime.timedelta(minutes=45)).replace(second=0, microsecond=0)
    start = start.replace(minute=start.minute // 15 * 15)
    if start.date() != now.date() or start.hour >= 22:
        pytest.skip("too late in the day for a later time today")
    offer = make_offer()
    AvailabilityException.objects.create(
        helper=offer.helper, date=now.date(), start=start.time(), end=datetime.time(23, 45)
    )
    make_account("helper", "anita@example.org", helper=offer.helper)
    visitor = open_page(viewport={"width": SIZES[size][0], "height": SIZES[size][1]})
    visitor.goto(f"/afspraak/tijden/{offer.pk}/")
    later = visitor.locator(f'button[name="start"][value*="{start:%Y-%m-%dT%H:%M}"]')
    expect(later).to_have_count(0)  # 24 hours' notice: nothing today yet
    page = log_in(open_page, size)
    page.get_by_role("link", name="Beschikbaarheid").first.click()
    form = page.locator("form", has_text="Minimaal vooraf")
    form.get_by_label("Minimaal vooraf (uren)").fill("0")
    form.get_by_role("button").click()
    expect(page.locator("main").get_by_role("status")).to_contain_text(
        "Je vrije tijden volgen meteen."
    )
    shot(page, "notice-saved", size)
    visitor.goto(f"/afspraak/tijden/{offer.pk}/")
    expect(later).to_have_count(1)
    later.scroll_into_view_if_needed()
    shot(visitor, "notice-week", size)


@pytest.mark.parametrize("size", SIZES)
def test_a_video_proposal_accepted_tells_both_with_her_calendar_file(
    open_page, make_account, make_offer, make_booking, work_queue, size: str
) -> None:
    offer = make_offer()
    Helper.objects.filter(pk=offer.helper_id).update(
        session_modes="praktijk,video", practice_address="Oudegracht 12\nUtrecht", video_link=ROOM
    )
    offer.helper.refresh_from_db()
    booking = make_booking(offer, days=4, submit=False)
    Booking.objects.filter(pk=booking.pk).update(wants_calendar=True)  # she asked for a file
    key = booking.hold_key
    modes.booking_choose_mode(booking=booking, hold_key=key, offer=offer, mode="praktijk")
    booking = helper_side.booking_confirm(
        booking=services.booking_submit(booking=booking, hold_key=key)
    )
    make_account("helper", "anita@example.org", helper=offer.helper)
    work_queue()
    mail.outbox.clear()
    page = log_in(open_page, size)
    page.goto(f"/praktijk/afspraak/{booking.pk}/")
    page.get_by_text("Andere manier voorstellen").click()
    page.get_by_label("Andere manier").select_option("video")
    page.get_by_role("button", name="Manier voorstellen").click()
    expect(page.locator("main .messages")).to_contain_text("Je voorstel is verstuurd.")
    shot(page, "way-proposed", size)
    booking.refresh_from_db()
    assert booking.mode == SessionMode.PRACTICE

    # The visitor opens her link in a fresh browser and proves her address with a code.
    work_queue()
    visitor = open_page(viewport={"width": SIZES[size][0], "height": SIZES[size][1]})
    visitor.goto(links.booking_url(booking))
    visitor.get_by_role("button", name="Stuur mij een code").click()
    work_queue()
    (code_mail,) = [m for m in mail.outbox if "in deze browser" in m.body]
    code = re.search(r"^\s*([A-Z0-9-]{4,})\s*$", code_mail.body, re.M).group(1)
    visitor.get_by_label("Code").fill(code)
    visitor.get_by_role("button", name="Code controleren").click()
    expect(visitor.locator("#manier")).to_contain_text("via video in plaats van in de praktijk")
    shot(visitor, "way-visitor", size)
    visitor.get_by_role("button", name="Akkoord").click()
    expect(visitor.locator("main").get_by_role("status")).to_contain_text("doorgegeven")
    shot(visitor, "way-accepted", size)
    booking.refresh_from_db()
    assert booking.mode == SessionMode.VIDEO

    work_queue()
    to_visitor = [m for m in mail.outbox if m.to == ["saskia@example.org"] and m.attachments]
    to_helper = [m for m in mail.outbox if m.to == ["anita@example.org"]]
    assert len(to_visitor) == 1 and len(to_helper) == 1
    assert f"Via video. De link: {ROOM}" in to_visitor[0].body
    ((_name, content, _type),) = to_visitor[0].attachments
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 2
    assert str(event["LOCATION"]) == ROOM
    assert not to_helper[0].attachments  # her own feed shows the change


@pytest.mark.parametrize("size", SIZES)
def test_a_calendar_link_to_a_private_or_unreachable_address_is_refused_at_once(
    open_page, assert_no_axe_violations, make_account, make_offer, settings, size: str
) -> None:
    offer = make_offer()
    make_account("helper", "anita@example.org", helper=offer.helper)
    page = log_in(open_page, size)
    page.get_by_role("link", name="Beschikbaarheid").first.click()
    settings.BUSY_FEEDS_ALLOW_PRIVATE = False
    field = page.get_by_label("Link naar je agenda")
    field.fill("https://192.168.1.20/agenda.ics")
    page.locator("fieldset", has_text="Agenda toevoegen").get_by_role("button").click()
    expect(page.locator("main")).to_contain_text("Je agenda kon niet worden opgehaald.")
    assert_no_axe_violations(page)
    shot(page, "feed-private", size)
    field = page.get_by_label("Link naar je agenda")
    field.fill("https://agenda.invalid/geheim.ics")
    page.locator("fieldset", has_text="Agenda toevoegen").get_by_role("button").click()
    expect(page.locator("main")).to_contain_text("We konden je agenda niet lezen:")
    expect(page.locator("main")).to_contain_text("Klopt de link nog?")
    expect(page.get_by_label("Link naar je agenda")).to_have_value(
        "https://agenda.invalid/geheim.ics"
    )
    shot(page, "feed-unreachable", size)
    assert not offer.helper.busy_feeds.exists()
