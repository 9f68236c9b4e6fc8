"""The coordinator's admin: sign-ups, CSV export, and bookings without intake content."""

import csv
import datetime
import io
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from support import retention
from support.models import Booking, BookingStatus, Signup, SignupStatus
from tests.staff_fixtures import give_totp
from tests.support_fixtures import proved_signup

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("beheer", "beheer@example.org", "x")
    client.force_login(give_totp(user))
    return client


def test_coordinator_moves_sign_ups_and_exports_a_group(admin_client_: Client, make_group) -> None:
    group = make_group("groep", capacity=1)
    first = proved_signup(group=group, name="Eerste", email="a@example.org").signup
    second = proved_signup(group=group, name="Tweede", email="b@example.org").signup
    changelist = "/beheer/support/signup/"
    admin_client_.post(
        changelist, {"action": "move_to_waiting_list", "_selected_action": [first.pk]}
    )
    admin_client_.post(changelist, {"action": "accept", "_selected_action": [second.pk]})
    statuses = dict(Signup.objects.values_list("name", "status"))
    assert statuses == {"Eerste": SignupStatus.WAITING, "Tweede": SignupStatus.CONFIRMED}

    response = admin_client_.post(
        "/beheer/support/peergroup/", {"action": "export_signups", "_selected_action": [group.pk]}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["groep", "naam", "e-mail"]
    assert {row[1] for row in rows[1:]} == {"Eerste", "Tweede"}


def test_booking_admin_confirms_and_never_shows_intake_answers(
    admin_client_: Client, make_booking
) -> None:
    booking = make_booking(
        days=4, email="s@example.org", what_happened="GEHEIM-VERHAAL", feels_safe="nee"
    )

    detail = admin_client_.get(f"/beheer/support/booking/{booking.pk}/change/")
    assert detail.status_code == HTTPStatus.OK
    assert "GEHEIM-VERHAAL" not in detail.content.decode()
    assert "s@example.org" not in detail.content.decode()

    admin_client_.post(
        "/beheer/support/booking/", {"action": "confirm", "_selected_action": [booking.pk]}
    )
    admin_client_.post(
        "/beheer/support/booking/", {"action": "extend", "_selected_action": [booking.pk]}
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.duration_minutes == 90
    assert booking.safety_flag


def test_the_safety_flag_is_for_the_bookings_helper_only(
    client: Client, make_account, make_booking
) -> None:
    """Defect 11: a coordinator (or superuser) sees no safety flag in the booking admin, not
    as a column, a filter or a field; the booking's own helper still sees it."""
    flagged = make_booking(days=4, feels_safe="nee")
    calm = make_booking(days=5, feels_safe="ja")
    coordinator = make_account("coordinator")
    superuser = make_account("superuser")
    for user in (coordinator, superuser):
        client.force_login(user)
        changelist = client.get("/beheer/support/booking/")
        assert changelist.status_code == HTTPStatus.OK
        detail = client.get(f"/beheer/support/booking/{flagged.pk}/change/")
        assert detail.status_code == HTTPStatus.OK
        for page in (changelist, detail):
            html = page.content.decode().lower()
            assert "veilig" not in html
            assert "safety" not in html
        # A hand-made filter does not tell the flagged booking from the other one either.
        filtered = client.get("/beheer/support/booking/?safety_flag__exact=1", follow=True)
        html = filtered.content.decode()
        assert f"/beheer/support/booking/{calm.pk}/change/" in html
        assert f"/beheer/support/booking/{flagged.pk}/change/" in html

    helper = make_account("helper", "anita@example.org", helper=flagged.helper)
    client.force_login(helper)
    assert "Let op: veiligheid" in client.get(f"/praktijk/afspraak/{flagged.pk}/").content.decode()
    assert "Let op: veiligheid" not in client.get(f"/praktijk/afspraak/{calm.pk}/").content.decode()


def test_an_erased_intake_leaves_no_safety_flag(make_booking) -> None:
    """Defect 11: the flag is derived from an intake answer and goes with it."""
    booking = make_booking(days=4, feels_safe="weet-niet")
    assert booking.safety_flag
    booking.ends_at = timezone.now() - datetime.timedelta(days=400)
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=booking.ends_at - datetime.timedelta(hours=1),
        ends_at=booking.ends_at,
        blocked_from=booking.ends_at - datetime.timedelta(hours=1),
        blocked_until=booking.ends_at,
    )
    assert retention.retention_purge() == 1
    assert not Booking.objects.get(pk=booking.pk).safety_flag
