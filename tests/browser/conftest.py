"""Real-browser fixtures: Debian's Chromium (its headless shell where installed) driven by
Playwright against the live test server.

Every page is opened in a context of its own that records each request it makes and every
Content-Security-Policy violation it reports, and answers for the neutral quick-exit site. The
browser reaches no host but localhost and 127.0.0.1 (there is no internet, and the site must not
need it): a request to any other host fails, and the recorder still sees it. No Playwright route is
set, since one turns the browser's cache off for the whole context, and a reader's browser keeps
the stylesheet and script from page to page.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    PLAYWRIGHT_IMPORT_ERROR = ""
except ImportError as error:  # reported by the `browser` fixture: skip, or fail in CI
    PLAYWRIGHT_IMPORT_ERROR = str(error)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Chromium not found at /usr/bin/chromium; install Debian's chromium"
# Debian's build of the same Chromium as a headless shell: the same engine, without the desktop
# browser around it. A new context and a page load cost it about a fifth and a third of the CPU
# the whole browser needs, and the browser tests make hundreds. The whole browser is used when
# it is missing, and always where its profile on disk is the point (test_nothing_left_behind).
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Nothing may leave the machine: only localhost and 127.0.0.1 (the stack) can be reached.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    },
    "resultTypes": ["violations"],
}
NEUTRAL_PAGE = "<!doctype html><title>Weer</title>Het weer"

# Runs before any script of the page, in every frame; not subject to the page's CSP.
CSP_RECORDER = """
window.__cspViolations = [];
window.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push({
    directive: event.effectiveDirective || event.violatedDirective,
    blockedURI: event.blockedURI,
    sourceFile: event.sourceFile,
    lineNumber: event.lineNumber,
    sample: event.sample,
  });
}, true);
"""

BROWSER_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # tryfirst: the marker must be there before `-m browser` / `-m "not browser"` selects.
    for item in items:
        if BROWSER_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright per test process: its sync API runs an event loop, and a second one
    started while the first runs is refused."""
    if PLAYWRIGHT_IMPORT_ERROR:
        _unavailable(f"{CHROMIUM_MISSING} (and Playwright: {PLAYWRIGHT_IMPORT_ERROR})")
    if not CHROMIUM.exists():
        _unavailable(CHROMIUM_MISSING)
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = HEADLESS_SHELL if HEADLESS_SHELL.exists() else CHROMIUM
    chromium = playwright.chromium.launch(
        executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


def same_origin(url: str, origin: str) -> bool:
    parts, base = urlsplit(url), urlsplit(origin)
    return (parts.scheme, parts.netloc) == (base.scheme, base.netloc)


@pytest.fixture
def neutral_url(settings: Any) -> str:
    """Where the quick exit sends a reader (tests/settings.py)."""
    return settings.QUICK_EXIT_URL


def new_page(browser: Browser, server_url: str, neutral_url: str, **context_options: Any) -> Page:
    """A page in a new context of its own, as described at the top of this file."""
    neutral = urlsplit(neutral_url)
    neutral_origin = f"{neutral.scheme}://{neutral.netloc}"

    context_options.setdefault("viewport", DESKTOP)
    context = browser.new_context(base_url=server_url, **context_options)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    stub_neutral_site(context, page, neutral_origin)
    page.set_default_timeout(10_000)
    _requests[page] = requests
    return page


def close_page(page: Page) -> None:
    del _requests[page]
    page.context.close()


@pytest.fixture
def open_page(
    browser: Browser, live_server: Any, neutral_url: str
) -> Iterator[Callable[..., Page]]:
    """Open a page in a new context; keyword arguments go to `browser.new_context`."""
    pages: list[Page] = []

    def open_(**context_options: Any) -> Page:
        page = new_page(browser, live_server.url, neutral_url, **context_options)
        pages.append(page)
        return page

    yield open_
    for page in pages:
        close_page(page)


@pytest.fixture(scope="module")
def open_shared_page(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """Like `open_page`, but the tests of a module take turns in one page per set of options,
    as a reader goes from page to page in one tab: for tests that only read public pages.

    Each test gets the page without cookies, and `requested_urls` from the test's start on.
    """
    from django.conf import settings

    pages: dict[str, Page] = {}

    def open_(**context_options: Any) -> Page:
        key = repr(sorted(context_options.items()))
        page = pages.get(key)
        if page is None or page.is_closed():
            page = new_page(browser, live_server.url, settings.QUICK_EXIT_URL, **context_options)
            pages[key] = page
        page.context.clear_cookies()
        _requests[page].clear()
        return page

    yield open_
    for page in pages.values():
        close_page(page)


def stub_neutral_site(context: BrowserContext, page: Page, origin: str) -> None:
    """Answer for the neutral site, also when a redirect leads there (as /exit/ does).

    The DevTools Fetch domain pauses only the requests to that origin (Playwright's routes would
    not see the request that follows a redirect, and would turn the cache off).
    """
    session = context.new_cdp_session(page)
    body = base64.b64encode(NEUTRAL_PAGE.encode()).decode()

    def fulfil(event: dict[str, Any]) -> None:
        session.send(
            "Fetch.fulfillRequest",
            {
                "requestId": event["requestId"],
                "responseCode": 200,
                "responseHeaders": [{"name": "Content-Type", "value": "text/html; charset=utf-8"}],
                "body": body,
            },
        )

    session.on("Fetch.requestPaused", fulfil)
    session.send("Fetch.enable", {"patterns": [{"urlPattern": f"{origin}/*"}]})


# Requests seen per page; filled by `open_page`, read by `requested_urls`.
_requests: dict[Page, list[str]] = {}


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    return open_page()


@pytest.fixture
def requested_urls() -> Callable[[Page], list[str]]:
    """Every request URL a page's context has made so far."""

    def requested(page: Page) -> list[str]:
        return list(_requests[page])

    return requested


@pytest.fixture
def assert_same_origin(
    live_server: Any, requested_urls: Callable[[Page], list[str]]
) -> Callable[[Page], None]:
    """Fail if the page asked any other host for anything (data: URLs are fine)."""

    def check(page: Page) -> None:
        urls = requested_urls(page)
        assert urls, "the page made no request at all"
        elsewhere = [
            url
            for url in urls
            if not url.startswith("data:") and not same_origin(url, live_server.url)
        ]
        assert not elsewhere, f"requests to other origins than {live_server.url}: {elsewhere}"

    return check


@pytest.fixture
def csp_violations() -> Callable[[Page], list[dict[str, Any]]]:
    """The Content-Security-Policy violations the current document has reported."""

    def violations(page: Page) -> list[dict[str, Any]]:
        return page.evaluate("window.__cspViolations || []")

    return violations


def axe_report(violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} accessibility violation(s):"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation.get('help')}"
            f" <{violation.get('helpUrl')}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(selector) for selector in node["target"])
            # The first line of the summary is "Fix any/all of the following:".
            details = node.get("failureSummary", "").splitlines()[1:]
            lines.append(f"    {target}: {' '.join(line.strip() for line in details)}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def assert_no_axe_violations(axe: Axe) -> Callable[[Page], None]:
    """Run axe-core (WCAG 2.2 A/AA rules) on the page and fail with a readable report."""

    def check(page: Page) -> None:
        # Judge the page as the reader gets it: after a click, the new document can be there
        # before its stylesheet is, and an unstyled page fails (target-size, for one).
        page.wait_for_load_state("load")
        # As Axe.run does, but only the violations come back: the results of every rule that
        # passed or did not apply are most of the answer, and nothing reads them.
        # axe-core is half a megabyte of script: sent again only to a document without it.
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(axe.axe_script)
        violations = page.evaluate(
            "(options) => axe.run(options).then((r) => r.violations)", AXE_OPTIONS
        )
        if violations:
            pytest.fail(f"axe on {page.url}\n{axe_report(violations)}", pytrace=False)

    return check
