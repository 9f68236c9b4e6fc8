"""Group sign-ups are double opt-in: a sign-up holds nothing until its e-mailed link is opened
and confirmed, lapses after a day, and the coordinator sees only proved ones."""

import csv
import datetime
import io
import re
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from support import links, retention
from support.directory import services as directory_services
from support.models import PeerGroup, Signup, SignupStatus
from tests.staff_fixtures import give_totp
from tests.support_fixtures import proved_signup

pytestmark = pytest.mark.django_db

FORM = {"name": "Iemand", "consent": "on"}


def seats(group: PeerGroup) -> int:
    return PeerGroup.objects.get(pk=group.pk).seats_taken


def test_invented_addresses_take_no_seat_and_a_proved_one_does(make_group) -> None:
    group = make_group("mannen", capacity=6)
    for number in range(10):
        client = Client(REMOTE_ADDR=f"10.0.0.{number}")
        response = client.post(
            "/steun/mannen/aanmelden/", {**FORM, "email": f"verzonnen{number}@example.org"}
        )
        assert response.status_code == HTTPStatus.OK
    assert seats(group) == 0
    assert set(Signup.objects.values_list("status", flat=True)) == {SignupStatus.PENDING}
    assert "Nog 6 plaatsen vrij" in Client().get("/steun/mannen/").content.decode()

    real = Client()
    real.post("/steun/mannen/aanmelden/", {**FORM, "email": "echt@example.org"})
    signup = Signup.objects.order_by("-pk").first()
    url = links.signup_url(signup)
    # Opening the link shows a button; a mail scanner that only opens it proves nothing.
    assert "Ja, ik meld me aan" in real.get(url).content.decode()
    assert seats(group) == 0
    assert real.post(url, {"bevestigen": "1"})["Location"] == url
    assert seats(group) == 1
    assert "Je hebt een plek in Mannen" in real.get(url).content.decode()
    # A second click changes nothing.
    real.post(url, {"bevestigen": "1"})
    assert seats(group) == 1
    assert Signup.objects.get(pk=signup.pk).status == SignupStatus.CONFIRMED


def test_a_pending_sign_up_lapses_after_a_day_and_frees_nothing(make_group) -> None:
    group = make_group("groep", capacity=1)
    seated = proved_signup(group=group, name="A", email="a@example.org").signup
    pending = directory_services.group_signup(group=group, name="B", email="b@example.org").signup
    Signup.objects.filter(pk=pending.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    client = Client()
    url = links.signup_url(Signup.objects.get(pk=pending.pk))
    page = client.get(url)
    assert page.status_code == HTTPStatus.GONE
    assert "Deze link is verlopen" in page.content.decode()
    assert client.post(url, {"bevestigen": "1"}).status_code == HTTPStatus.GONE
    assert Signup.objects.get(pk=pending.pk).status == SignupStatus.PENDING
    retention.retention_purge()
    assert list(Signup.objects.all()) == [seated]
    assert seats(group) == 1
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    # The address may sign up again: a new sign-up, with a new link.
    again = directory_services.group_signup(group=group, name="B", email="b@example.org")
    assert again.created and again.signup.status == SignupStatus.PENDING


def test_signing_up_again_while_pending_sends_the_link_at_most_once_a_day(
    make_group, work_queue
) -> None:
    group = make_group("groep")
    first = directory_services.group_signup(group=group, name="A", email="a@example.org")
    for _ in range(3):
        again = directory_services.group_signup(group=group, name="X", email="A@example.org")
        assert not again.created and again.signup == first.signup
    work_queue()
    assert len(mail.outbox) == 1
    assert Signup.objects.count() == 1


def test_two_links_of_one_address_give_one_place(make_group) -> None:
    group = make_group("groep")
    first = directory_services.group_signup(group=group, name="A", email="a@example.org").signup
    Signup.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=23)
    )
    # Not found as pending any more once it lapses; meanwhile a second one is made by hand.
    second = Signup.objects.create(
        group=group, name="A", email="a@example.org", status=SignupStatus.PENDING,
        consent_at=timezone.now(),
    )  # fmt: skip
    assert directory_services.signup_prove(signup=second).pk == second.pk
    assert directory_services.signup_prove(signup=first).pk == second.pk
    assert Signup.objects.get(pk=first.pk).status == SignupStatus.CANCELLED
    assert seats(group) == 1


def test_the_coordinator_sees_proved_sign_ups_and_a_count_of_pending_ones(
    client: Client, make_group
) -> None:
    user = get_user_model().objects.create_superuser("beheer", "beheer@example.org", "x")
    client.force_login(give_totp(user))
    group = make_group("groep")
    proved_signup(group=group, name="Bewezen Persoon", email="a@example.org")
    directory_services.group_signup(group=group, name="Onbewezen Persoon", email="b@example.org")

    changelist = client.get("/beheer/support/signup/").content.decode()
    assert "Bewezen Persoon" in changelist and "Onbewezen Persoon" not in changelist
    change = client.get(f"/beheer/support/peergroup/{group.pk}/change/").content.decode()
    assert "Bewezen Persoon" in change and "Onbewezen Persoon" not in change
    count = re.search(r"nog niet bevestigd.*?<div class=\"readonly\">(\d+)</div>", change, re.S)
    assert count is not None and count[1] == "1"
    export = client.post(
        "/beheer/support/peergroup/", {"action": "export_signups", "_selected_action": [group.pk]}
    )
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert [row[1] for row in rows[1:]] == ["Bewezen Persoon"]
