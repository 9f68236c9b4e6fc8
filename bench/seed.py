"""Fill a fresh benchmark database and content folder with a realistic load.

Run by bench/run.py with the benchmark's environment (DATABASE_URL, CONTENT_DIR, ...):
the demo data, 1,000 synthetic articles next to the real ones, 200 directory entries, and
5 helpers with 8 weeks of availability and 100 bookings made through the booking service.

BENCH_SCALE=10: the same 1,000 articles, 2,000 entries, 50 helpers available all year, 100,000
bookings (the first 100 through the booking service, the rest written in bulk, most of them in
the past year, 5,000 with the first helper) and 1,000,000 access-log entries.
"""

import datetime
import json
import os
import random
import re
import shutil
import sys
from pathlib import Path

import django
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
django.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles import checklist  # noqa: E402
from support.booking import selectors  # noqa: E402
from support.booking import services as booking_services  # noqa: E402
from support.demo import load_demo  # noqa: E402
from support.models import (  # noqa: E402
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
)
from support.organisations import article_organisations  # noqa: E402

SCALE = int(os.environ.get("BENCH_SCALE", "1"))
# A curated library stays in the hundreds: a thousand at every scale (docs/operations.md, *Caches*).
SYNTHETIC_ARTICLES = 1000
DIRECTORY_ENTRIES = 200 * SCALE
HELPERS = 5 * SCALE
BOOKINGS = 100  # through the booking service
BULK_BOOKINGS = 0 if SCALE == 1 else 10_000 * SCALE - BOOKINGS
FIRST_HELPER_BOOKINGS = 5000
ACCESS_LOG_ENTRIES = 0 if SCALE == 1 else 100_000 * SCALE
RARE_WORD = "zeldzaamheidsproef"
BATCH = 5000


def write_content(target: Path, rng: random.Random) -> None:
    shutil.copytree(ROOT / "content", target, dirs_exist_ok=True)
    # Words the content rules (articles/checklist.py) would refuse in random sentences are left
    # out, so the generated articles pass `check_content` as real ones must.
    refused = (checklist.BANNED_WORDS, checklist.JOINT_HELP, checklist.FAITH_LABEL)
    words = sorted(
        {
            w.lower()
            for p in (ROOT / "content").glob("*.md")
            for w in re.findall(r"[a-zA-Zë]{4,}", p.read_text())
            if not any(part in w.lower() for part in ("samen", "gesprek"))
            and not any(rule.search(w) for rule in refused)
        }
        # Nor the names of real organisations, which need a directory link where named.
        - {w.lower() for name in article_organisations() for w in re.findall(r"\w+", name)}
    )
    audiences = ["bedrogen-partner", "partner-die-bedroog", "stel"]
    topics = ["steun", "grenzen", "zelfzorg", "vertrouwen", "gezondheid", "veiligheid"]
    for number in range(SYNTHETIC_ARTICLES):
        sentences = [
            " ".join(rng.choice(words) for _ in range(rng.randint(5, 11))).capitalize() + "."
            for _ in range(rng.randint(60, 120))
        ]
        paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
        if number == SYNTHETIC_ARTICLES // 2:
            paragraphs.append(f"Een {RARE_WORD} komt maar in één artikel voor.")
        body = "\n\n".join(
            f"## Deel {i // 5 + 1}\n\n{p}" if i % 5 == 0 else p for i, p in enumerate(paragraphs)
        )
        front = {
            "title": f"Proefartikel {number:04d} over {rng.choice(words)}",
            "summary": sentences[0],
            "key_points": sentences[1:4],
            "audiences": [rng.choice(audiences)],
            "topics": rng.sample(topics, 2),
            "reviewed": datetime.date(2026, 11, 1),
            "authors": ["Benchmark"],
            "sources": ["Gegenereerd"],
            "order": 100 + number,
        }
        text = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
        (target / f"proefartikel-{number:04d}.md").write_text(f"---\n{text}---\n{body}\n")


def directory(rng: random.Random) -> None:
    today = timezone.localdate()
    organiser = Organisation.objects.get(slug="voorbeeld-steunpunt")
    provinces = [",utrecht,", ",zeeland,", ",noord-holland,", ",gelderland,", ""]
    for number in range(DIRECTORY_ENTRIES):
        common = {
            "name": f"Proefvermelding {number:04d}",
            "slug": f"proefvermelding-{number:04d}",
            "summary": "Een gegenereerde vermelding voor de benchmark.",
            "for_betrayed_partner": number % 2 == 0,
            "for_couples": number % 3 == 0,
            "online": number % 4 == 0,
            "provinces": provinces[number % len(provinces)],
            "cost": [Cost.FREE, Cost.OWN, Cost.INSURED][number % 3],
            "is_example": True,
            "last_checked": today,
        }
        kind = number % 4
        if kind == 0:
            group = PeerGroup.objects.create(
                kind=Kind.PEER_GROUP,
                organiser=organiser,
                group_for=GroupFor.BETRAYED_PARTNERS,
                schedule="elke dinsdag 19.30-21.30",
                start_date=today,
                capacity=8,
                **common,
            )
            start = timezone.now() + datetime.timedelta(days=2)
            for week in range(6):
                begin = start + datetime.timedelta(weeks=week)
                Meeting.objects.create(
                    group=group, starts_at=begin, ends_at=begin + datetime.timedelta(hours=2)
                )
        elif kind == 1:
            Helper.objects.create(kind=Kind.HELPER, profession="Therapeut", **common)
        elif kind == 2:
            Forum.objects.create(kind=Kind.FORUM, who_for="iedereen", **common)
        else:
            Organisation.objects.create(kind=Kind.ORGANISATION, **common)


def helpers_and_bookings() -> None:
    conversation = ConversationType.objects.get(slug="relatiegesprek")
    offers = []
    for number in range(HELPERS):
        helper = Helper.objects.create(
            kind=Kind.HELPER,
            name=f"Proefhulpverlener {number}",
            slug=f"proefhulpverlener-{number}",
            summary="Gegenereerd.",
            profession="Relatietherapeut",
            takes_bookings=True,
            last_checked=timezone.localdate(),
        )
        for weekday in range(5 if SCALE == 1 else 7):
            AvailabilityRule.objects.create(
                helper=helper, weekday=weekday, start=datetime.time(9), end=datetime.time(17)
            )
        offers.append(Offer.objects.create(helper=helper, conversation_type=conversation))
    made = 0
    first_day = timezone.localdate() + datetime.timedelta(days=2)
    for offer in offers:
        times = selectors.free_times(
            offer=offer, first_day=first_day, last_day=first_day + datetime.timedelta(weeks=8)
        )
        for start in times[:: max(1, len(times) // (BOOKINGS // HELPERS))][: BOOKINGS // HELPERS]:
            key = f"bench-{made}"
            booking = booking_services.booking_hold(offer=offer, start=start, hold_key=key)
            booking_services.booking_save_intake(
                booking=booking,
                hold_key=key,
                answers={"name": "Proef", "email": "proef@example.org", "consent": True},
            )
            booking_services.booking_submit(booking=booking, hold_key=key)
            made += 1


def bulk_bookings(rng: random.Random) -> None:
    """History in bulk: one-hour bookings on free hours of the past year (and a few ahead),
    with encrypted intakes as the service would store them; 5,000 with the first helper."""
    from support.models import Booking, BookingStatus

    conversation = ConversationType.objects.get(slug="relatiegesprek")
    helpers = list(Helper.objects.filter(slug__startswith="proefhulpverlener-").order_by("pk"))
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    others = BULK_BOOKINGS - FIRST_HELPER_BOOKINGS
    per_helper = [FIRST_HELPER_BOOKINGS] + [others // (len(helpers) - 1)] * (len(helpers) - 1)
    per_helper[1] += others - sum(per_helper[1:])  # exactly 10,000 x scale in all
    batch = []
    statuses = [BookingStatus.COMPLETED] * 8 + [BookingStatus.CANCELLED, BookingStatus.NO_SHOW]
    for helper, count in zip(helpers, per_helper, strict=True):
        # Hours 9-21 of every day, going back from the day before the service-made bookings.
        for number in range(count):
            day, hour = divmod(number, 13)
            start = now - datetime.timedelta(days=day + 1)
            start = start.replace(hour=9 + hour)
            end = start + datetime.timedelta(hours=1)
            batch.append(
                Booking(
                    helper=helper,
                    conversation_type=conversation,
                    status=rng.choice(statuses),
                    starts_at=start,
                    ends_at=end,
                    blocked_from=start,
                    blocked_until=end,
                    hold_key=f"bulk-{helper.pk}-{number}",
                    requested_at=start - datetime.timedelta(days=7),
                    name="Proef",
                    email="proef@example.org",
                    consent_at=start - datetime.timedelta(days=7),
                )
            )
            if len(batch) >= BATCH:
                Booking.objects.bulk_create(batch)
                batch = []
    Booking.objects.bulk_create(batch)


def access_log() -> None:
    from django.contrib.auth.models import User

    from practice.models import AccessAction, AccessLogEntry

    user = User.objects.order_by("pk").first()
    user_id, user_email = (user.pk, user.email) if user else (1, "bench@example.org")
    start = timezone.now() - datetime.timedelta(days=365)
    step = datetime.timedelta(days=365) / max(1, ACCESS_LOG_ENTRIES)
    actions = [AccessAction.VIEW_INTAKE, AccessAction.LOOK_UP, AccessAction.VIEW_PARTNER_INTAKE]
    for first in range(0, ACCESS_LOG_ENTRIES, BATCH):
        AccessLogEntry.objects.bulk_create(
            AccessLogEntry(
                at=start + step * number,
                user_id=user_id,
                user_email=user_email,
                action=actions[number % 3],
                record=f"booking {number % 100_000}",
                session="0123456789abcdef",
            )
            for number in range(first, min(first + BATCH, ACCESS_LOG_ENTRIES))
        )


def main() -> None:
    rng = random.Random(20261123)
    write_content(Path(settings.CONTENT_DIR), rng)
    load_demo()
    directory(rng)
    helpers_and_bookings()
    if BULK_BOOKINGS:
        bulk_bookings(rng)
    if ACCESS_LOG_ENTRIES:
        access_log()
    group = PeerGroup.objects.get(slug="online-groep-bedrogen-partners")
    offers = list(
        Offer.objects.filter(helper__slug__startswith="proefhulpverlener-")
        .order_by("helper__slug")
        .values_list("pk", flat=True)
    )
    print(
        json.dumps(
            {"group": group.slug, "offer": offers[0], "offers": offers, "rare_word": RARE_WORD}
        )
    )


if __name__ == "__main__":
    main()
