"""The real organisations of the demo directory: labelled, sourced, and findable for everyone."""

import re

import pytest
from django.test import Client

from support.demo import load_demo
from support.models import Entry
from support.organisations import REAL_ORGANISATIONS, article_organisations

pytestmark = pytest.mark.django_db

FAITH_LABEL = re.compile(r"christelijk|vanuit (?:het|een) geloof", re.IGNORECASE)


def listed_real_entries(client: Client, query: str) -> set[str]:
    html = client.get("/steun/" + query).content.decode()
    real = Entry.objects.filter(is_example=False).values_list("slug", flat=True)
    return {slug for slug in real if f'href="/steun/{slug}/"' in html}


@pytest.mark.parametrize(
    "query",
    [
        "?geloof=nee",  # non-religious help
        "?mannen=on",  # help for men
        "?voor=partner-die-bedroog",  # help for the partner who cheated
        "?voor=partner-die-bedroog&geloof=nee",
        "?voor=bedrogen-partner&mannen=on&geloof=nee",
    ],
)
def test_each_filter_a_reader_needs_lists_a_real_organisation(client: Client, query: str) -> None:
    load_demo()
    assert listed_real_entries(client, query)


def test_every_real_entry_has_its_sources_and_faith_based_ones_say_so() -> None:
    load_demo()
    for entry in Entry.objects.filter(is_example=False, active=True):
        assert entry.has_public_source, entry.slug
        assert entry.last_checked, entry.slug
        assert bool(FAITH_LABEL.search(entry.summary)) == entry.faith_based, entry.slug


def test_the_corrected_facts() -> None:
    load_demo()
    entries = {e.slug: e for e in Entry.objects.filter(is_example=False)}
    assert "gratis 113 of 0800-0113" in entries["113-zelfmoordpreventie"].summary
    assert "mannen en vrouwen" in entries["purity4life"].summary
    assert entries["purity4life"].faith_based
    assert "jongeren tot 25 jaar" in entries["ggd-soa-test"].summary
    assert "alleen als het niet kan wachten" in entries["huisarts-en-huisartsenpost"].summary
    for slug, phone in (
        ("de-luisterlijn", "088-0767 000"),
        ("mind-korrelatie", "0900-1450"),
        ("centrum-seksueel-geweld", "0800-0188"),
        ("meld-misdaad-anoniem", "0800-7000"),
    ):
        assert entries[slug].phone == phone


def test_sources_are_for_the_editors_only(client: Client) -> None:
    load_demo()
    page = client.get("/steun/veilig-thuis/").content.decode()
    assert "rijksoverheid.nl" not in page


def test_article_names_lead_to_real_entries() -> None:
    names = article_organisations()
    slugs = {data["slug"] for data in REAL_ORGANISATIONS}
    assert names["Veilig Thuis"] == ("veilig-thuis", False)
    assert names["Kostbaar Vaatwerk"] == ("kostbaar-vaatwerk", True)
    assert {slug for slug, _faith in names.values()} <= slugs


def test_loading_twice_changes_nothing() -> None:
    load_demo()
    count = Entry.objects.count()
    load_demo()
    assert Entry.objects.count() == count
