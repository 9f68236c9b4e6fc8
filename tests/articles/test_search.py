"""Site search over the fixture articles."""

from http import HTTPStatus

import pytest
from django.test import Client

from articles import search

pytestmark = pytest.mark.django_db


def slugs(results: list[search.Result]) -> list[str]:
    return [r.document.url.strip("/").rsplit("/", 1)[-1] for r in results]


def test_a_word_form_finds_other_forms() -> None:
    assert "grenzen-stellen" in slugs(search.search("grens"))
    assert "grenzen-stellen" in slugs(search.search("GRENZEN"))


def test_diacritics_and_case_are_ignored() -> None:
    assert slugs(search.search("zélfzorg")) == slugs(search.search("Zelfzorg")) != []


def test_titles_rank_above_text_matches() -> None:
    # "vertrouwen" is the title of one article and appears in the text of none other with the
    # same weight; "zelfzorg" is a title word of one article and body text of another.
    results = slugs(search.search("zelfzorg"))
    assert results[0] == "zelfzorg"
    assert "grenzen-stellen" in results[1:]


def test_articles_with_every_word_come_first() -> None:
    results = slugs(search.search("grens slaapkamer"))
    assert results[0] == "grenzen-stellen"


def test_drafts_are_never_found() -> None:
    assert search.search("zeldzaamwoord") == []


def test_snippet_marks_the_matching_words_and_escapes_text() -> None:
    result = search.search("slaapkamer")[0]
    assert "<mark>slaapkamer.</mark>" in result.snippet


@pytest.mark.parametrize(
    "query",
    ["", "   ", "?!.,;:()[]{}<>", "x" * 5000, "grens " * 1000, "<script>alert(1)</script>", "\x00"],
)
def test_any_query_gets_a_calm_answer(client: Client, query: str) -> None:
    response = client.get("/zoeken/", {"q": query})
    # A NUL byte is dropped from the query (portal.middleware.client_error_pages).
    assert response.status_code == HTTPStatus.OK
    assert "<script>alert" not in response.content.decode()


def test_results_page_shows_kind_and_highlight(client: Client) -> None:
    html = client.get("/zoeken/", {"q": "grenzen"}).content.decode()
    assert "resultaten voor ‘grenzen’" in html or "resultaat voor ‘grenzen’" in html
    assert '<a href="/artikelen/grenzen-stellen/">Grenzen stellen</a>' in html
    assert '<span class="label">Artikel</span>' in html
    assert "<mark>" in html


def test_no_results_suggests_topics_and_crisis_help(client: Client) -> None:
    html = client.get("/zoeken/", {"q": "qqqzzz"}).content.decode()
    assert "We vonden niets voor ‘qqqzzz’." in html
    assert 'href="/artikelen/?onderwerp=grenzen"' in html
    assert 'href="/hulp-nu/"' in html
