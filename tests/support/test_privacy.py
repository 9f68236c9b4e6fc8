"""Data-subject rights: export everything of one person and nothing of anyone else; erase it
from every table."""

import datetime
import json
from http import HTTPStatus

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from practice.models import AccessAction, AccessLogEntry
from support import privacy
from support.booking import helper as helper_actions
from support.booking import partner as partner_services
from support.fields import email_digest
from support.models import Booking, BookingStatus, PartnerIntake, Signup
from tests.support_fixtures import proved_signup

pytestmark = pytest.mark.django_db

NAME = "Saskia Zonnebloem"
EMAIL = "saskia.zonnebloem@example.org"
STORY = "Ik vond berichten op zijn telefoon."


@pytest.fixture
def person(
    make_booking, make_group, make_offer, booking_with_partner, make_account, client: Client
):
    """One person with a booking (and her partner's intake), a sign-up, a visitor account with
    a session; and someone else with data of their own."""
    booking = booking_with_partner(name=NAME, email=EMAIL, what_happened=STORY)
    group = make_group("groep")
    proved_signup(group=group, name=NAME, email=EMAIL, phone="0612345678")
    other = make_booking(days=6, name="Bob Anders", email="bob@example.org", hopes="Rust.")
    proved_signup(group=group, name="Bob Anders", email="bob@example.org")
    # An account from before visitors had none, and a session waiting for her login code.
    make_account("visitor", EMAIL)
    client.post("/mijn-afspraken/inloggen/", {"email": EMAIL})
    return booking, other, group


@pytest.fixture
def officer(make_account) -> Client:
    officer = Client()
    officer.force_login(make_account("privacy_officer", "privacy@example.org"))
    return officer


def test_the_person_page_shows_what_is_kept_and_when_it_is_erased(officer, person) -> None:
    booking, _other, _group = person
    html = officer.post("/praktijk/privacy/", {"email": EMAIL.upper()}).content.decode()
    assert "Afspraak met intake" in html
    assert f"na {booking.erase_after:%-d}" in html
    assert "Aanmelding voor een groep" in html
    assert "Account voor ‘Mijn afspraken’" in html
    assert "Bob" not in html
    assert officer.post("/praktijk/privacy/", {"email": "geen-adres"}).status_code == 400


def test_the_export_holds_every_field_of_the_person_and_nothing_of_anyone_else(
    officer, person
) -> None:
    response = officer.post("/praktijk/privacy/export/", {"email": EMAIL, "format": "json"})
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Disposition"] == 'attachment; filename="gegevens.json"'
    data = json.loads(response.content)
    (exported,) = data["bookings"]
    for field in Booking._meta.concrete_fields:
        assert field.name in exported, field.name
    assert exported["name"] == NAME
    assert exported["what_happened"] == STORY
    assert exported["emails"], "the e-mails about her booking are part of it"
    (signup,) = data["signups"]
    for field in Signup._meta.concrete_fields:
        assert field.name in signup
    assert signup["phone"] == "0612345678"
    (account,) = data["accounts"]
    assert account["email"] == EMAIL
    assert "password" not in account
    assert data["partner_intakes"] == []
    text = response.content.decode()
    for elsewhere in ("Bob", "bob@example.org", "Rust.", "Mark", "mark@example.org",
                      "Dat we weer kunnen praten."):  # fmt: skip
        assert elsewhere not in text, elsewhere
    assert AccessLogEntry.objects.filter(action=AccessAction.EXPORT).count() == 1
    assert EMAIL not in AccessLogEntry.objects.get().record


def test_the_partner_export_holds_the_partner_intake_but_not_the_booker(officer, person) -> None:
    response = officer.post("/praktijk/privacy/export/", {"email": "mark@example.org"})
    data = json.loads(response.content)
    (intake,) = data["partner_intakes"]
    for field in PartnerIntake._meta.concrete_fields:
        assert field.name in intake
    assert intake["hopes"] == "Dat we weer kunnen praten."
    assert data["bookings"] == []
    assert NAME not in response.content.decode()
    assert STORY not in response.content.decode()


def test_the_export_as_a_readable_page(officer, person) -> None:
    response = officer.post("/praktijk/privacy/export/", {"email": EMAIL, "format": "html"})
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert STORY in html
    assert "Bob" not in html


def every_value_in_the_database() -> str:
    """Every row of every table, raw, and through the ORM (which decrypts), as one text."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            parts.append(repr(cursor.fetchall()))
    for model in apps.get_models():
        for row in model._base_manager.all():
            parts.extend(repr(getattr(row, f.attname)) for f in model._meta.concrete_fields)
    parts.extend(repr(s.get_decoded()) for s in Session.objects.all())
    return "\n".join(parts)


def test_erasure_leaves_no_row_with_the_address_or_the_name(officer, person) -> None:
    booking, other, group = person
    before = every_value_in_the_database()
    assert EMAIL in before and NAME in before  # the check can see them
    response = officer.post("/praktijk/privacy/wissen/", {"email": EMAIL, "confirm": "on"})
    assert response.status_code == HTTPStatus.OK
    after = every_value_in_the_database()
    for trace in (EMAIL, NAME, STORY, "0612345678", "mark@example.org"):
        assert trace not in after, trace
    # The helper's calendar keeps the time; the upcoming booking is given back.
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.erased_at is not None
    assert not PartnerIntake.objects.filter(booking=booking).exists()
    # Someone else's data is untouched, and the freed seat counts.
    other.refresh_from_db()
    assert other.name == "Bob Anders" and other.hopes == "Rust."
    group.refresh_from_db()
    assert group.seats_taken == 1
    assert AccessLogEntry.objects.filter(action=AccessAction.ERASE).count() == 1


def test_erasure_needs_a_ticked_box_and_keeps_the_address(officer, person) -> None:
    response = officer.post("/praktijk/privacy/wissen/", {"email": EMAIL})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "Vink aan dat je dit zeker weet." in html
    assert f'value="{EMAIL}"' in html
    assert Signup.objects.filter(email_digest=email_digest(EMAIL)).exists()


def test_staff_addresses_are_not_erased_as_visitors(officer, make_account) -> None:
    make_account("coordinator", "coord@example.org")
    response = officer.post("/praktijk/privacy/wissen/", {"email": "coord@example.org",
                                                          "confirm": "on"})  # fmt: skip
    assert response.status_code == HTTPStatus.CONFLICT
    assert privacy.person_records("coord@example.org").accounts


def test_a_partner_invited_by_email_is_found_by_that_address(make_booking) -> None:
    booking = make_booking()
    partner_services.partner_invite(booking=booking, email="Partner@Example.org")
    (intake,) = privacy.person_records("partner@example.org").partner_intakes
    assert intake.booking_id == booking.pk
    assert not privacy.person_records("saskia@example.org").partner_intakes


def test_erasure_keeps_the_status_of_a_session_that_already_took_place(make_booking) -> None:
    booking = make_booking(name=NAME, email=EMAIL)
    helper_actions.booking_confirm(booking=booking)
    began = timezone.now() - datetime.timedelta(days=2)
    ended = began + datetime.timedelta(hours=1)
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=began, ends_at=ended, blocked_from=began, blocked_until=ended
    )
    privacy.person_erase(privacy.person_records(EMAIL))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.erased_at is not None
    assert booking.name == "" and booking.email == ""


def test_every_person_look_up_is_logged_without_the_address(officer, person) -> None:
    """Defect 13: a look-up is an access too, whether or not it finds anything."""
    unknown = "niemand.bekend@example.org"
    before = AccessLogEntry.objects.count()
    response = officer.post("/praktijk/privacy/", {"email": unknown})
    assert "Over dit e-mailadres is niets opgeslagen." in response.content.decode()
    assert AccessLogEntry.objects.count() == before + 1
    officer.post("/praktijk/privacy/", {"email": EMAIL})
    assert AccessLogEntry.objects.count() == before + 2

    first, second = AccessLogEntry.objects.order_by("pk")[before:]
    assert first.action == second.action == AccessAction.LOOK_UP
    assert first.user_email == second.user_email == "privacy@example.org"
    assert first.record.startswith("persoon ") and second.record.startswith("persoon ")
    assert first.record != second.record
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM practice_accesslogentry")
        rows = repr(cursor.fetchall()).lower()
    for address in (unknown, EMAIL, "zonnebloem", "niemand"):
        assert address not in rows
    # Looking up the same person again writes the same record: the log can be searched by it.
    officer.post("/praktijk/privacy/", {"email": EMAIL.upper()})
    assert AccessLogEntry.objects.order_by("-pk").first().record == second.record
