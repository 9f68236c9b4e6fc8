"""The logs of a whole booking journey: one JSON object a line, each request with an id and a
duration, and none of what the visitor typed, none of her links' tokens or her cookies."""

from __future__ import annotations

import json
import logging
import re
from io import StringIO

import pytest
from django.core import mail
from django.test import Client

from portal.observability import JsonFormatter
from support import links
from support.models import Booking
from tests.support.booking.test_booking_views import free_starts

TYPED = {
    "name": "Marieke Zonnebloem",
    "email": "marieke.zonnebloem@example.org",
    "phone": "0612398765",
    "what_happened": "Geheimverhaal4711 over zijn collega",
    "hopes": "Hoopwoord0815",
}
PARTNER = {
    "name": "Kees Regenboog",
    "email": "kees.regenboog@example.org",
    "what_happened": "Partnergeheim2468",
    "hopes": "Partnerhoop1357",
}
PARTNER_INVITE = "uitnodiging.regenboog@example.org"
SEARCH = "zoekgeheim9753"


@pytest.fixture
def captured_logs():
    """The output of the handler the settings configure (LOGGING), into a string, at
    production's level (the tests' settings keep only warnings)."""
    root = logging.getLogger()
    handlers = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
    assert handlers, "LOGGING configures no JSON handler"
    stream = StringIO()
    previous = [h.setStream(stream) for h in handlers]
    level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.setLevel(level)
    for handler, old in zip(handlers, previous, strict=True):
        handler.setStream(old)


def test_a_booking_journey_leaves_nothing_personal_in_the_logs(
    captured_logs, make_offer, work_queue, settings
) -> None:
    offer = make_offer()
    visitor = Client()
    visitor.get("/afspraak/kiezen/")
    start = free_starts(visitor, offer.pk)[0]
    assert visitor.post(f"/afspraak/tijden/{offer.pk}/", {"start": start}).status_code == 302
    steps = [
        {"name": TYPED["name"], "email": TYPED["email"], "phone": TYPED["phone"],
         "contact_preference": "bellen", "consent": "on"},
        {"role": "bedrogen-partner", "disclosure": "ontdekt",
         "what_happened": TYPED["what_happened"]},
        {"partner_knows": "ja", "partner_joins": "ja", "hopes": TYPED["hopes"]},
        {"feels_safe": "ja"},
    ]  # fmt: skip
    # One step with a mistake first: the form comes back with what she typed.
    assert visitor.post("/afspraak/stap/1/", {**steps[0], "email": "geen-adres"}).status_code
    for number, answers in enumerate(steps, start=1):
        assert visitor.post(f"/afspraak/stap/{number}/", answers).status_code == 302
    submitted = visitor.post("/afspraak/controleren/")
    manage_url = submitted["Location"].split("?")[0]
    assert visitor.get(submitted["Location"]).status_code == 200
    # Her private link (from the e-mail), a tampered one and a search.
    private_link = links.booking_url(Booking.objects.get())
    booking_token = private_link.rstrip("/").rsplit("/", 1)[1]
    assert visitor.get(private_link)["Location"] == manage_url
    assert visitor.get(private_link.replace(booking_token, booking_token + "x")).status_code == 404
    visitor.get(f"/zoeken/?q={SEARCH}")

    # She invites her partner by e-mail and passes on a link; the partner fills in the intake.
    visitor.post(manage_url, {"partner": "email", "email": PARTNER_INVITE})
    html = visitor.post(manage_url, {"partner": "link"}).content.decode()
    invitation = r"<code>http://testserver(/afspraak/uitnodiging/[^<]+)</code>"
    partner_link = re.search(invitation, html)[1]
    partner_token = partner_link.rstrip("/").rsplit("/", 1)[1]
    partner = Client()
    partner.get(partner_link)
    assert partner.post(partner_link).status_code == 302
    partner_steps = [
        {"name": PARTNER["name"], "email": PARTNER["email"],
         "contact_preference": "alleen-email", "consent": "on"},
        {"role": "partner-die-bedroog", "disclosure": "ontdekt",
         "what_happened": PARTNER["what_happened"]},
        {"partner_knows": "ja", "partner_joins": "ja", "hopes": PARTNER["hopes"]},
    ]  # fmt: skip
    for number, answers in enumerate(partner_steps, start=1):
        partner.post(f"{partner_link}stap/{number}/", answers)
    partner.post(f"{partner_link}controleren/")

    # Later she logs in by code to see her bookings; the worker sends the e-mails.
    returning = Client()
    returning.get("/mijn-afspraken/inloggen/")
    returning.post("/mijn-afspraken/inloggen/", {"email": TYPED["email"]})
    work_queue()
    code_pattern = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)
    codes = [m for m in mail.outbox if TYPED["email"] in m.to and code_pattern.search(m.body)]
    code = code_pattern.search(codes[-1].body)[1]
    assert returning.post("/mijn-afspraken/code/", {"code": code}).status_code == 302
    assert TYPED["name"] in Booking.objects.get().name  # the journey really stored her answers
    assert returning.get("/mijn-afspraken/").status_code == 200

    output = captured_logs.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]  # every line is one JSON object
    requests = [line for line in lines if line["logger"] == "houvast.request"]
    assert len(requests) >= 20
    for line in requests:
        assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
        assert isinstance(line["duration_ms"], float)
        assert line["view"] and line["status"]
    assert {"support:booking_manage", "support:partner_intake", "articles:search"} <= {
        line["view"] for line in requests
    }
    assert any(line["status"] == 404 for line in requests)

    secrets = [*TYPED.values(), *PARTNER.values(), PARTNER_INVITE, SEARCH, code]
    secrets += [booking_token, partner_token, code.replace("-", "")]
    for client in (visitor, partner, returning):
        secrets += [cookie.value for cookie in client.cookies.values() if cookie.value]
    # Test-only noise: the SMTP server of other tests is not ours; the digest of an address is
    # not the address. Everything else the site and the worker logged is searched.
    for secret in secrets:
        assert secret.lower() not in output.lower(), secret
    for part in ("zonnebloem", "regenboog", "/afspraak/beheer/", "/afspraak/uitnodiging/", "?q="):
        assert part not in output.lower(), part
