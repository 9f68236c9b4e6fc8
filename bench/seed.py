"""Fill a fresh benchmark database and content folder with a realistic load.

Run by bench/run.py with the benchmark's environment (DATABASE_URL, CONTENT_DIR, ...):
the demo data, 1,000 synthetic articles next to the real ones, 200 directory entries, and
5 helpers with 8 weeks of availability and 100 bookings made through the booking service.
"""

import datetime
import json
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

from support import services  # noqa: E402
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

SYNTHETIC_ARTICLES = 1000
DIRECTORY_ENTRIES = 200
HELPERS = 5
BOOKINGS = 100
RARE_WORD = "zeldzaamheidsproef"


def write_content(target: Path, rng: random.Random) -> None:
    shutil.copytree(ROOT / "content", target, dirs_exist_ok=True)
    from articles.checklist import BANNED_WORDS

    words = sorted(
        {
            w.lower()
            for p in (ROOT / "content").glob("*.md")
            for w in re.findall(r"[a-zA-Zë]{4,}", p.read_text())
            if not BANNED_WORDS.search(w)
        }
    )
    audiences = ["bedrogen-partner", "partner-die-bedroog", "stel"]
    topics = ["steun", "grenzen", "zelfzorg", "vertrouwen", "gezondheid", "veiligheid"]
    for number in range(SYNTHETIC_ARTICLES):
        sentences = [
            " ".join(rng.choice(words) for _ in range(rng.randint(5, 11))).capitalize() + "."
            for _ in range(rng.randint(60, 120))
        ]
        paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
        if number == 500:
            paragraphs.append(f"Een {RARE_WORD} komt maar in één artikel voor.")
        # As the content rules ask of every article that may speak of joint help.
        paragraphs.append(
            "Voel je je niet veilig? Bel [Veilig Thuis](/steun/veilig-thuis/), gratis: 0800-2000."
        )
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
            "name": f"Proefvermelding {number:03d}",
            "slug": f"proefvermelding-{number:03d}",
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
        for weekday in range(5):
            AvailabilityRule.objects.create(
                helper=helper, weekday=weekday, start=datetime.time(9), end=datetime.time(17)
            )
        offers.append(Offer.objects.create(helper=helper, conversation_type=conversation))
    made = 0
    first_day = timezone.localdate() + datetime.timedelta(days=2)
    for offer in offers:
        times = services.free_times(
            offer=offer, first_day=first_day, last_day=first_day + datetime.timedelta(weeks=8)
        )
        for start in times[:: max(1, len(times) // (BOOKINGS // HELPERS))][: BOOKINGS // HELPERS]:
            key = f"bench-{made}"
            booking = services.booking_hold(offer=offer, start=start, hold_key=key)
            services.booking_save_intake(
                booking=booking,
                hold_key=key,
                answers={"name": "Proef", "email": "proef@example.org", "consent": True},
            )
            services.booking_submit(booking=booking, hold_key=key)
            made += 1


def main() -> None:
    rng = random.Random(20261123)
    write_content(Path(settings.CONTENT_DIR), rng)
    load_demo()
    directory(rng)
    helpers_and_bookings()
    group = PeerGroup.objects.get(slug="online-groep-bedrogen-partners")
    offer = Offer.objects.filter(helper__slug="proefhulpverlener-0").get()
    print(json.dumps({"group": group.slug, "offer": offer.pk, "rare_word": RARE_WORD}))


if __name__ == "__main__":
    main()
