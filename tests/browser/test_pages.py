"""Every public page in a real browser: accessible, self-contained, with the way out in view.

The tests take turns in one tab per width (and one without JavaScript), as a reader who goes
from page to page: each starts without cookies, and judges only its own page and requests.
"""

from __future__ import annotations

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
    from playwright.sync_api import Page

PAGES = [
    ("/", HTTPStatus.OK),
    ("/artikelen/", HTTPStatus.OK),
    ("/artikelen/grenzen-stellen/", HTTPStatus.OK),
    ("/artikelen/grenzen-stellen/werkblad/", HTTPStatus.OK),
    ("/zoeken/?q=grens", HTTPStatus.OK),
    ("/zoeken/?q=qqqqzzzz", HTTPStatus.OK),
    ("/hulp-nu/", HTTPStatus.OK),
    ("/veilig-surfen/", HTTPStatus.OK),
    ("/privacy/", HTTPStatus.OK),
    ("/steun/", HTTPStatus.OK),
    ("/afspraak/", HTTPStatus.OK),
    ("/en/", HTTPStatus.OK),
    ("/en/artikelen/", HTTPStatus.OK),
    ("/bestaat-niet/", HTTPStatus.NOT_FOUND),
]
PAGE_PARAMS = [pytest.param(path, status, id=path) for path, status in PAGES]
VIEWPORTS = [
    pytest.param(PHONE, id="320x640"),
    pytest.param(DESKTOP, id="1280x800"),
]


def assert_frame_shown(page: Page) -> None:
    """The quick-exit button and the crisis number are there for the reader."""
    button = page.locator(".quick-exit-bar a.quick-exit-button")
    expect(button).to_be_visible()
    expect(button).to_be_in_viewport()
    expect(button).to_have_attribute("href", "/exit/")
    crisis_number = page.locator(".crisis-strip a[href='tel:08002000']")
    expect(crisis_number).to_be_visible()
    expect(crisis_number).to_have_text("0800-2000")


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize(("path", "status"), PAGE_PARAMS)
def test_page_is_accessible_self_contained_and_shows_the_way_out(
    open_shared_page: Callable[..., Page],
    assert_no_axe_violations: Callable[[Page], None],
    assert_same_origin: Callable[[Page], None],
    csp_violations: Callable[[Page], list[dict[str, Any]]],
    path: str,
    status: HTTPStatus,
    viewport: dict[str, int],
) -> None:
    page = open_shared_page(viewport=viewport)

    response = page.goto(path)

    assert response is not None
    assert response.status == status
    assert_frame_shown(page)
    # Read before axe runs, so that only the page's own doings count.
    assert csp_violations(page) == []
    assert_same_origin(page)
    assert_no_axe_violations(page)


@pytest.mark.parametrize(("path", "status"), PAGE_PARAMS)
def test_page_works_without_javascript(
    open_shared_page: Callable[..., Page], path: str, status: HTTPStatus
) -> None:
    page = open_shared_page(java_script_enabled=False, viewport=PHONE)

    response = page.goto(path)

    assert response is not None
    assert response.status == status
    heading = page.locator("h1")
    expect(heading).to_have_count(1)
    expect(heading).to_be_visible()
    expect(heading).not_to_have_text("")
    assert_frame_shown(page)
