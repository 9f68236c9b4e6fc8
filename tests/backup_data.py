"""Data for the restore drill, made through the real services, and the app's reading of it."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from practice import services as practice_services
from practice.models import AccessAction
from support.booking import partner as partner_services
from support.fields import EncryptedTextField
from support.models import Booking, PartnerIntake, Signup
from tests.support_fixtures import proved_signup

ANSWERS = [
    {
        "name": "Saskia de Vries",
        "email": "saskia.drill@example.org",
        "phone": "06-12345678",
        "what_happened": "Ik vond berichten op zijn telefoon; ‘sorry’ zei hij, drie keer.",
        "hopes": "Rust, en weten waar ik sta.\nEen tweede regel met é, ü en €.",
    },
    {
        "name": "Ahmed",
        "email": "ahmed.drill@example.org",
        "what_happened": "Zij heeft het zelf verteld.",
        "hopes": "Dat we weer kunnen praten.",
    },
    {"name": "R.", "email": "r.drill@example.org", "what_happened": "", "hopes": ""},
]


def make_drill_data(make_booking, make_group, make_account) -> None:
    """Bookings with intakes (one with a partner's intake), sign-ups and access-log entries."""
    bookings = [
        make_booking(days=3 + number, hour=10 + number, **answers)
        for number, answers in enumerate(ANSWERS)
    ]
    intake = partner_services.partner_invite(booking=bookings[0], email="partner.drill@example.org")
    partner_services.partner_claim(intake=intake, claim_key="partner-browser")
    partner_services.partner_save_intake(
        intake=intake,
        claim_key="partner-browser",
        answers={
            "name": "Mark",
            "email": "mark.drill@example.org",
            "what_happened": "Ik heb het haar zelf verteld.",
            "hopes": "Eerlijk zijn.",
            "consent": True,
        },
    )
    partner_services.partner_submit(intake=intake, claim_key="partner-browser")
    group = make_group("drill-groep")
    proved_signup(
        group=group, name="Jolien", email="jolien.drill@example.org", message="Ik kom graag."
    )
    proved_signup(group=group, name="Piet", email="piet.drill@example.org", phone="010")
    coordinator = make_account("coordinator", "coordinator.drill@example.org")
    request = RequestFactory().get("/")
    request.user = coordinator
    request.session = SessionStore()
    request.session.create()
    for booking in bookings:
        practice_services.access_log(
            request=request, action=AccessAction.VIEW_INTAKE, record=f"booking {booking.pk}"
        )
    practice_services.access_log(
        request=request, action=AccessAction.VIEW_PARTNER_INTAKE, record=f"booking {intake.pk}"
    )


def intake_values() -> dict[str, dict[str, str]]:
    """Every encrypted field of every booking, partner intake and sign-up, as the app reads it."""
    values = {}
    for model in (Booking, PartnerIntake, Signup):
        fields = [f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)]
        for row in model.objects.order_by("pk").values("pk", *fields):
            values[f"{model._meta.label} {row.pop('pk')}"] = row
    return values
