"""A reader's way through the real articles: situation, article, table of contents, search."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import PHONE

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails) and says why
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page

DOS_AND_DONTS = "/artikelen/partner-porno-of-seksverslaafd/"


@pytest.fixture(autouse=True)
def real_articles(settings: Any) -> None:
    settings.CONTENT_DIR = settings.BASE_DIR / "content"


def test_from_the_home_page_to_an_article_section_and_search(
    page: Page, assert_no_axe_violations: Callable[[Page], None]
) -> None:
    page.goto("/")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Ik ben bedrogen", exact=True).click()
    expect(page.locator("h1")).to_have_text("Ik ben bedrogen")
    assert_no_axe_violations(page)

    first_article = page.locator(".card-list > li h2 a").first
    title = first_article.inner_text()
    first_article.click()
    expect(page.locator("h1")).to_have_text(title)

    toc = page.get_by_role("navigation", name="In dit artikel")
    expect(toc).to_be_visible()
    # The last section: the one furthest away, so the jump must really move the page.
    section_link = toc.locator(":scope > ol > li > a").last
    fragment = section_link.get_attribute("href")
    assert fragment is not None
    assert fragment.startswith("#")
    heading = page.locator(f"[id='{fragment[1:]}']")
    expect(heading).not_to_be_in_viewport()
    section_link.click()

    expect(page).to_have_url(re.compile(re.escape(fragment) + "$"))
    expect(heading).to_be_in_viewport()
    # The sticky quick-exit bar must not hide the heading the reader jumped to.
    bar = page.locator(".quick-exit-bar").bounding_box()
    heading_box = heading.bounding_box()
    assert bar is not None
    assert heading_box is not None
    assert heading_box["y"] >= bar["y"] + bar["height"] - 1
    assert_no_axe_violations(page)

    page.locator(".site-header").get_by_role("link", name="Zoeken").click()
    # The page's script has taken the form over (it says so) before she types.
    expect(page.get_by_text("Je zoekwoord komt niet in het adres")).to_be_visible()
    search = page.get_by_role("searchbox", name="Waar zoek je naar?")
    search.fill("grens")
    search.press("Enter")

    # The results come into the page: the search word is in neither the address nor the title.
    expect(page.locator(".card-list").get_by_role("link", name="Grenzen stellen")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/zoeken/$"))
    expect(page).to_have_title(re.compile(r"^Zoeken"))
    assert_no_axe_violations(page)


def test_dos_and_donts_are_boxes_that_say_what_they_are(
    page: Page, assert_no_axe_violations: Callable[[Page], None]
) -> None:
    page.goto(DOS_AND_DONTS)

    do_boxes = page.locator(".article-body .box-doen")
    dont_boxes = page.locator(".article-body .box-niet-doen")
    expect(do_boxes.first).to_be_visible()
    expect(dont_boxes.first).to_be_visible()
    # Said in words, not only by colour (the CSS may show the words in capitals).
    assert "doen" in do_boxes.first.inner_text().casefold()
    assert "niet doen" in dont_boxes.first.inner_text().casefold()
    assert "niet doen" not in do_boxes.first.inner_text().casefold()
    assert_no_axe_violations(page)


def test_printed_article_keeps_the_boxes_and_drops_the_site_chrome(page: Page) -> None:
    page.goto(DOS_AND_DONTS)

    page.emulate_media(media="print")

    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator(".quick-exit-bar")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator(".article-body .box-doen").first).to_be_visible()
    expect(page.locator(".article-body .box-niet-doen").first).to_be_visible()
    expect(page.locator("h1")).to_be_visible()


NEW_ARTICLE = "/artikelen/net-ontdekt-vannacht/"


def test_a_new_article_reads_well_on_a_small_phone(
    open_page: Callable[..., Page], assert_no_axe_violations: Callable[[Page], None]
) -> None:
    page = open_page(viewport=PHONE)
    page.goto(NEW_ARTICLE)

    expect(page.locator("h1")).to_be_visible()
    expect(page.get_by_role("heading", name="In het kort")).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling at 320 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The help it names leads to the directory.
    expect(page.locator('.article-body a[href="/steun/de-luisterlijn/"]').first).to_be_attached()
    assert_no_axe_violations(page)


def language_of(page: Page, selector: str) -> str:
    """The language the browser uses for an element: its nearest lang attribute."""
    return page.locator(selector).first.evaluate("element => element.closest('[lang]').lang")


def test_an_english_page_marks_the_dutch_guidance(
    page: Page, assert_no_axe_violations: Callable[[Page], None]
) -> None:
    page.goto("/en/artikelen/grenzen-stellen/")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#in-short-title")).to_have_text("In short")
    assert language_of(page, "#in-short-title") == "en"
    assert language_of(page, "#sources-title") == "en"
    assert language_of(page, ".site-nav") == "en"
    assert language_of(page, "h1") == "nl"
    assert language_of(page, ".in-short li") == "nl"
    assert language_of(page, ".article-body p") == "nl"
    assert language_of(page, ".related h3") == "nl"
    alternates = page.locator('link[rel="alternate"][hreflang]')
    expect(alternates).to_have_count(3)
    expect(page.locator('link[rel="canonical"]')).to_have_count(1)
    assert_no_axe_violations(page)
