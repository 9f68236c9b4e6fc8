"""The quick exit in a real browser: button, triple Shift, history, no-JS, headers, bfcache."""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import DESKTOP, PHONE

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails) and says why
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, Route

LONG_PAGE = "/artikelen/grenzen-stellen/"
WHITE = "rgb(255, 255, 255)"
WHAT_THE_READER_SEES = """() => ({
    hidden: document.documentElement.classList.contains("quick-exit-active"),
    overlay: document.querySelector(".quick-exit-overlay") !== null,
    atCentre: document.elementFromPoint(innerWidth / 2, innerHeight / 2).className,
    heading: getComputedStyle(document.querySelector("h1")).visibility,
    button: getComputedStyle(document.querySelector(".quick-exit-button")).visibility,
})"""


def quick_exit_button(page: Page) -> Locator:
    return page.locator(".quick-exit-bar").get_by_role("link", name="Snel weg")


def click_centre(page: Page, target: Locator) -> None:
    """A real mouse click that, unlike Locator.click, does not wait for the navigation."""
    box = target.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def wait_until(condition: Callable[[], bool], page: Page, timeout_ms: int = 5_000) -> None:
    for _ in range(timeout_ms // 100):
        if condition():
            return
        page.wait_for_timeout(100)  # also lets Playwright deliver events and route calls
    raise AssertionError("timed out")


def presses_shown(page: Page) -> str | None:
    return page.locator("html").get_attribute("data-quick-exit-presses")


def assert_still_on(page: Page, url: str) -> None:
    # A quick exit that started would have replaced the page well within this time.
    page.wait_for_timeout(700)
    assert page.url == url
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".quick-exit-overlay")).to_have_count(0)


def test_button_hides_the_page_at_once_and_leaves_for_the_neutral_site(
    page: Page, neutral_url: str
) -> None:
    held: list[Route] = []
    seen: list[dict[str, Any]] = []
    # Keep /exit/ waiting, so what the reader sees until the next page arrives can be checked.
    # While a navigation is pending Playwright's own queries wait for it, so the page reports
    # what it shows right after the click by itself.
    page.route("**/exit/", lambda route: held.append(route))
    page.expose_function("reportWhatTheReaderSees", lambda state: seen.append(state))
    page.add_init_script(
        "document.addEventListener('click', () => setTimeout(() =>"
        f" window.reportWhatTheReaderSees(({WHAT_THE_READER_SEES})()), 0));"
    )
    page.goto("/")
    expect(page.locator("h1")).to_be_visible()

    click_centre(page, quick_exit_button(page))

    wait_until(lambda: bool(seen) and bool(held), page)
    assert seen == [
        {
            "hidden": True,
            "overlay": True,
            "atCentre": "quick-exit-overlay",
            "heading": "hidden",
            "button": "hidden",
        }
    ]
    held[0].continue_()
    page.wait_for_url(neutral_url)
    assert page.title() == "Weer"


def test_three_shift_presses_leave_for_the_neutral_site(page: Page, neutral_url: str) -> None:
    page.goto("/")
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(neutral_url)
    expect(page.get_by_text("Het weer")).to_be_visible()


def test_two_shift_presses_fill_two_dots_and_say_so(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")

    expect(page.locator("html")).to_have_attribute("data-quick-exit-presses", "2")
    dots = page.locator(".quick-exit-dots span")
    fills = [
        dots.nth(i).evaluate("(dot) => getComputedStyle(dot).backgroundColor") for i in range(3)
    ]
    assert fills[:2] == [WHITE, WHITE]
    assert fills[2] != WHITE
    expect(page.locator(".quick-exit-status")).to_have_text(
        re.compile(r"Shift is 2 keer ingedrukt")
    )


def test_shift_with_a_letter_does_not_count(page: Page) -> None:
    page.goto("/")
    url = page.url
    page.keyboard.press("Shift+KeyA")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")

    expect(page.locator("html")).to_have_attribute("data-quick-exit-presses", "2")
    assert_still_on(page, url)


def test_shift_presses_expire_after_five_seconds(page: Page) -> None:
    # The page's own clock runs as usual, and is moved on by the five and a half seconds.
    page.clock.install()
    page.goto("/")
    url = page.url
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    expect(page.locator("html")).to_have_attribute("data-quick-exit-presses", "2")

    page.clock.run_for(5_500)
    assert presses_shown(page) == "0"
    expect(page.locator(".quick-exit-status")).to_have_text(re.compile(r"De tijd is voorbij"))

    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    expect(page.locator("html")).to_have_attribute("data-quick-exit-presses", "2")
    assert_still_on(page, url)


def test_back_after_quick_exit_does_not_show_the_site(
    page: Page, neutral_url: str, live_server: Any
) -> None:
    page.goto("about:blank")
    page.goto("/artikelen/grenzen-stellen/")
    site_page = page.url
    quick_exit_button(page).click()
    page.wait_for_url(neutral_url)

    page.go_back()

    page.wait_for_timeout(300)
    assert page.url != site_page
    assert not page.url.startswith(live_server.url)
    assert page.url in {"about:blank", neutral_url}
    expect(page.locator("h1")).to_have_count(0)


def test_without_javascript_the_button_is_a_link_through_exit(
    open_page: Callable[..., Page],
    requested_urls: Callable[[Page], list[str]],
    neutral_url: str,
    live_server: Any,
) -> None:
    page = open_page(java_script_enabled=False)
    page.goto("/")
    button = quick_exit_button(page)
    expect(button).to_be_visible()
    expect(button).to_have_attribute("href", "/exit/")

    button.click()

    page.wait_for_url(neutral_url)
    assert f"{live_server.url}/exit/" in requested_urls(page)
    assert page.title() == "Weer"


def test_first_tab_stop_is_a_hidden_quick_exit_link_that_shows_on_focus(page: Page) -> None:
    page.goto("/")
    link = page.get_by_role("link", name="Verlaat deze site snel")
    expect(link).not_to_be_in_viewport()

    page.keyboard.press("Tab")

    expect(link).to_be_focused()
    expect(link).to_have_attribute("href", "/exit/")
    expect(link).to_be_in_viewport()


def test_exit_asks_the_browser_to_clear_site_data(page: Page, neutral_url: str) -> None:
    page.goto("/")
    exit_url = quick_exit_button(page).evaluate("(link) => link.href")

    response = page.request.get(exit_url, max_redirects=0)

    assert response.status == HTTPStatus.FOUND
    assert response.headers["location"] == neutral_url
    clear_site_data = response.headers.get("clear-site-data", "")
    for kind in ('"cache"', '"cookies"', '"storage"'):
        assert kind in clear_site_data


def test_page_restored_from_back_forward_cache_is_usable_again(page: Page) -> None:
    # The departure fails quietly, so the page stays as it looks when the reader left.
    page.route("**/exit/", lambda route: route.abort("aborted"))
    page.goto("/")
    page.keyboard.press("Shift")  # a count that must not survive the return
    quick_exit_button(page).click()
    expect(page.locator(".quick-exit-overlay")).to_be_visible()

    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")

    expect(page.locator(".quick-exit-overlay")).to_have_count(0)
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bquick-exit-active\b"))
    expect(page.locator("h1")).to_be_visible()
    assert presses_shown(page) == "0"
    page.locator(".site-nav").get_by_role("link", name="Artikelen").click()
    page.wait_for_url("**/artikelen/")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["320x640", "1280x800"])
def test_button_stays_in_view_and_uncovered_at_the_bottom_of_a_long_page(
    open_page: Callable[..., Page], viewport: dict[str, int]
) -> None:
    page = open_page(viewport=viewport)
    page.goto(LONG_PAGE)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("window.scrollY > 0")
    at_bottom = page.evaluate(
        "Math.ceil(window.scrollY + innerHeight) >= document.documentElement.scrollHeight - 1"
    )
    assert at_bottom

    button = quick_exit_button(page)
    box = button.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0
    assert box["x"] + box["width"] <= viewport["width"]
    assert box["y"] + box["height"] <= viewport["height"]
    centre_is_button = button.evaluate(
        """(button) => {
            const r = button.getBoundingClientRect();
            const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
            return button.contains(hit);
        }"""
    )
    assert centre_is_button, "another element covers the centre of the quick-exit button"
