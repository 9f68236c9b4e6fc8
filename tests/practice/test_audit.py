"""The access log: one entry per view of an intake, never its content, never changed."""

from http import HTTPStatus

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from practice.models import AccessAction, AccessLogEntry, AppendOnly

pytestmark = pytest.mark.django_db


@pytest.fixture
def helper_client(client: Client, make_account, booking_with_partner):
    booking = booking_with_partner()
    user = make_account("helper", "anita@example.org", helper=booking.helper)
    client.force_login(user)
    return client, booking, user


def test_each_intake_view_writes_exactly_one_entry(helper_client) -> None:
    client, booking, user = helper_client
    assert client.get(f"/praktijk/afspraak/{booking.pk}/").status_code == HTTPStatus.OK
    assert AccessLogEntry.objects.count() == 0  # the booking page shows no intake
    response = client.get(f"/praktijk/afspraak/{booking.pk}/intake/")
    assert "Ik vond berichten op zijn telefoon." in response.content.decode()
    (entry,) = AccessLogEntry.objects.all()
    assert entry.user_id == user.pk
    assert entry.user_email == "anita@example.org"
    assert entry.action == AccessAction.VIEW_INTAKE
    assert entry.record == f"booking {booking.pk}"
    assert len(entry.session) == 16
    assert entry.session != client.session.session_key[:16]
    client.get(f"/praktijk/afspraak/{booking.pk}/intake-partner/")
    client.get(f"/praktijk/afspraak/{booking.pk}/intake/")
    assert list(AccessLogEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        AccessAction.VIEW_INTAKE,
        AccessAction.VIEW_PARTNER_INTAKE,
        AccessAction.VIEW_INTAKE,
    ]


def test_entries_hold_no_content(helper_client) -> None:
    client, booking, _user = helper_client
    client.get(f"/praktijk/afspraak/{booking.pk}/intake/")
    client.get(f"/praktijk/afspraak/{booking.pk}/intake-partner/")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM practice_accesslogentry")
        rows = repr(cursor.fetchall())
    for secret in ("Saskia", "saskia@example.org", "Mark", "berichten", client.session.session_key):
        assert secret not in rows


def test_entries_cannot_be_changed_or_deleted_in_the_app(helper_client) -> None:
    client, booking, _user = helper_client
    client.get(f"/praktijk/afspraak/{booking.pk}/intake/")
    entry = AccessLogEntry.objects.get()
    entry.record = "iets anders"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AccessLogEntry.objects.update(record="iets anders")
    with pytest.raises(AppendOnly):
        AccessLogEntry.objects.all().delete()
    assert AccessLogEntry.objects.get().record == f"booking {booking.pk}"


def test_the_database_refuses_changes_too(helper_client) -> None:
    client, booking, _user = helper_client
    client.get(f"/praktijk/afspraak/{booking.pk}/intake/")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE practice_accesslogentry SET record = 'x'")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM practice_accesslogentry")
    assert AccessLogEntry.objects.get().record == f"booking {booking.pk}"


@pytest.mark.parametrize("role", ["coordinator", "superuser"])
def test_the_admin_shows_the_log_but_offers_no_change(
    client: Client, make_account, helper_client, role: str
) -> None:
    helper, booking, _user = helper_client
    helper.get(f"/praktijk/afspraak/{booking.pk}/intake/")
    entry = AccessLogEntry.objects.get()
    client.force_login(make_account(role))
    changelist = client.get("/beheer/practice/accesslogentry/")
    assert changelist.status_code == HTTPStatus.OK
    assert "anita@example.org" in changelist.content.decode()
    detail = client.get(f"/beheer/practice/accesslogentry/{entry.pk}/change/")
    assert detail.status_code == HTTPStatus.OK
    assert 'type="submit"' not in detail.content.decode().split('id="content-main"')[1]
    client.post(f"/beheer/practice/accesslogentry/{entry.pk}/change/", {"record": "x"})
    deleted = client.post(f"/beheer/practice/accesslogentry/{entry.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == HTTPStatus.FORBIDDEN
    assert client.get("/beheer/practice/accesslogentry/add/").status_code == HTTPStatus.FORBIDDEN
    assert AccessLogEntry.objects.get().record == f"booking {booking.pk}"
