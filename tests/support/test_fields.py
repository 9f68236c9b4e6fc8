"""Intake answers and contact details are encrypted at rest, with keys that can rotate."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from support.models import Booking

pytestmark = pytest.mark.django_db

SECRET_STORY = "Ik vond berichten op de telefoon van mijn partner"


@pytest.fixture
def booking(make_booking) -> Booking:
    return make_booking(
        days=4,
        hour=11,
        submit=False,
        name="Saskia de Vries",
        phone="0612345678",
        what_happened=SECRET_STORY,
        feels_safe="nee",
        role="bedrogen-partner",
    )


def raw_row(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM support_booking WHERE id = %s", [pk])
        return " ".join(str(value) for value in cursor.fetchone())


def test_raw_columns_hold_no_readable_answer(booking: Booking) -> None:
    row = raw_row(booking.pk)
    for plain in (SECRET_STORY, "Saskia", "saskia@example.org", "0612345678", "bedrogen-partner"):
        assert plain not in row
    assert "gAAAAA" in row  # Fernet tokens
    assert Booking.objects.get(pk=booking.pk).what_happened == SECRET_STORY


def test_a_wrong_key_raises_instead_of_returning_ciphertext(booking: Booking, settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(InvalidToken):
        Booking.objects.get(pk=booking.pk)


def test_rotation_keeps_old_rows_readable_and_reencrypt_moves_them(
    booking: Booking, settings
) -> None:
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert Booking.objects.get(pk=booking.pk).what_happened == SECRET_STORY

    out = StringIO()
    call_command("reencrypt_fields", stdout=out)
    assert "Re-encrypted 1 booking(s)" in out.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert Booking.objects.get(pk=booking.pk).what_happened == SECRET_STORY
    settings.FIELD_ENCRYPTION_KEYS = [old]
    with pytest.raises(InvalidToken):
        Booking.objects.get(pk=booking.pk)
