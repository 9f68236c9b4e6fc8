"""Run as a separate process against a restored database: the app started with the keys in
its environment. Prints JSON: every intake's fields as read by the app (or the error), and
what a visitor's private booking page and /healthz answer."""

import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from allauth.mfa.models import Authenticator  # noqa: E402
from allauth.mfa.totp.internal.auth import TOTP  # noqa: E402
from cryptography.fernet import InvalidToken  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.test import Client  # noqa: E402

from support.models import Booking, PartnerIntake, Signup  # noqa: E402
from tests.backup_data import intake_values  # noqa: E402
from tests.staff_fixtures import totp_code  # noqa: E402

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
# The drill's coordinator logs in with her authenticator app (tests/backup_data.py).
try:
    authenticator = Authenticator.objects.get(
        user__email="coordinator.drill@example.org", type=Authenticator.Type.TOTP
    )
    # Checked here and now by allauth's own clock: the code of this very moment.
    report["totp"] = TOTP(authenticator).validate_code(totp_code(at=time.time()))
except InvalidToken:
    report["totp"] = "InvalidToken"
report["sessions"] = Session.objects.count()
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
