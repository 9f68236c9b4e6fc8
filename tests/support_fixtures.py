import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from support.booking import services as booking_services
from support.directory import services as directory_services
from support.models import (
    AvailabilityRule,
    Booking,
    ConversationType,
    Cost,
    Forum,
    GroupFor,
    Helper,
    Kind,
    Meeting,
    Offer,
    Organisation,
    PeerGroup,
)


def new_organisation(slug: str = "organisatie", **fields) -> Organisation:
    defaults = {
        "kind": Kind.ORGANISATION,
        "name": slug.replace("-", " ").title(),
        "summary": "Een organisatie.",
        "last_checked": timezone.localdate(),
        "sources": "https://organisatie.example/over-ons",
    }
    return Organisation.objects.create(slug=slug, **{**defaults, **fields})


@pytest.fixture
def make_organisation(db) -> Callable[..., Organisation]:
    return new_organisation


def new_group(slug: str = "groep", capacity: int = 8, **fields) -> PeerGroup:
    organiser = fields.pop("organiser", None) or new_organisation(f"organisator-{slug}")
    defaults = {
        "kind": Kind.PEER_GROUP,
        "name": slug.replace("-", " ").title(),
        "summary": "Een groep.",
        "organiser": organiser,
        "group_for": GroupFor.BETRAYED_PARTNERS,
        "for_betrayed_partner": True,
        "online": True,
        "schedule": "elke tweede dinsdag 19.30-21.30",
        "start_date": timezone.localdate(),
        "last_checked": timezone.localdate(),
        "sources": "https://groep.example/over-ons",
    }
    group = PeerGroup.objects.create(slug=slug, capacity=capacity, **{**defaults, **fields})
    start = timezone.now() + datetime.timedelta(days=3)
    Meeting.objects.create(
        group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    return group


@pytest.fixture
def make_group(db, make_organisation) -> Callable[..., PeerGroup]:
    return new_group


def new_helper(slug: str = "hulpverlener", **fields) -> Helper:
    defaults = {
        "kind": Kind.HELPER,
        "name": slug.replace("-", " ").title(),
        "summary": "Een hulpverlener.",
        "profession": "Relatietherapeut",
        "last_checked": timezone.localdate(),
        "sources": "https://hulpverlener.example/over-mij",
        "cost": Cost.OWN,
    }
    return Helper.objects.create(slug=slug, **{**defaults, **fields})


@pytest.fixture
def make_helper(db, make_organisation) -> Callable[..., Helper]:
    return new_helper


def new_forum(slug: str = "forum", **fields) -> Forum:
    defaults = {
        "kind": Kind.FORUM,
        "name": slug.replace("-", " ").title(),
        "summary": "Een forum.",
        "who_for": "bedrogen partners",
        "online": True,
        "last_checked": timezone.localdate(),
    }
    return Forum.objects.create(slug=slug, **{**defaults, **fields})


@pytest.fixture
def make_forum(db) -> Callable[..., Forum]:
    return new_forum


def new_offer(
    type_slug: str = "relatiegesprek", helper: Helper | None = None, **type_fields
) -> Offer:
    """A helper who takes bookings, available every day 09:00-17:00, offering one type."""
    # One default helper, however many offers or bookings ask for her.
    helper = (
        helper
        or Helper.objects.filter(slug="anita-voorbeeld").first()
        or new_helper("anita-voorbeeld", takes_bookings=True)
    )
    if not helper.availability.exists():
        for weekday in range(7):
            AvailabilityRule.objects.create(
                helper=helper, weekday=weekday, start=datetime.time(9), end=datetime.time(17)
            )
    defaults = {
        "name": type_slug.replace("-", " ").capitalize(),
        "both_partners": type_slug == "relatiegesprek",
        "duration_minutes": 60,
        "extended_minutes": 90 if type_slug == "relatiegesprek" else None,
        "buffer_after_minutes": 0,
        "slot_step_minutes": 15,
        "min_notice_hours": 24,
        "horizon_days": 56,
        "cancellation_window_hours": 48,
        "price": "€ 95",
    }
    conversation_type, _ = ConversationType.objects.get_or_create(
        slug=type_slug, defaults={**defaults, **type_fields}
    )
    offer, _ = Offer.objects.get_or_create(helper=helper, conversation_type=conversation_type)
    return Offer.objects.select_related("helper", "conversation_type").get(pk=offer.pk)


@pytest.fixture
def make_offer(db, make_helper) -> Callable[..., Offer]:
    return new_offer


def new_booking(
    offer: Offer | None = None, *, days: int = 5, hour: int = 10, submit: bool = True, **answers
) -> Booking:
    """A booking requested through the real journey's services, with intake answers."""
    offer = offer or new_offer()
    start = (timezone.localtime() + datetime.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    key = f"k-{days}-{hour}"
    booking = booking_services.booking_hold(offer=offer, start=start, hold_key=key)
    booking_services.booking_save_intake(
        booking=booking,
        hold_key=key,
        answers={"name": "Saskia", "email": "saskia@example.org", "consent": True, **answers},
    )
    return booking_services.booking_submit(booking=booking, hold_key=key) if submit else booking


@pytest.fixture
def make_booking(make_offer) -> Callable[..., Booking]:
    return new_booking


def owner(booking: Booking, client: Client | None = None) -> Client:
    """A browser that proved the booking's address, as "Mijn afspraken" does with a code: it
    may see and change the booking (support/booking/journey.py)."""
    client = client or Client()
    session = client.session
    session["visitor"] = {"digest": booking.email_digest}
    session.save()
    return client


def booking_page(booking: Booking) -> str:
    return f"/afspraak/{booking.pk}/"


def proved_signup(**fields: object) -> directory_services.SignupResult:
    """A group sign-up whose address was proved (its e-mailed link opened and confirmed)."""
    result = directory_services.group_signup(**fields)  # type: ignore[arg-type]
    proved = directory_services.signup_prove(signup=result.signup)
    return directory_services.SignupResult(proved or result.signup, result.created)
