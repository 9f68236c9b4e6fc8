"""The retention purge erases exactly the expired intakes and keeps the calendar whole."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from support import retention
from support.models import Booking, BookingStatus

pytestmark = pytest.mark.django_db


def booking_that_ended(make_booking, days_ago: int, hour: int) -> Booking:
    booking = make_booking(
        hour=hour,
        name=f"Persoon {hour}",
        email=f"p{hour}@example.org",
        what_happened="Een verhaal",
        feels_safe="ja",
    )
    ended = timezone.now() - datetime.timedelta(days=days_ago)
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=ended - datetime.timedelta(hours=1),
        ends_at=ended,
        blocked_from=ended - datetime.timedelta(hours=1),
        blocked_until=ended,
        status=BookingStatus.COMPLETED,
    )
    return booking


def test_purge_erases_exactly_the_expired_intakes(make_booking, settings) -> None:
    settings.INTAKE_RETENTION_DAYS = 90
    old = booking_that_ended(make_booking, days_ago=91, hour=10)
    recent = booking_that_ended(make_booking, days_ago=89, hour=12)

    out = StringIO()
    call_command("purge_intakes", stdout=out)
    assert "Erased the intakes of 1 booking(s)." in out.getvalue()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.erased_at is not None
    for field in ("name", "email", "what_happened", "feels_safe"):
        assert getattr(old, field) == ""
    assert old.consent_at is None
    assert old.status == BookingStatus.COMPLETED  # the calendar stays consistent
    assert recent.what_happened == "Een verhaal"
    assert recent.email == "p12@example.org"
    assert recent.erased_at is None


def test_purge_follows_the_clock(make_booking, settings) -> None:
    settings.INTAKE_RETENTION_DAYS = 90
    recent = booking_that_ended(make_booking, days_ago=89, hour=12)
    assert retention.retention_purge() == 0
    later = timezone.now() + datetime.timedelta(days=2)
    assert retention.retention_purge(now=later) == 1
    recent.refresh_from_db()
    assert recent.what_happened == ""
    assert recent.erase_after == recent.ends_at + datetime.timedelta(days=90)


def test_the_purge_is_queued_once(work_queue) -> None:
    call_command("purge_intakes", "--schedule", stdout=StringIO())
    call_command("purge_intakes", "--schedule", stdout=StringIO())
    purge = DBTaskResult.objects.filter(task_path="support.tasks.retention_purge")
    assert purge.filter(status="READY").count() == 1
    work_queue()
    # After running, the task has planned its next run half an hour later.
    (next_run,) = purge.filter(status="READY")
    assert next_run.run_after > timezone.now() + datetime.timedelta(minutes=25)
