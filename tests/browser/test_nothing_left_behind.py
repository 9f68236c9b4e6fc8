"""Nothing left behind on her phone: a real Chromium profile on disk, after reading, looking at
free times and booking, holds no lasting cookie, no page and no typed answer in its cache,
autofill store or session files, no topic word in the history of the booking journey, and the
search word nowhere. The words looked for are in left_behind_words.py, beside this test.

Screenshots of every step at 390x844 go to test-results/left-behind/.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from support.demo import load_demo
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.left_behind_words import PAGE_MARKERS, SEARCH_WORD, TOPIC_WORDS, TYPED
from tests.browser.test_booking_journey import walk_the_journey

try:
    from playwright.sync_api import expect
except ImportError:  # skipped (or failed in CI) by the `playwright` fixture, saying why
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page, Playwright

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_390 = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "left-behind"


def read_table(database: Path, query: str) -> list[tuple[Any, ...]]:
    """Rows of a closed profile's SQLite file, read from a copy (Chromium locks its own)."""
    copy = database.with_name(database.name + ".read")
    shutil.copyfile(database, copy)
    with closing(sqlite3.connect(copy)) as connection:  # `with` on its own leaves it open
        return connection.execute(query).fetchall()


def files_holding(folder: Path, needles: tuple[str, ...]) -> dict[str, list[str]]:
    """Which files under `folder` hold which of `needles` (as UTF-8 or UTF-16 bytes)."""
    found: dict[str, list[str]] = {}
    for path in folder.rglob("*"):
        if not path.is_file() or path.name.endswith(".read"):
            continue
        data = path.read_bytes()
        for needle in needles:
            if needle.encode() in data or needle.encode("utf-16-le") in data:
                found.setdefault(needle, []).append(str(path.relative_to(folder)))
    return found


def walk(page: Page) -> None:
    """Reading, a search, free times, and a booking (the booking journey's own walk)."""
    number = 0

    def step(page: Page) -> None:
        nonlocal number
        number += 1
        page.wait_for_load_state("load")
        where = re.sub(r"[^a-z0-9]+", "-", page.url.split("/", 3)[-1].split("?")[0]).strip("-")
        page.screenshot(path=str(SHOTS / f"{number:02d}-{where[:30] or 'home'}.png"))

    SHOTS.mkdir(parents=True, exist_ok=True)
    # Reading: home, Hulp nu, the night article.
    page.goto("/")
    step(page)
    page.get_by_role("link", name="Hulp nu").first.click()
    step(page)
    page.get_by_role("link", name="Lees wat je vannacht kunt doen").click()
    expect(page.locator("h1")).to_have_text("Net ontdekt: wat je vannacht kunt doen")
    step(page)
    # A search, with the results fetched into the page.
    page.locator(".site-header").get_by_role("link", name="Zoeken").click()
    # The page's script has taken the form over (it says so) before she types.
    expect(page.get_by_text("Je zoekwoord komt niet in het adres")).to_be_visible()
    field = page.get_by_role("searchbox", name="Waar zoek je naar?")
    field.fill(SEARCH_WORD)
    field.press("Enter")
    expect(page.locator("#search-results [role=status]")).to_contain_text(SEARCH_WORD)
    step(page)
    # Looking at free times, then booking, then cancelling on the private page.
    walk_the_journey(page, step)


def test_a_phone_keeps_nothing_of_reading_looking_and_booking(
    live_server: Any, tmp_path: Path, settings: Any, playwright: Playwright
) -> None:
    settings.CONTENT_DIR = settings.BASE_DIR / "content"
    load_demo()
    profile = tmp_path / "profile"
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        base_url=live_server.url,
        viewport=PHONE_390,
    )
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(10_000)
    walk(page)
    context.close()

    default = profile / "Default"
    # No lasting cookie: at most the booking's session cookie, which ends with the browser.
    cookies = read_table(default / "Cookies", "SELECT name, is_persistent FROM cookies")
    assert [c for c in cookies if c[1]] == [], cookies
    assert {name for name, _lasting in cookies} <= {settings.SESSION_COOKIE_NAME}, cookies

    # The history of the booking journey says nothing of what it is about.
    history = read_table(default / "History", "SELECT url, title FROM urls")
    visited = [url for url, _title in history]
    assert any("/afspraak/" in url for url in visited), visited
    booking = [(url, title) for url, title in history if "/afspraak/" in url]
    for url, title in booking:
        for word in TOPIC_WORDS:
            assert word not in url.lower() and word not in title.lower(), (word, url, title)

    # The search word is nowhere in the profile (history, session files, autofill, cache...).
    assert files_holding(profile, (SEARCH_WORD,)) == {}
    # No typed answer in the autofill store, the session files or the cache.
    stores = [default / "Web Data", default / "Sessions", default / "Cache"]
    for store in stores:
        if store.exists():
            held = files_holding(store, TYPED) if store.is_dir() else _file_holding(store, TYPED)
            assert held == {}, (store.name, held)
    autofill = read_table(default / "Web Data", "SELECT name, value FROM autofill")
    assert autofill == [], autofill
    # No page of ours in the disk cache (our static files may be there).
    cache = default / "Cache"
    assert cache.exists()
    assert files_holding(cache, PAGE_MARKERS) == {}


def _file_holding(path: Path, needles: tuple[str, ...]) -> dict[str, list[str]]:
    data = path.read_bytes()
    return {n: [path.name] for n in needles if n.encode() in data or n.encode("utf-16-le") in data}
