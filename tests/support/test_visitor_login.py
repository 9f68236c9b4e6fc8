"""A visitor reaches "Mijn afspraken" with an e-mail code; nothing tells who booked.

Defects 5 and 15 of the safety audit: the answer and the work done are the same for every
address, the code goes through the outbox, and no address is kept (no account, no session
value, no cookie) before its owner has proved it with the code.
"""

import json
import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from support.models import OutgoingEmail

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = "/mijn-afspraken/inloggen/"
CODE = "/mijn-afspraken/code/"


def code_in(message) -> str:
    return re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)[1]


def session_text(client: Client) -> str:
    key = client.cookies[next(n for n in client.cookies if "session" in n)].value
    return json.dumps(Session.objects.get(session_key=key).get_decoded()).lower()


@pytest.fixture
def make_booking(make_booking, work_queue):
    """A booking whose own e-mails are already sent, so the outbox holds only what follows."""

    def make(**answers):
        booking = make_booking(**answers)
        work_queue()
        mail.outbox.clear()
        return booking

    return make


def test_a_visitor_sees_her_bookings_after_an_email_code(make_booking, work_queue) -> None:
    booking = make_booking()
    client = Client()
    assert client.get("/mijn-afspraken/")["Location"] == LOGIN
    response = client.post(LOGIN, {"email": "Saskia@example.org"})
    assert response["Location"] == CODE
    # Until the code is typed, the address is nowhere in plain text.
    assert not User.objects.filter(email__iexact="saskia@example.org").exists()
    assert not EmailAddress.objects.filter(email__iexact="saskia@example.org").exists()
    assert "saskia" not in session_text(client)
    assert all("saskia" not in morsel.value.lower() for morsel in response.cookies.values())
    assert not mail.outbox  # not sent inline: the worker sends it
    work_queue()
    (message,) = mail.outbox
    assert message.to == ["saskia@example.org"]
    assert "Saskia" not in message.subject
    assert "testserver" not in message.body  # signed with the neutral site name
    # The code and address are not kept once sent.
    assert OutgoingEmail.objects.get(kind="visitor_code").sealed == ""

    wrong = client.post(CODE, {"code": "AAAA-AAAA"})
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    assert "Deze code klopt niet" in wrong.content.decode()
    assert 'value="AAAA-AAAA"' in wrong.content.decode()
    response = client.post(CODE, {"code": code_in(message).lower()})
    assert response["Location"] == "/mijn-afspraken/"
    html = client.get("/mijn-afspraken/").content.decode()
    assert booking.helper.name in html
    assert "/afspraak/beheer/" in html  # her private link
    # Still no account with her address.
    assert not User.objects.filter(email__iexact="saskia@example.org").exists()
    client.post("/mijn-afspraken/uitloggen/")
    assert client.get("/mijn-afspraken/")["Location"] == LOGIN


def test_known_and_unknown_addresses_get_the_same_answer_for_the_same_work(
    make_booking, work_queue
) -> None:
    make_booking()
    answers, statements = [], []
    for number, address in enumerate(("saskia@example.org", "niemand@example.org")):
        client = Client(REMOTE_ADDR=f"10.0.0.{number + 1}")  # each a first visit
        client.get(LOGIN)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(LOGIN, {"email": address})
        answers.append((response.status_code, response["Location"]))
        # The same statements in the same order: nothing differs in time but noise.
        statements.append([re.sub(r"'[^']*'|\d+", "?", q["sql"]) for q in queries])
        page = client.get(CODE).content.decode()
        answers.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page))
    assert answers[0] == answers[2] and answers[1] == answers[3]
    assert statements[0] == statements[1]
    work_queue()
    assert [m.to for m in mail.outbox] == [["saskia@example.org"]]
    assert not User.objects.filter(email="niemand@example.org").exists()


def test_five_wrong_codes_end_the_attempt(make_booking, work_queue) -> None:
    make_booking()
    client = Client()
    client.post(LOGIN, {"email": "saskia@example.org"})
    work_queue()
    for _ in range(4):
        assert client.post(CODE, {"code": "AAAA-AAAA"}).status_code == HTTPStatus.BAD_REQUEST
    assert client.post(CODE, {"code": "AAAA-AAAA"}).status_code == HTTPStatus.TOO_MANY_REQUESTS
    # Even the right code no longer works: a new one must be asked for.
    response = client.post(CODE, {"code": code_in(mail.outbox[0])})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Vraag een nieuwe code" in response.content.decode()


def test_asking_for_codes_is_limited_per_address_and_keeps_what_was_typed(make_booking) -> None:
    make_booking()
    for _ in range(3):
        Client().post(LOGIN, {"email": "saskia@example.org"})
    response = Client(REMOTE_ADDR="10.0.0.9").post(LOGIN, {"email": "saskia@example.org"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert 'value="saskia@example.org"' in response.content.decode()
    assert "Wacht tien minuten" in response.content.decode()


def test_a_bad_address_gets_a_dutch_message(client: Client) -> None:
    response = client.post(LOGIN, {"email": "geen adres"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Vul een e-mailadres in zoals naam@voorbeeld.nl." in response.content.decode()
    assert 'value="geen adres"' in response.content.decode()
