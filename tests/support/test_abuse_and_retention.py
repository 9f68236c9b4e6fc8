"""What one client can do to others, and what is kept of those who leave halfway.

Regression tests for defects 6, 8, 10 and 15 of the safety audit.
"""

import datetime
import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from support import retention
from support.booking import services as booking_services
from support.directory import services as directory_services
from support.fields import email_digest
from support.models import Booking, BookingStatus, Meeting, PartnerIntake, Signup, SignupStatus
from tests.support_fixtures import booking_page, owner, proved_signup

pytestmark = pytest.mark.django_db


def free_starts(client: Client, offer_id: int, week: str = "") -> list[str]:
    url = f"/afspraak/tijden/{offer_id}/" + (f"?week={week}" if week else "")
    html = client.get(url, follow=True).content.decode()
    return re.findall(r'name="start" value="([^"]+)"', html)


def test_one_client_cannot_hold_a_whole_week(make_offer) -> None:
    """Defect 6: fresh cookie jars from one address hold at most three times at once."""
    offer = make_offer()
    starts = free_starts(Client(), offer.pk)
    apart = starts[::8][:6]  # two hours apart: none overlaps another
    answers = [Client().post(f"/afspraak/tijden/{offer.pk}/", {"start": s}) for s in apart]
    held = [r for r in answers if r.status_code == HTTPStatus.FOUND]
    refused = [r for r in answers if r.status_code == HTTPStatus.TOO_MANY_REQUESTS]
    assert len(held) == booking_services.MAX_LIVE_HOLDS_PER_CLIENT == 3
    assert len(refused) == 3
    assert "Je houdt al een paar tijden vast" in refused[0].content.decode()
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 3
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.1.2.3")
    response = other.post(f"/afspraak/tijden/{offer.pk}/", {"start": starts[::8][7]})
    assert response.status_code == HTTPStatus.FOUND


def test_holding_is_rate_limited_per_client(make_offer) -> None:
    """Defect 6: even when each hold is let go again, a client gets 20 tries in ten minutes."""
    offer = make_offer()
    client = Client()
    starts = free_starts(client, offer.pk)
    codes = [
        client.post(f"/afspraak/tijden/{offer.pk}/", {"start": starts[n % 2]}).status_code
        for n in range(21)
    ]
    assert codes[:20] == [HTTPStatus.FOUND] * 20
    assert codes[20] == HTTPStatus.TOO_MANY_REQUESTS


def test_submitting_is_rate_limited_and_keeps_the_answers(make_offer) -> None:
    """Defect 6: 429 with the answers kept on her held booking."""
    offer = make_offer()
    client = Client()
    start = free_starts(client, offer.pk)[0]
    client.post(f"/afspraak/tijden/{offer.pk}/", {"start": start})
    client.post(
        "/afspraak/stap/1/",
        {
            "name": "Saskia",
            "email": "saskia@example.org",
            "contact_preference": "alleen-email",
            "consent": "on",
        },
    )
    for _ in range(10):
        Client().post("/afspraak/controleren/")  # no booking of theirs: still counted
    response = client.post("/afspraak/controleren/")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Wacht tien minuten" in response.content.decode()
    assert Booking.objects.get(status=BookingStatus.HELD).name == "Saskia"


def test_a_new_partner_invitation_ends_the_old_link_and_invitations_are_limited(
    make_booking,
) -> None:
    """Defect 10."""
    booking = make_booking()
    manage = booking_page(booking)
    client = owner(booking)
    first = client.post(manage, {"partner": "link"})
    old_link = re.search(r"/afspraak/uitnodiging/[^\"<\s]+/", first.content.decode())[0]
    stranger = Client()
    assert stranger.post(old_link).status_code == HTTPStatus.FOUND  # claimed by a stranger
    second = client.post(manage, {"partner": "link"})
    new_link = re.search(r"/afspraak/uitnodiging/[^\"<\s]+/", second.content.decode())[0]
    assert new_link != old_link
    assert stranger.get(old_link).status_code == HTTPStatus.NOT_FOUND
    assert stranger.get(old_link + "stap/1/").status_code == HTTPStatus.NOT_FOUND
    partner = Client()
    assert partner.post(new_link).status_code == HTTPStatus.FOUND  # the new link can be used
    # Three invitations an hour per booking.
    client.post(manage, {"partner": "email", "email": "mark@example.org"})
    limited = client.post(manage, {"partner": "email", "email": "mark@example.org"})
    assert limited.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Wacht tien minuten" in limited.content.decode()
    assert PartnerIntake.objects.get().invite_email == "mark@example.org"


def test_an_abandoned_hold_loses_its_answers_within_an_hour(make_booking) -> None:
    """Defect 8: a hold never submitted keeps nothing once its time is up and the grace passed."""
    held = make_booking(submit=False, what_happened="Berichten op zijn telefoon.")
    assert held.name == "Saskia"
    expiry = held.hold_expires_at
    retention.retention_purge(now=expiry + datetime.timedelta(minutes=5))
    held.refresh_from_db()
    assert held.name == "Saskia"  # she may still be typing
    retention.retention_purge(now=expiry + datetime.timedelta(minutes=50))
    held.refresh_from_db()
    assert (held.name, held.email, held.what_happened) == ("", "", "")
    assert held.status == BookingStatus.EXPIRED


def test_a_submitted_booking_is_not_touched_by_the_hold_purge(make_booking) -> None:
    booking = make_booking()
    retention.retention_purge(now=timezone.now() + datetime.timedelta(hours=2))
    booking.refresh_from_db()
    assert booking.name == "Saskia"


def test_sign_ups_are_encrypted_at_rest_and_found_by_digest(make_group) -> None:
    """Defect 15: name, address, phone and message are not in the table in plain text."""
    group = make_group("groep")
    directory_services.group_signup(
        group=group,
        name="Saskia Zonnebloem",
        email="saskia@example.org",
        phone="0612345678",
        message="Ik kom graag.",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, email, phone, message, email_digest FROM support_signup")
        row = " ".join(str(value) for value in cursor.fetchone())
    for plain in ("Saskia", "saskia@example.org", "0612345678", "Ik kom graag"):
        assert plain not in row
    assert email_digest("SASKIA@example.org") in row
    signup = Signup.objects.get(email_digest=email_digest("saskia@example.org"))
    assert (signup.name, signup.phone) == ("Saskia Zonnebloem", "0612345678")
    # One place per address per group still holds, whatever the case of the address.
    again = directory_services.group_signup(group=group, name="S", email="Saskia@Example.org")
    assert not again.created and Signup.objects.count() == 1


def test_sign_ups_are_erased_after_the_group_ends_or_they_are_cancelled(make_group) -> None:
    """Defect 15: the retention purge, with the dates the person page shows."""
    group = make_group("groep", capacity=5)
    now = timezone.now()
    last = now - datetime.timedelta(days=10)
    Meeting.objects.filter(group=group).delete()
    Meeting.objects.create(group=group, starts_at=last - datetime.timedelta(hours=2), ends_at=last)
    kept = proved_signup(group=group, name="A", email="a@example.org").signup
    gone = proved_signup(group=group, name="B", email="b@example.org").signup
    directory_services.group_signup_cancel(signup=gone)
    gone.refresh_from_db()
    assert gone.status == SignupStatus.CANCELLED
    assert gone.erase_after.date() == (gone.changed_at + datetime.timedelta(days=90)).date()
    assert kept.erase_after == last + datetime.timedelta(days=90)
    retention.retention_purge(now=now + datetime.timedelta(days=79))
    assert Signup.objects.count() == 2
    retention.retention_purge(now=now + datetime.timedelta(days=91))  # both are past
    assert not Signup.objects.exists()
    group.refresh_from_db()
    assert group.seats_taken == 0


def test_the_session_of_an_unproved_visitor_holds_no_address(client: Client, make_group) -> None:
    """Defect 15: a sign-up and a login-code request leave no address in the session or a
    cookie."""
    make_group("groep")
    client.post(
        "/steun/groep/aanmelden/",
        {"name": "Saskia", "email": "saskia@example.org", "consent": "on"},
    )
    response = client.post("/mijn-afspraken/inloggen/", {"email": "saskia@example.org"})
    from django.contrib.sessions.models import Session

    for session in Session.objects.all():
        assert "saskia" not in str(session.get_decoded()).lower()
    for morsel in [*client.cookies.values(), *response.cookies.values()]:
        assert "saskia" not in morsel.value.lower()
