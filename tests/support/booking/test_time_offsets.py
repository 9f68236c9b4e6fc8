"""A start time with an offset no clock on earth keeps: a friendly refusal, never a 500.

Python reads offsets up to ±23:59; PostgreSQL cannot store beyond ±15:59 (a DataError, a 500).
"""

import datetime
import re
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from support.models import Booking
from tests.support_fixtures import owner

pytestmark = pytest.mark.django_db


def free_starts(client: Client, offer_id: int) -> list[datetime.datetime]:
    html = client.get(f"/afspraak/tijden/{offer_id}/", follow=True).content.decode()
    return [
        datetime.datetime.fromisoformat(s)
        for s in re.findall(r'name="start" value="([^"]+)"', html)
    ]


def far_offsets(start: datetime.datetime) -> list[str]:
    """The same moment, written with offsets beyond ±14:00."""
    return [
        start.astimezone(datetime.timezone(datetime.timedelta(hours=h, minutes=m))).isoformat()
        for h, m in ((-23, -59), (23, 59), (14, 1), (-15, 0))
    ]


def test_a_free_time_written_with_a_far_offset_is_refused_in_words(
    client: Client, make_offer
) -> None:
    offer = make_offer()
    start = free_starts(client, offer.pk)[0]
    for value in far_offsets(start):
        response = client.post(f"/afspraak/tijden/{offer.pk}/", {"start": value})
        assert response.status_code == HTTPStatus.BAD_REQUEST, value
        assert "Kies een tijd uit de lijst." in response.content.decode()
    assert not Booking.objects.exists()
    # The same moment at a real offset is taken, stored in UTC.
    east = start.astimezone(datetime.timezone(datetime.timedelta(hours=14))).isoformat()
    response = client.post(f"/afspraak/tijden/{offer.pk}/", {"start": east})
    assert response.status_code == HTTPStatus.FOUND
    assert Booking.objects.get().starts_at == start


def test_moving_a_booking_to_a_far_offset_is_refused_in_words(client: Client, make_booking) -> None:
    booking = make_booking()
    first = booking.starts_at
    later = first + datetime.timedelta(hours=3)
    owner(booking, client)
    week = reverse("support:booking_reschedule", kwargs={"pk": booking.pk})
    confirm = reverse("support:booking_reschedule_confirm", kwargs={"pk": booking.pk})
    confirm += "?" + urlencode({"start": later.isoformat()})
    for value in far_offsets(later):
        # Choosing the time, and confirming it (the form's value changed on the way).
        for url in (week, confirm):
            response = client.post(url, {"start": value})
            assert response.status_code == HTTPStatus.BAD_REQUEST, (url, value)
            assert "Kies een tijd uit de lijst." in response.content.decode()
    booking.refresh_from_db()
    assert booking.starts_at == first
