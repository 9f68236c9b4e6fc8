"""Safe at phone size: help for tonight first, search without a trace, pages that fit and
targets big enough. Screenshots go to test-results/safety/.

The tests that only read a page take turns in one tab (see `open_shared_page`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails) and says why
    expect = None

from support.demo import load_demo

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_390 = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "safety"
NIGHT_ARTICLE = "/artikelen/net-ontdekt-vannacht/"


@pytest.fixture(autouse=True)
def real_articles(settings: Any) -> None:
    settings.CONTENT_DIR = settings.BASE_DIR / "content"


@pytest.fixture
def demo(transactional_db) -> None:
    load_demo()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def first_content_top(page: Page) -> float:
    """Where the first words of the page's own content start (its main heading)."""
    box = page.locator("main h1").bounding_box()
    assert box is not None
    return box["y"]


@pytest.mark.parametrize(
    ("path", "name"),
    [("/", "home"), ("/hulp-nu/", "hulp-nu"), (NIGHT_ARTICLE, "night-article")],
)
def test_content_starts_in_the_top_third_of_a_phone_and_the_quick_exit_first(
    open_shared_page: Callable[..., Page], path: str, name: str
) -> None:
    page = open_shared_page(viewport=PHONE_390)
    page.goto(path)
    shot(page, name)
    assert first_content_top(page) < PHONE_390["height"] / 3
    exit_button = page.locator(".quick-exit-button").bounding_box()
    assert exit_button is not None and exit_button["y"] < 60


@pytest.mark.parametrize("path", ["/", "/hulp-nu/"])
def test_home_and_help_now_begin_with_tonight(
    open_shared_page: Callable[..., Page],
    assert_no_axe_violations: Callable[[Page], None],
    path: str,
) -> None:
    page = open_shared_page(viewport=PHONE_390)
    page.goto(path)
    block = page.get_by_role("region", name="Net ontdekt? Begin hier")
    expect(block).to_be_in_viewport()
    expect(block.get_by_role("link", name="Lees wat je vannacht kunt doen")).to_have_attribute(
        "href", NIGHT_ARTICLE
    )
    for number in ("tel:112", "tel:113", "tel:08002000"):
        expect(block.locator(f"a[href='{number}']")).to_be_visible()
    assert_no_axe_violations(page)


def test_the_betrayed_card_on_home_names_the_article_for_men(
    open_shared_page: Callable[..., Page],
) -> None:
    page = open_shared_page(viewport=PHONE_390)
    page.goto("/")
    card = page.locator(".situation").filter(has=page.get_by_role("link", name="Ik ben bedrogen"))
    expect(
        card.get_by_role("link", name="Bedrogen als man, of met een partner van hetzelfde geslacht")
    ).to_be_visible()


def test_the_night_article_has_buttons_for_its_numbers(
    open_shared_page: Callable[..., Page],
) -> None:
    page = open_shared_page(viewport=PHONE_390)
    page.goto(NIGHT_ARTICLE)
    expect(page.locator("main a[href='tel:113']").first).to_be_visible()
    expect(page.locator("main a[href='tel:08000113']").first).to_be_visible()


def test_search_leaves_no_word_in_the_address_or_the_history(
    open_page: Callable[..., Page], assert_no_axe_violations: Callable[[Page], None]
) -> None:
    page = open_page(viewport=PHONE_390)
    page.goto("/")
    page.locator(".site-header").get_by_role("link", name="Zoeken").click()
    expect(page).to_have_url(re.compile(r"/zoeken/$"))
    history = page.evaluate("history.length")
    expect(page.get_by_text("Je zoekwoord komt niet in het adres")).to_be_visible()
    expect(page.get_by_text("Je browser voert geen JavaScript uit")).to_be_hidden()
    field = page.get_by_role("searchbox", name="Waar zoek je naar?")
    expect(field).to_have_attribute("autocomplete", "off")
    field.fill("praatgroep")
    field.press("Enter")
    expect(page.locator("#search-results").get_by_role("link").first).to_be_visible()
    expect(page.locator("#search-results [role=status]")).to_contain_text("praatgroep")
    assert page.url.endswith("/zoeken/") and "praatgroep" not in page.title()
    assert page.evaluate("history.length") == history
    shot(page, "search")
    assert_no_axe_violations(page)


def test_without_javascript_the_search_page_says_the_word_stays_in_the_history(
    open_page: Callable[..., Page],
) -> None:
    page = open_page(viewport=PHONE_390, java_script_enabled=False)
    page.goto("/zoeken/")
    expect(page.get_by_text("Je browser voert geen JavaScript uit")).to_be_visible()
    page.get_by_role("searchbox").fill("grens")
    page.get_by_role("searchbox").press("Enter")
    expect(page).to_have_url(re.compile(r"q=grens"))
    expect(page).to_have_title(re.compile(r"^Zoeken"))  # the title never holds the word


@pytest.mark.parametrize("width", [320, 1280])
def test_support_page_fits_without_scrolling_sideways_and_targets_are_big_enough(
    demo,
    open_page: Callable[..., Page],
    assert_no_axe_violations: Callable[[Page], None],
    width: int,
) -> None:
    page = open_page(viewport={"width": width, "height": 800})
    page.goto("/steun/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"/steun/ scrolls {overflow}px sideways at {width}px"
    boxes = page.locator("input[type=checkbox], input[type=radio]")
    assert boxes.count() > 0
    for box in boxes.all():
        size = box.bounding_box()
        assert size is not None and size["width"] >= 24 and size["height"] >= 24, size
    shot(page, f"steun-{width}")
    assert_no_axe_violations(page)


def test_skip_links_sit_in_a_landmark(open_shared_page: Callable[..., Page]) -> None:
    page = open_shared_page(viewport=PHONE_390)
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "document.activeElement.closest('nav, header, main, footer, [role]') !== null"
    )
    assert focused
    expect(page.locator(":focus")).to_have_text("Verlaat deze site snel")
