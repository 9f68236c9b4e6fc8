"""Article pages, lists, feed and sitemap, served from tests/fixtures/content."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.test import Client

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PUBLISHED = {"grenzen-stellen", "zelfzorg", "vertrouwen-terugwinnen"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/artikelen/", "/artikelen/?voor=stel&onderwerp=zelfzorg", "/artikelen/grenzen-stellen/", "/"],
)
def test_article_pages_make_no_database_query(
    client: Client, url: str, django_assert_num_queries
) -> None:
    client.get(url)  # the first request may load the files; a query would show either way
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK


def test_list_shows_every_published_article_with_summary_and_reading_time(client: Client) -> None:
    html = client.get("/artikelen/").content.decode()
    assert "3 artikelen" in html
    assert 'href="/artikelen/grenzen-stellen/">Grenzen stellen</a>' in html
    assert "Een grens beschermt jou." in html
    assert "1 minuut lezen" in html
    assert "Een artikel in de maak" not in html  # draft


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?voor=bedrogen-partner", {"grenzen-stellen", "zelfzorg"}),
        ("?voor=partner-die-bedroog", {"vertrouwen-terugwinnen"}),
        ("?voor=stel", {"zelfzorg"}),
        ("?onderwerp=zelfzorg", {"grenzen-stellen", "zelfzorg"}),
        ("?onderwerp=vertrouwen", {"vertrouwen-terugwinnen"}),
        ("?voor=bedrogen-partner&onderwerp=grenzen", {"grenzen-stellen"}),
        ("?voor=stel&onderwerp=grenzen", set()),
        ("?voor=onzin&onderwerp=%3Cscript%3E", PUBLISHED),
    ],
)
def test_list_filters_by_audience_and_topic(client: Client, query: str, expected: set) -> None:
    response = client.get("/artikelen/" + query)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    shown = {slug for slug in PUBLISHED if f'<h2 lang="nl"><a href="/artikelen/{slug}/">' in html}
    assert shown == expected
    if not expected:
        assert "Er zijn (nog) geen artikelen met deze keuze." in html


def test_article_page_has_everything_a_reader_needs(client: Client) -> None:
    html = client.get("/artikelen/grenzen-stellen/").content.decode()
    assert '<h1 lang="nl">Grenzen stellen</h1>' in html
    assert "In het kort" in html
    assert "<li>Een grens beschermt jou.</li>" in html
    assert "1 minuut lezen" in html
    assert 'Gecontroleerd op <time datetime="2026-11-01">1 november 2026</time>' in html
    assert 'href="#waarom-grenzen-helpen">Waarom grenzen helpen</a>' in html
    assert "Bronnen en achtergrond" in html
    assert "het boek &#x27;Grenzen&#x27;" in html
    assert "Hulp nodig?" in html
    assert 'href="/steun/"' in html
    assert "Lees ook" in html
    assert 'href="/artikelen/zelfzorg/"' in html
    assert 'class="box box-doen"' in html


def test_diagram_is_inlined_with_its_text_alternative(client: Client) -> None:
    html = client.get("/artikelen/zelfzorg/").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert '<title id="cirkels-title">Drie cirkels van steun</title>' in html
    assert "<figcaption>" in html


def test_draft_and_unknown_articles_are_not_found(client: Client) -> None:
    assert client.get("/artikelen/geheim-concept/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/artikelen/bestaat-niet/").status_code == HTTPStatus.NOT_FOUND


def test_home_leads_each_situation_to_its_article_list(client: Client) -> None:
    html = client.get("/").content.decode()
    for audience, label in (
        ("bedrogen-partner", "Ik ben bedrogen"),
        ("partner-die-bedroog", "Ik ben vreemdgegaan"),
        ("stel", "We willen samen verder"),
    ):
        assert f'<a href="/artikelen/?voor={audience}">{label}</a>' in html


def test_worksheet_prints_empty_lines_to_fill_in(client: Client) -> None:
    html = client.get("/artikelen/grenzen-stellen/werkblad/").content.decode()
    assert html.count('class="worksheet-row"') == 4
    assert html.count('class="write-line"') == 4 * 7
    assert "Wie mij steunt:" in html


def test_feed_is_valid_atom_with_every_published_article(client: Client) -> None:
    response = client.get("/artikelen/feed/")
    assert response.status_code == HTTPStatus.OK
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    links = {
        entry.find(f"{ATOM}link").get("href").rstrip("/").rsplit("/", 1)[-1]
        for entry in root.iter(f"{ATOM}entry")
    }
    assert links == PUBLISHED


def test_sitemap_lists_every_published_article_and_no_draft(client: Client) -> None:
    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.content)
    locations = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    for slug in PUBLISHED:
        assert f"http://testserver/artikelen/{slug}/" in locations
    assert not any("geheim-concept" in location for location in locations)
    assert "http://testserver/hulp-nu/" in locations
    assert not any("/afspraak/" in location for location in locations)


class LanguageOfText(HTMLParser):
    """The language a reader's software uses for each text: the nearest lang attribute."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                      "meta", "source", "track", "wbr"})  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.texts: list[tuple[str, str]] = []  # (text, language)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        inherited = self.stack[-1][1] if self.stack else ""
        self.stack.append((tag, dict(attrs).get("lang") or inherited))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        # The <title> cannot carry a language of its own; only the page's visible text counts.
        if data.strip() and self.stack and self.stack[-1][0] != "title":
            self.texts.append((" ".join(data.split()), self.stack[-1][1]))

    def language_of(self, text: str) -> str:
        languages = {language for seen, language in self.texts if text in seen}
        assert len(languages) == 1, (text, languages)
        return languages.pop()


def languages(html: str) -> LanguageOfText:
    parser = LanguageOfText()
    parser.feed(html)
    return parser


def test_english_pages_mark_the_dutch_guidance_and_only_the_guidance(client: Client) -> None:
    page = languages(client.get("/en/artikelen/grenzen-stellen/").content.decode())
    assert page.language_of("Find support") == "en"  # the translated interface: the menu
    assert page.language_of("In short") == "en"
    assert page.language_of("Sources and background") == "en"
    assert page.language_of("Grenzen stellen") == "nl"  # the title
    assert page.language_of("Een grens beschermt jou.") == "nl"  # a key point
    assert page.language_of("Waarom grenzen helpen") == "nl"  # the body
    assert page.language_of("het boek 'Grenzen'") == "nl"  # a source

    listing = languages(client.get("/en/artikelen/").content.decode())
    assert listing.language_of("The articles are in Dutch.") == "en"
    assert listing.language_of("Grenzen stellen") == "nl"
    home = languages(client.get("/en/").content.decode())
    assert home.language_of("The articles are in Dutch.") == "en"


def test_dutch_pages_do_not_announce_that_the_articles_are_dutch(client: Client) -> None:
    for url in ("/", "/artikelen/"):
        assert "De artikelen zijn in het Nederlands." not in client.get(url).content.decode()


ARTICLE = "/artikelen/grenzen-stellen/"


@pytest.mark.parametrize(
    ("url", "dutch", "english"),
    [
        (ARTICLE, ARTICLE, f"/en{ARTICLE}"),
        (f"/en{ARTICLE}", ARTICLE, f"/en{ARTICLE}"),
        ("/en/artikelen/?voor=stel", "/artikelen/", "/en/artikelen/"),
        ("/", "/", "/en/"),
    ],
)
def test_both_languages_of_a_page_are_linked_with_one_canonical_url(
    client: Client, settings, url: str, dutch: str, english: str
) -> None:
    html = client.get(url).content.decode()
    site = settings.SITE_URL
    assert f'<link rel="alternate" hreflang="nl" href="{site}{dutch}">' in html
    assert f'<link rel="alternate" hreflang="en" href="{site}{english}">' in html
    assert f'<link rel="alternate" hreflang="x-default" href="{site}{dutch}">' in html
    own = english if url.startswith("/en/") else dutch
    assert html.count('rel="canonical"') == 1
    assert f'<link rel="canonical" href="{site}{own}">' in html
