"""The real guidance in content/: valid, complete, reachable and readable at B1 level."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from articles import checklist, content
from support.organisations import REAL_ORGANISATIONS, article_organisations
from tests.articles import readability
from tests.conftest import REAL_CONTENT

ARTICLES = sorted(p for p in REAL_CONTENT.glob("*.md") if p.name not in content.NOT_ARTICLES)
MIN_FLESCH_DOUMA = 70
MAX_AVERAGE_SENTENCE = 12
MAX_SENTENCE = 25


@pytest.fixture(scope="module")
def library() -> content.Library:
    return content.Library(REAL_CONTENT)


def test_check_content_passes_on_all_twenty_nine(library: content.Library) -> None:
    out = StringIO()
    call_command("check_content", dir=REAL_CONTENT, stdout=out)
    assert "29 article(s) published" in out.getvalue()
    assert len(library.all_published()) == 29


def test_the_safety_checklist_holds_for_every_article(library: content.Library) -> None:
    """No banned words, joint help always with the safety line, every organisation linked."""
    organisations = article_organisations()
    problems = [
        str(problem)
        for path, article, links in library.valid_articles()
        for problem in checklist.check_article(path, article, links, organisations)
    ]
    assert not problems, "\n".join(problems)


def test_every_directory_link_in_an_article_has_a_real_entry(library: content.Library) -> None:
    real = {data["slug"] for data in REAL_ORGANISATIONS}
    linked = {
        link.removeprefix("/en").split("/")[2]
        for _path, _article, links in library.valid_articles()
        for link in links
        if link.removeprefix("/en").startswith("/steun/") and link.count("/") == 3
    }
    assert linked, "articles link the directory"
    assert linked <= real, linked - real


def test_readability_report(capsys: pytest.CaptureFixture[str]) -> None:
    """Print every article's score (run with -s to see it); fail on any article below target."""
    failures = []
    rows = []
    for path in ARTICLES:
        result = readability.measure(path.read_text(encoding="utf-8"))
        rows.append(
            f"{path.stem:40} words={result.words:5d} avg={result.average_sentence_length:4.1f} "
            f"max={result.longest_sentence:3d} flesch-douma={result.flesch_douma:5.1f}"
        )
        if result.flesch_douma < MIN_FLESCH_DOUMA:
            failures.append(f"{path.name}: Flesch-Douma {result.flesch_douma:.1f} < 70")
        if result.average_sentence_length > MAX_AVERAGE_SENTENCE:
            failures.append(f"{path.name}: average sentence {result.average_sentence_length:.1f}")
        if result.longest_sentence > MAX_SENTENCE:
            failures.append(f"{path.name}: sentence of {result.longest_sentence} words: "
                            f"{result.longest_sentence_text}")  # fmt: skip
    with capsys.disabled():
        print("\nReadability of content/ (Flesch-Douma, words per sentence):")
        print("\n".join(rows))
    assert not failures, "\n".join(failures)


def test_readability_measure_can_fail() -> None:
    hard = (
        "---\ntitle: x\n---\nDe implementatie van organisatorische verantwoordelijkheidsstructuren "
        "vereist een systematische herconfiguratie van institutionele besluitvormingsprocessen "
        "binnen multidisciplinaire samenwerkingsverbanden en intergouvernementele "
        "beleidsnetwerken die voortdurend geëvalueerd moeten worden door onafhankelijke "
        "toezichthoudende instanties met uitgebreide bevoegdheden en verantwoordelijkheden.\n"
    )
    result = readability.measure(hard)
    assert result.flesch_douma < MIN_FLESCH_DOUMA
    assert result.longest_sentence > MAX_SENTENCE


def test_each_article_is_reachable_from_its_situation_on_the_home_page(
    client: Client, real_content: Path, library: content.Library
) -> None:
    home = client.get("/").content.decode()
    for article in library.all_published():
        reachable = False
        for audience in article.audiences:
            list_url = f"/artikelen/?voor={audience}"
            assert f'href="{list_url}"' in home
            listing = client.get(list_url).content.decode()
            reachable |= f'href="{article.get_absolute_url()}"' in listing
        assert reachable, article.slug
        assert f'href="{article.get_absolute_url()}"' in client.get("/artikelen/").content.decode()


def _body(slug: str) -> str:
    return (REAL_CONTENT / f"{slug}.md").read_text(encoding="utf-8")


def test_the_core_article_uses_do_and_dont_blocks() -> None:
    body = _body("partner-porno-of-seksverslaafd")
    assert body.count("/// doen") >= 5
    assert body.count("/// niet-doen") >= 5


def test_self_care_has_two_exercises_and_boundaries_offers_the_worksheet() -> None:
    assert _body("zelfzorg-en-veilige-plekken").count("/// oefening") >= 2
    assert "/artikelen/grenzen-stellen/werkblad/" in _body("grenzen-stellen")


def test_step_by_step_articles_use_numbered_steps() -> None:
    for slug in ("het-vertrouwen-is-weg", "vertrouwen-terugwinnen-na-ontrouw", "grenzen-stellen"):
        assert len(re.findall(r"^\d+\. ", _body(slug), re.MULTILINE)) >= 4, slug


def test_the_two_diagrams_are_inline_svg_with_a_text_alternative(
    library: content.Library,
) -> None:
    for slug, name in (
        ("steun-zoeken", "steuncirkels"),
        ("het-vertrouwen-is-weg", "vier-stappen-herstel"),
    ):
        html = library.get(slug).html
        assert f'aria-labelledby="{name}-title {name}-desc"' in html, slug
        assert f'<title id="{name}-title">' in html
        assert "<figcaption>" in html


def test_only_the_faith_article_is_faith_based(library: content.Library) -> None:
    faith = [a.slug for a in library.all_published() if a.faith_based]
    assert faith == ["geloof-en-herstel"]


def test_every_article_has_sources_and_an_honest_review_date(library: content.Library) -> None:
    today = timezone.localdate()
    for article in library.all_published():
        assert article.sources, article.slug
        assert article.reviewed <= today, article.slug


def test_every_article_is_linked_from_another_article(library: content.Library) -> None:
    linked = {
        link.removeprefix("/en")
        for path, _article, links in library.valid_articles()
        for link in links
        if link.removeprefix("/en") != f"/artikelen/{path.stem}/"
    }
    unlinked = [a.slug for a in library.all_published() if a.get_absolute_url() not in linked]
    assert not unlinked


# The five articles of issue 27, section 3, and the articles that must lead a reader to them.
ROUND_THREE_LINKS = {
    "sporen-als-je-hulp-zoekt": ("veilig-deze-site-gebruiken",),
    "de-eerste-week": ("net-ontdekt-vannacht",),
    "gaat-dit-ooit-over": ("de-eerste-week", "zelfzorg-en-veilige-plekken"),
    "omgaan-met-triggers": ("de-eerste-week", "zelfzorg-en-veilige-plekken"),
    "jouw-eerste-nacht": ("hulp-bij-je-eigen-seksprobleem", "vertrouwen-terugwinnen-na-ontrouw"),
}


def test_the_round_three_articles_are_linked_from_their_places(
    client: Client, real_content: Path, library: content.Library
) -> None:
    for slug, linked_from in ROUND_THREE_LINKS.items():
        article = library.get(slug)
        assert article is not None, slug
        for source in linked_from:
            page = client.get(f"/artikelen/{source}/").content.decode()
            assert f'href="/artikelen/{slug}/"' in page, (slug, source)


def test_the_round_three_articles_put_safety_first(library: content.Library) -> None:
    """Each new article opens with its safety box, before the first heading."""
    for slug in ROUND_THREE_LINKS:
        body = _body(slug).split("\n---\n", 1)[1]
        first_box = body.find("/// let-op")
        assert first_box != -1 and first_box < body.find("\n## "), slug
    assert "Veilig Thuis" in library.get("sporen-als-je-hulp-zoekt").summary + _body(
        "sporen-als-je-hulp-zoekt"
    )
    assert "113" in library.get("jouw-eerste-nacht").key_points[0]
