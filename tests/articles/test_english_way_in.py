"""Issue 27: the English way in. One page written for English readers, and a line on every
English article page that says the article is in Dutch and leads there."""

import re
from pathlib import Path

import pytest
from django.test import Client

from support.demo import load_demo
from support.models import Offer
from support.organisations import REAL_ORGANISATIONS

pytestmark = pytest.mark.django_db

PAGE = "/en/if-you-just-found-out/"


def test_the_english_page_has_the_safety_box_tappable_numbers_and_the_exit(
    client: Client,
) -> None:
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "<h1>If you just found out</h1>" in html
    assert "Tonight: your safety first" in html
    for number in ("112", "113", "08000113", "08002000", "08000188"):
        assert f'href="tel:{number}"' in html, number
    assert "press Shift three times" in html
    assert "Private Window" in html and "Incognito" in html


def test_every_number_on_the_english_page_is_one_the_directory_sources(client: Client) -> None:
    html = client.get(PAGE).content.decode()
    sourced = {re.sub(r"\D", "", data.get("phone", "")) for data in REAL_ORGANISATIONS}
    numbers = set(re.findall(r'href="tel:(\d+)"', html)) - {"112", "08000113"}
    assert numbers <= sourced, numbers - sourced


def test_only_the_service_whose_source_says_so_is_said_to_help_in_english(client: Client) -> None:
    html = client.get(PAGE).content.decode()
    assert html.count("English: yes") == 1
    assert "English: yes, Helpwanted" in html
    assert html.count("English: ask when you call.") == 5
    helpwanted = next(d for d in REAL_ORGANISATIONS if d["slug"] == "helpwanted")
    assert "in English" in helpwanted["sources"]


def test_in_dutch_the_same_address_leads_to_the_dutch_article_for_the_first_night(
    client: Client,
) -> None:
    response = client.get("/if-you-just-found-out/")
    assert response.status_code == 302
    assert response["Location"] == "/artikelen/net-ontdekt-vannacht/"


def test_every_english_article_page_says_it_is_in_dutch_above_the_text(
    client: Client, real_content: Path
) -> None:
    html = client.get("/en/artikelen/net-ontdekt-vannacht/").content.decode()
    line = html.index("This article is in Dutch.")
    assert line < html.index("<h1")
    assert f'href="{PAGE}"' in html[line : html.index("<h1")]
    dutch = client.get("/artikelen/net-ontdekt-vannacht/").content.decode()
    assert "This article is in Dutch." not in dutch
    assert "Dit artikel is in het Nederlands." not in dutch


def test_english_pages_lead_to_the_english_page(client: Client) -> None:
    assert f'href="{PAGE}"' in client.get("/en/").content.decode()
    assert f'href="{PAGE}"' not in client.get("/").content.decode()


def test_an_english_booking_page_shows_what_is_offered_in_english(client: Client) -> None:
    load_demo()
    html = client.get("/en/afspraak/kiezen/").content.decode()
    assert "Relationship conversation" in html
    assert "A conversation with both of you." in html
    assert "€ 95 (example rate)" in html
    assert "Usually not covered by health insurance." in html
    for dutch in ("Een gesprek met jullie allebei", "voorbeeldtarief", "Meestal niet vergoed"):
        assert dutch not in html, dutch
    offer = Offer.objects.get(conversation_type__slug="individueel-gesprek")
    week = client.get(f"/en/afspraak/tijden/{offer.pk}/").content.decode()
    assert "Individual conversation" in week and "Individueel gesprek" not in week
    # Dutch pages keep the Dutch texts.
    dutch_page = client.get("/afspraak/kiezen/").content.decode()
    assert "Relatiegesprek" in dutch_page and "Relationship conversation" not in dutch_page
