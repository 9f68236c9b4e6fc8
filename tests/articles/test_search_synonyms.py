"""Search that understands a reader in distress: every word of every synonym group finds the
content its group is about (articles/synonyms.py), and stop words never rank alone."""

import pytest

from articles import search
from articles.synonyms import SYNONYM_GROUPS

pytestmark = pytest.mark.django_db

# The article each group must lead to, within the first few results.
EXPECTED = {
    "gek": "klachten-en-de-huisarts|net-ontdekt-vannacht",
    "praatgroep": "steun-zoeken",
    "vreemdgaan": "vertrouwen-terugwinnen-na-ontrouw|het-vertrouwen-is-weg",
    "porno": "partner-porno-of-seksverslaafd",
    "liegen": "ontdekt-of-verteld|de-hele-waarheid",
    "scheiden": "blijven-of-weggaan",
    "therapeut": "een-relatiegesprek|het-vertrouwen-is-weg|de-hele-waarheid",
    "zelfmoord": "klachten-en-de-huisarts|net-ontdekt-vannacht|als-het-opnieuw-gebeurt",
    "gaslighting": "dwang-en-gaslighting",
    "soa": "testen-op-soa-en-hiv",
}
TOP = 5
WORDS = [(word, EXPECTED[group[0]]) for group in SYNONYM_GROUPS for word in group]


def slugs(query: str) -> list[str]:
    return [r.document.url.strip("/").rsplit("/", 1)[-1] for r in search.search(query)]


def test_every_group_has_an_expected_article() -> None:
    assert {group[0] for group in SYNONYM_GROUPS} == set(EXPECTED)


@pytest.mark.parametrize(("word", "expected"), WORDS, ids=[word for word, _ in WORDS])
def test_each_synonym_finds_the_content_of_its_group(real_content, word: str, expected) -> None:
    found = slugs(word)[:TOP]
    assert set(expected.split("|")) & set(found), (word, found)


def test_am_i_going_mad_finds_the_normal_reactions_first(real_content) -> None:
    assert slugs("ben ik gek")[0] in ("klachten-en-de-huisarts", "net-ontdekt-vannacht")
    assert slugs("Is dit overdreven?")[0] in ("klachten-en-de-huisarts", "net-ontdekt-vannacht")


def test_a_talking_group_finds_peer_support(real_content) -> None:
    assert slugs("praatgroep")[0] == "steun-zoeken"


@pytest.mark.parametrize("query", ["ben", "ik ben", "wat is het", "Hoe moet ik"])
def test_stop_words_never_rank_alone(real_content, query: str) -> None:
    assert slugs(query) == []


def test_a_stop_word_changes_nothing_beside_a_real_word(real_content) -> None:
    assert slugs("ben ik gek") == slugs("gek")
