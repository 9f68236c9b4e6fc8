"""E-mail through the durable queue, against a real SMTP server started by the test."""

import datetime
from email import message_from_bytes

import icalendar
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from support import outbox
from support.booking import helper as helper_actions
from support.booking import services as booking_services
from support.booking.emails import reminder_time
from support.models import Booking, BookingStatus, EmailStatus, OutgoingEmail
from tests.ports import SMTPServer
from tests.staff_fixtures import give_totp

SECRET_STORY = "Ik vond chatberichten met een collega"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("weiger"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp(settings):
    """An SMTP server on a port of its own, not yet started (mail is refused): `start()` brings
    it up."""
    mailbox = Mailbox()
    server = SMTPServer(mailbox)
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": server.hostname, "port": server.port, "timeout": 5},
        }
    }
    mailbox.start = server.start
    yield mailbox
    server.close()


def book(make_booking, email: str = "saskia@example.org") -> Booking:
    return make_booking(email=email, what_happened=SECRET_STORY, feels_safe="nee")


def text_of(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no plain-text part")


def calendar_of(message) -> icalendar.Calendar | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return icalendar.Calendar.from_ical(part.get_payload(decode=True))
    return None


def make_due() -> None:
    """Let the clock move past every retry delay."""
    DBTaskResult.objects.update(run_after=timezone.now())


def test_booking_survives_a_mail_outage_and_the_mail_is_sent_once(
    smtp, make_booking, work_queue
) -> None:
    booking = book(make_booking)
    work_queue()  # the SMTP server is down
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REQUESTED
    email = OutgoingEmail.objects.get()
    assert email.status == EmailStatus.PENDING
    assert email.attempts == 1
    assert email.next_attempt_at > timezone.now()
    assert smtp.messages == []

    smtp.start()
    make_due()
    work_queue()
    work_queue()
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["Message-ID"] == email.message_id
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT

    # A retry of a sent e-mail (say after a worker restart) sends nothing.
    outbox.email_deliver(email_id=email.pk)
    assert len(smtp.messages) == 1


def test_a_rolled_back_change_queues_no_mail(make_offer, work_queue) -> None:
    from django.db import transaction

    offer = make_offer()
    start = timezone.localtime() + datetime.timedelta(days=5)
    start = start.replace(hour=14, minute=0, second=0, microsecond=0)

    def request_then_fail() -> None:
        with transaction.atomic():
            held = booking_services.booking_hold(offer=offer, start=start, hold_key="k")
            booking_services.booking_save_intake(
                booking=held,
                hold_key="k",
                answers={"name": "A", "email": "a@example.org", "consent": True},
            )
            booking_services.booking_submit(booking=held, hold_key="k")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        request_then_fail()
    assert not OutgoingEmail.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_refused_address_fails_for_good_and_shows_in_the_admin(
    smtp, make_booking, work_queue
) -> None:
    smtp.start()
    book(make_booking, email="weiger@example.org")
    work_queue()
    email = OutgoingEmail.objects.get()
    assert email.status == EmailStatus.FAILED
    assert "SMTPRecipientsRefused" in email.last_error
    assert "weiger" not in email.last_error

    admin = get_user_model().objects.create_superuser("beheer", "b@example.org", "x")
    client = Client()
    client.force_login(give_totp(admin))
    page = client.get("/beheer/support/outgoingemail/?status__exact=mislukt").content.decode()
    assert "Mislukt" in page
    assert "booking_received" in page

    client.post(
        "/beheer/support/outgoingemail/", {"action": "retry", "_selected_action": [email.pk]}
    )
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING


def test_booking_mails_are_discreet_and_hold_no_intake(smtp, make_booking, work_queue) -> None:
    smtp.start()
    booking = book(make_booking)
    Booking.objects.filter(pk=booking.pk).update(wants_calendar=True)  # she asked for one
    work_queue()
    helper_actions.booking_confirm(booking=booking)
    work_queue()
    booking_services.booking_reschedule(
        booking=booking, start=booking.starts_at + datetime.timedelta(hours=3)
    )
    work_queue()
    booking_services.booking_cancel(booking=booking, by_visitor=True)
    work_queue()
    assert len(smtp.messages) == 4
    day = timezone.localtime(booking.starts_at).day
    for message in smtp.messages:
        assert message["Subject"].startswith(f"Je afspraak op {day} ")
        assert message["From"].startswith("Houvast")
        body = text_of(message)
        assert SECRET_STORY not in body
        assert "nee" not in body.lower().split()
        for word in ("porno", "seks", "bedrog", "vreemd", "verslav", "therap"):
            assert word not in message["Subject"].lower()
    assert "/afspraak/beheer/" in text_of(smtp.messages[0])

    # Calendar files: none for the request, then the same UID with a growing SEQUENCE.
    received, confirmed, rescheduled, cancelled = smtp.messages
    assert calendar_of(received) is None
    events = [calendar_of(m) for m in (confirmed, rescheduled, cancelled)]
    uids = {str(c.walk("VEVENT")[0]["UID"]) for c in events}
    assert len(uids) == 1
    sequences = [int(c.walk("VEVENT")[0]["SEQUENCE"]) for c in events]
    assert sequences[0] < sequences[1] < sequences[2]
    # An event she keeps, not an invitation to answer; no price in it.
    assert [str(c["METHOD"]) for c in events] == ["PUBLISH", "PUBLISH", "PUBLISH"]
    statuses = [str(c.walk("VEVENT")[0]["STATUS"]) for c in events]
    assert statuses == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    for calendar in events:
        assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == "Afspraak"
        assert "€" not in calendar.to_ical().decode()
    moved = events[1].walk("VEVENT")[0].decoded("DTSTART")
    assert moved == booking.starts_at + datetime.timedelta(hours=3)


def test_reminder_time_is_24_elapsed_hours_across_the_clock_change() -> None:
    from zoneinfo import ZoneInfo

    ams = ZoneInfo("Europe/Amsterdam")
    # Sunday 2026-10-25 10:00 CET is 09:00 UTC; 24 hours earlier is Saturday 11:00 CEST.
    start = datetime.datetime(2026, 10, 25, 10, tzinfo=ams)
    reminder = reminder_time(start)
    assert reminder == datetime.datetime(2026, 10, 24, 9, tzinfo=datetime.UTC)
    assert reminder.astimezone(ams).hour == 11
    assert start - reminder == datetime.timedelta(hours=24)


def test_reminder_is_sent_once_moved_by_a_reschedule_and_dropped_by_a_cancel(
    smtp, make_booking, work_queue
) -> None:
    smtp.start()
    booking = book(make_booking)
    helper_actions.booking_confirm(booking=booking)
    work_queue()
    reminder = OutgoingEmail.objects.get(kind="booking_reminder")
    task = DBTaskResult.objects.get(args_kwargs__args=[reminder.pk])
    assert task.run_after == booking.starts_at - datetime.timedelta(hours=24)
    assert reminder.status == EmailStatus.PENDING  # not yet due

    moved = booking_services.booking_reschedule(
        booking=booking, start=booking.starts_at + datetime.timedelta(hours=2)
    )
    make_due()
    work_queue()
    work_queue()
    reminders = {
        e.send_after: e.status for e in OutgoingEmail.objects.filter(kind="booking_reminder")
    }
    assert reminders == {
        booking.starts_at - datetime.timedelta(hours=24): EmailStatus.SKIPPED,
        moved.starts_at - datetime.timedelta(hours=24): EmailStatus.SENT,
    }
    assert sum("herinnering" in text_of(m) for m in smtp.messages) == 1

    booking_services.booking_cancel(booking=moved, by_visitor=False)
    assert not OutgoingEmail.objects.filter(
        kind="booking_reminder", status=EmailStatus.PENDING
    ).exists()


def test_a_cancelled_appointment_gets_no_reminder(smtp, make_booking, work_queue) -> None:
    smtp.start()
    booking = book(make_booking)
    helper_actions.booking_confirm(booking=booking)
    booking_services.booking_cancel(booking=booking, by_visitor=True)
    make_due()
    work_queue()
    reminder = OutgoingEmail.objects.get(kind="booking_reminder")
    assert reminder.status == EmailStatus.SKIPPED
    assert not any("herinnering" in text_of(m) for m in smtp.messages)
