"""E-mail through the durable queue, against a real SMTP server started by the test."""

import datetime
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from support import services
from support.models import Booking, BookingStatus, EmailStatus, OutgoingEmail

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """An SMTP server on a free port, not yet started: `start()` brings it up."""
    port = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    mailbox.start = controller.start
    yield mailbox
    if getattr(controller, "_thread", None) is not None:
        controller.stop()


def book(make_offer, email: str = "saskia@example.org") -> Booking:
    offer = make_offer()
    start = timezone.localtime() + datetime.timedelta(days=5)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    held = services.booking_hold(offer=offer, start=start, hold_key="k")
    services.booking_save_intake(
        booking=held,
        hold_key="k",
        answers={"name": "Saskia", "email": email, "what_happened": SECRET_STORY,
                 "feels_safe": "nee", "consent": True},
    )  # fmt: skip
    return services.booking_submit(booking=held, hold_key="k")


def make_due() -> None:
    """Let the clock move past every retry delay."""
    DBTaskResult.objects.update(run_after=timezone.now())


def test_booking_survives_a_mail_outage_and_the_mail_is_sent_once(
    smtp, make_offer, work_queue
) -> None:
    booking = book(make_offer)
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
    services.email_deliver(email_id=email.pk)
    assert len(smtp.messages) == 1


def test_a_rolled_back_change_queues_no_mail(make_offer, work_queue) -> None:
    from django.db import transaction

    offer = make_offer()
    start = timezone.localtime() + datetime.timedelta(days=5)
    start = start.replace(hour=14, minute=0, second=0, microsecond=0)

    def request_then_fail() -> None:
        with transaction.atomic():
            held = services.booking_hold(offer=offer, start=start, hold_key="k")
            services.booking_save_intake(
                booking=held,
                hold_key="k",
                answers={"name": "A", "email": "a@example.org", "consent": True},
            )
            services.booking_submit(booking=held, hold_key="k")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        request_then_fail()
    assert not OutgoingEmail.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_refused_address_fails_for_good_and_shows_in_the_admin(
    smtp, make_offer, work_queue
) -> None:
    smtp.start()
    book(make_offer, email="weiger@example.org")
    work_queue()
    email = OutgoingEmail.objects.get()
    assert email.status == EmailStatus.FAILED
    assert "SMTPRecipientsRefused" in email.last_error
    assert "weiger" not in email.last_error

    admin = get_user_model().objects.create_superuser("beheer", "b@example.org", "x")
    client = Client()
    client.force_login(admin)
    page = client.get("/beheer/support/outgoingemail/?status__exact=mislukt").content.decode()
    assert "Mislukt" in page
    assert "booking_received" in page

    client.post(
        "/beheer/support/outgoingemail/", {"action": "retry", "_selected_action": [email.pk]}
    )
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING


def test_booking_mails_are_discreet_and_hold_no_intake(smtp, make_offer, work_queue) -> None:
    smtp.start()
    booking = book(make_offer)
    work_queue()
    services.booking_confirm(booking=booking)
    work_queue()
    services.booking_reschedule(
        booking=booking, start=booking.starts_at + datetime.timedelta(hours=3)
    )
    work_queue()
    services.booking_cancel(booking=booking, by_visitor=True)
    work_queue()
    assert len(smtp.messages) == 4
    day = timezone.localtime(booking.starts_at).day
    for message in smtp.messages:
        assert message["Subject"].startswith(f"Je afspraak op {day} ")
        assert message["From"].startswith("Houvast")
        body = message.get_payload(decode=True).decode()
        assert SECRET_STORY not in body
        assert "nee" not in body.lower().split()
        for word in ("porno", "seks", "bedrog", "vreemd", "verslav", "therap"):
            assert word not in message["Subject"].lower()
    assert "/afspraak/beheer/" in smtp.messages[0].get_payload(decode=True).decode()
