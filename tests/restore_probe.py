"""Run as a separate process against a restored database: the app started with the keys in
its environment. Prints JSON: every intake's fields as read by the app (or the error), and
what a visitor's private booking page and /healthz answer."""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from cryptography.fernet import InvalidToken  # noqa: E402
from django.test import Client  # noqa: E402

from support.models import Booking, PartnerIntake, Signup  # noqa: E402
from tests.backup_data import intake_values  # noqa: E402

report: dict[str, object] = {}
try:
    report["intakes"] = intake_values()
except InvalidToken:
    report["intakes"] = "InvalidToken"

client = Client(raise_request_exception=False)
pages = {"healthz": "/healthz"}
# Her page, in a browser that proved her address (as "Mijn afspraken" does): found by ids and
# the address's digest, without reading an encrypted field.
booking = Booking.objects.only("pk", "email_digest").order_by("pk").first()
if booking is not None:
    session = client.session
    session["visitor"] = {"digest": booking.email_digest}
    session.save()
    pages["booking"] = f"/afspraak/{booking.pk}/"
report["pages"] = {}
for name, url in pages.items():
    response = client.get(url)
    report["pages"][name] = {"status": response.status_code, "body": response.content.decode()}
report["counts"] = {
    "bookings": Booking.objects.count(),
    "partner_intakes": PartnerIntake.objects.count(),
    "signups": Signup.objects.count(),
}
json.dump(report, sys.stdout)
