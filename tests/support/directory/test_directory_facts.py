"""Issue 27: the facts around the articles. 113 is free, a checked date means a person checked
the entry against a public source, and men find the groups that take them."""

import datetime
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from support.demo import load_demo
from support.models import Entry, Kind, Organisation
from support.organisations import REAL_ORGANISATIONS, directory_problems

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parents[3] / "locale" / "en" / "LC_MESSAGES" / "django.po"
PAGES = [
    "/",
    "/hulp-nu/",
    "/steun/",
    "/steun/113-zelfmoordpreventie/",
    "/artikelen/net-ontdekt-vannacht/",
    "/veilig-surfen/",
]


@pytest.mark.parametrize("path", [*PAGES, *("/en" + path for path in PAGES)])
def test_no_page_says_that_113_costs_money(client: Client, real_content: Path, path: str) -> None:
    load_demo()
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())  # as read, links and all
    assert "113 of gratis" not in text
    assert "113 or free of charge" not in text
    # Both numbers stay one tap away, in the footer of every page.
    assert 'href="tel:113"' in html and 'href="tel:08000113"' in html


def test_the_english_catalogue_no_longer_says_it_either() -> None:
    text = CATALOGUE.read_text(encoding="utf-8")
    assert "or free of charge" not in text
    assert '"of gratis"' not in text


def test_the_crisis_page_says_both_numbers_are_free(client: Client) -> None:
    assert (
        "Bellen is gratis, naar 113 en naar 0800-0113" in client.get("/hulp-nu/").content.decode()
    )
    english = client.get("/en/hulp-nu/").content.decode()
    assert "Calling is free, both 113 and 0800-0113" in english


def test_an_entry_without_a_public_source_shows_no_checked_date(
    client: Client, make_organisation
) -> None:
    make_organisation("zonder-bron", sources="Gehoord van een kennis.", last_checked=None)
    html = client.get("/steun/zonder-bron/").content.decode()
    assert "Gecontroleerd op" not in html
    assert "Niet gecontroleerd: voor deze gegevens hebben we geen openbare bron." in html


def test_a_checked_date_without_a_public_source_is_refused(make_organisation) -> None:
    entry = make_organisation("datum-zonder-bron", sources="")
    with pytest.raises(ValidationError) as refused:
        entry.full_clean()
    assert "last_checked" in refused.value.message_dict


def test_the_checked_date_is_the_day_a_person_checked_and_loading_keeps_it(
    client: Client,
) -> None:
    load_demo()
    veilig_thuis = Entry.objects.get(slug="veilig-thuis")
    recorded = next(d["checked"] for d in REAL_ORGANISATIONS if d["slug"] == "veilig-thuis")
    assert veilig_thuis.last_checked == recorded
    html = client.get("/steun/veilig-thuis/").content.decode()
    assert f'Gecontroleerd op <time datetime="{recorded:%Y-%m-%d}">' in html

    # An editor checks it again later in the admin; the next demo load keeps her day.
    later = recorded + datetime.timedelta(days=20)
    Entry.objects.filter(pk=veilig_thuis.pk).update(last_checked=later)
    load_demo()
    assert Entry.objects.get(pk=veilig_thuis.pk).last_checked == later
    # Invented examples are never "checked".
    assert not Entry.objects.filter(is_example=True, last_checked__isnull=False).exists()


def test_check_content_refuses_a_directory_entry_without_a_source() -> None:
    assert directory_problems() == []
    unsourced = {
        "slug": "zonder-bron",
        "name": "Zonder bron",
        "kind": Kind.ORGANISATION,
        "summary": "Iets.",
        "sources": "De brief van de redactie.",
    }
    assert directory_problems([unsourced]) == [
        "directory entry 'zonder-bron' has no public source",
        "directory entry 'zonder-bron' has no checked date",
    ]
    # A hidden entry shows nothing, so it may wait for its source.
    assert directory_problems([{**unsourced, "active": False}]) == []


def test_check_content_passes_the_directory(
    real_content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("check_content")
    assert "support/organisations.py" not in capsys.readouterr().err


def test_the_mens_filter_returns_the_groups_flagged_for_men(client: Client) -> None:
    load_demo()
    html = client.get("/steun/?mannen=on").content.decode()
    flagged = Entry.objects.filter(
        for_men=True, active=True, kind__in=[Kind.PEER_GROUP, Kind.GROUP_PROVIDER]
    )
    assert {"s-anon-nederland", "sa-nederland", "mannengroep-zwolle"} <= {e.slug for e in flagged}
    for entry in flagged:
        assert f'href="/steun/{entry.slug}/"' in html, entry.slug
    assert 'href="/steun/kostbaar-vaatwerk/"' not in html  # for women: not flagged


def test_no_group_for_men_is_said_honestly_with_the_mens_article(client: Client) -> None:
    load_demo()
    html = client.get("/steun/?mannen=on&soort=groep&voor=bedrogen-partner").content.decode()
    assert "We kennen geen lotgenotengroep voor bedrogen mannen" in html
    assert 'href="/artikelen/bedrogen-als-man-of-zelfde-geslacht/"' in html
    # S-Anon takes betrayed men: then there is no such notice.
    assert "We kennen geen lotgenotengroep" not in (
        client.get("/steun/?mannen=on&voor=bedrogen-partner").content.decode()
    )


@pytest.mark.parametrize(
    ("slug", "night", "chat"),
    [
        ("de-luisterlijn", True, True),
        ("113-zelfmoordpreventie", True, True),
        ("mind-korrelatie", False, True),
        ("de-kindertelefoon", False, True),
        ("slachtofferhulp-nederland", False, True),
        ("helpwanted", False, True),
        ("opvang-via-veilig-thuis", True, True),
        ("meld-misdaad-anoniem", False, False),
    ],
)
def test_lines_say_whether_they_answer_at_night_and_offer_chat(
    client: Client, slug: str, night: bool, chat: bool
) -> None:
    load_demo()
    html = client.get(f"/steun/{slug}/").content.decode()
    assert ("Ook 's nachts" in html) is night
    assert ('<span class="label">Chat</span>' in html) is chat


def test_the_new_entries_are_in_the_directory(client: Client) -> None:
    load_demo()
    for slug in ("slachtofferhulp-nederland", "helpwanted", "de-kindertelefoon"):
        assert Organisation.objects.get(slug=slug).phone
    shelter = client.get("/steun/opvang-via-veilig-thuis/").content.decode()
    assert 'href="tel:08002000"' in shelter
    assert "112" in shelter
