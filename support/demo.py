"""Demo data for `make run`: real organisations with facts only, and invented examples.

Invented groups, helpers and forums say so in their names ("voorbeeld") and carry
is_example=True, so nobody mistakes them for real people or real groups.
"""

import datetime
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from support.models import (
    AvailabilityRule,
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
    SessionMode,
)
from support.organisations import REAL_ORGANISATIONS

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _next_weekday(start: datetime.date, weekday: int) -> datetime.date:
    return start + datetime.timedelta(days=(weekday - start.weekday()) % 7)


def _meetings(group: PeerGroup, weekday: int, every_weeks: int, start: str, end: str) -> None:
    """Replace the group's future meetings with the next six of its schedule (local time)."""
    group.meetings.filter(starts_at__gte=timezone.now()).delete()
    day = _next_weekday(timezone.localdate() + datetime.timedelta(days=1), weekday)
    start_time = datetime.time.fromisoformat(start)
    end_time = datetime.time.fromisoformat(end)
    for _ in range(6):
        Meeting.objects.create(
            group=group,
            starts_at=datetime.datetime.combine(day, start_time, tzinfo=AMSTERDAM),
            ends_at=datetime.datetime.combine(day, end_time, tzinfo=AMSTERDAM),
        )
        day += datetime.timedelta(weeks=every_weeks)


def _booking_demo(helper: Helper) -> None:
    couple, _ = ConversationType.objects.update_or_create(
        slug="relatiegesprek",
        defaults={
            "name": "Relatiegesprek",
            "description": "Een gesprek met jullie allebei. Het duurt 60 minuten; als jullie "
            "dat samen willen 90 minuten.",
            "both_partners": True,
            "duration_minutes": 60,
            "extended_minutes": 90,
            "price": "€ 95 (voorbeeldtarief)",
            "order": 1,
            "name_en": "Relationship conversation",
            "description_en": "A conversation with both of you. It lasts 60 minutes; 90 minutes "
            "if you both want that.",
            "price_en": "€ 95 (example rate)",
        },
    )
    single, _ = ConversationType.objects.update_or_create(
        slug="individueel-gesprek",
        defaults={
            "name": "Individueel gesprek",
            "description": "Een gesprek voor jou alleen.",
            "both_partners": False,
            "duration_minutes": 60,
            "price": "€ 85 (voorbeeldtarief)",
            "order": 2,
            "name_en": "Individual conversation",
            "description_en": "A conversation for you alone.",
            "price_en": "€ 85 (example rate)",
        },
    )
    for conversation_type in (couple, single):
        Offer.objects.get_or_create(helper=helper, conversation_type=conversation_type)
    if not helper.availability.exists():
        for weekday, start, end in ((0, "09:00", "12:00"), (0, "13:00", "17:00"),
                                    (1, "13:00", "21:00"), (3, "09:00", "17:00"),
                                    (4, "09:00", "13:00")):  # fmt: skip
            AvailabilityRule.objects.create(
                helper=helper,
                weekday=weekday,
                start=datetime.time.fromisoformat(start),
                end=datetime.time.fromisoformat(end),
            )


@transaction.atomic
def load_demo() -> dict[str, int]:
    for real in REAL_ORGANISATIONS:
        data = {k: v for k, v in real.items() if k not in ("known_as", "provinces", "checked")}
        checked = real.get("checked")
        organisation, _ = Organisation.objects.update_or_create(slug=real["slug"], defaults=data)
        organisation.set_provinces(real.get("provinces", []))
        # The day a person checked the entry: a later check recorded in the admin stays.
        if checked and (organisation.last_checked is None or organisation.last_checked < checked):
            organisation.last_checked = checked
        organisation.save(update_fields=["provinces", "last_checked"])

    example_org, _ = Organisation.objects.update_or_create(
        slug="voorbeeld-steunpunt",
        defaults={
            "name": "Steunpunt Voorbeeld (voorbeeld)",
            "kind": Kind.GROUP_PROVIDER,
            "summary": "Een verzonnen organisatie om te laten zien hoe de steungids werkt.",
            "for_betrayed_partner": True,
            "online": True,
            "is_example": True,
        },
    )
    practice, _ = Organisation.objects.update_or_create(
        slug="voorbeeldpraktijk",
        defaults={
            "name": "Relatiepraktijk Voorbeeld (voorbeeld)",
            "kind": Kind.PRACTICE,
            "summary": "Een verzonnen praktijk voor relatiegesprekken, als voorbeeld.",
            "for_couples": True,
            "provinces": ",utrecht,",
            "cost": Cost.OWN,
            "price": "voorbeeldtarief",
            "is_example": True,
        },
    )
    groups = [
        ("online-groep-bedrogen-partners", "Online groep voor bedrogen partners (voorbeeld)",
         GroupFor.BETRAYED_PARTNERS, True, "", "", (1, 2, "19:30", "21:30"), 8,
         "elke tweede dinsdag 19.30-21.30"),
        ("groep-bedrogen-vrouwen-utrecht", "Groep voor bedrogen vrouwen, Utrecht (voorbeeld)",
         GroupFor.BETRAYED_WOMEN, False, "Utrecht", "utrecht", (3, 2, "10:00", "12:00"), 10,
         "om de week op donderdag 10.00-12.00"),
        ("mannengroep-zwolle", "Mannengroep, Zwolle (voorbeeld)",
         GroupFor.MEN, False, "Zwolle", "overijssel", (0, 4, "20:00", "22:00"), 6,
         "elke vierde maandag 20.00-22.00"),
    ]  # fmt: skip
    for slug, name, group_for, online, city, province, meetings, seats, text in groups:
        group, _ = PeerGroup.objects.update_or_create(
            slug=slug,
            defaults={
                "kind": Kind.PEER_GROUP,
                "name": name,
                "summary": "Een verzonnen lotgenotengroep om te laten zien hoe aanmelden werkt.",
                "description": "Je praat in een kleine groep met mensen die hetzelfde meemaken. "
                "Wat je deelt, blijft in de groep.",
                "organiser": example_org,
                "group_for": group_for,
                "for_betrayed_partner": group_for != GroupFor.MEN,
                "for_partner_who_betrayed": group_for == GroupFor.MEN,
                "for_men": group_for in (GroupFor.MEN, GroupFor.BETRAYED_MEN),
                "online": online,
                "city": city,
                "provinces": f",{province}," if province else "",
                "schedule": text,
                "start_date": timezone.localdate(),
                "capacity": seats,
                "is_example": True,
            },
        )
        _meetings(group, *meetings)

    helper, _ = Helper.objects.update_or_create(
        slug="hulpverlener-sanne-voorbeeld",
        defaults={
            "kind": Kind.HELPER,
            "name": "Sanne, relatietherapeut (voorbeeld)",
            "email_name": "Sanne",
            "summary": "Een verzonnen hulpverlener, om te laten zien hoe je een gesprek aanvraagt.",
            "practice": practice,
            "profession": "Relatietherapeut (voorbeeld)",
            "approach": "Werkt met het model van trauma door verraad. Het tempo stem je samen af.",
            "betrayal_trauma_model": True,
            "sex_addiction_experience": True,
            "for_betrayed_partner": True,
            "for_couples": True,
            "online": True,
            "provinces": ",utrecht,",
            "cost": Cost.OWN,
            "price": "voorbeeldtarief per gesprek",
            "takes_bookings": True,
            # Where and how (support/booking/modes.py): her practice, or by video.
            "session_modes": f"{SessionMode.PRACTICE},{SessionMode.VIDEO}",
            "practice_address": "Voorbeeldstraat 12\n3511 AB Utrecht",
            "practice_route": "Bel aan bij nummer 12. Parkeren kan achter het gebouw.",
            "practice_access": "Begane grond, zonder drempels.",
            "video_link": "https://video.example.org/sanne-voorbeeld",
            "is_example": True,
        },
    )
    _booking_demo(helper)
    Forum.objects.update_or_create(
        slug="forum-bedrogen-partners-voorbeeld",
        defaults={
            "kind": Kind.FORUM,
            "name": "Forum voor bedrogen partners (voorbeeld)",
            "summary": "Een verzonnen, gemodereerd forum, als voorbeeld.",
            "who_for": "bedrogen partners",
            "moderated": True,
            "for_betrayed_partner": True,
            "online": True,
            "is_example": True,
        },
    )
    return {
        "organisations": Organisation.objects.count(),
        "groups": PeerGroup.objects.count(),
        "helpers": Helper.objects.count(),
        "forums": Forum.objects.count(),
    }


DEMO_HELPER_EMAIL = "sanne@example.org"
DEMO_HELPER_PASSWORD = "houvast-demo-sanne"  # development only: load_demo_account needs DEBUG


def load_demo_account() -> None:
    """A login for the example helper, to try the dashboard in development."""
    if not settings.DEBUG:
        raise RuntimeError("the demo account is for development only")
    user, created = User.objects.get_or_create(
        username=DEMO_HELPER_EMAIL, defaults={"email": DEMO_HELPER_EMAIL}
    )
    if created:
        user.set_password(DEMO_HELPER_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=DEMO_HELPER_EMAIL, defaults={"primary": True, "verified": True}
    )
    Helper.objects.filter(slug="hulpverlener-sanne-voorbeeld").update(user=user)
