"""`make stack` from the outside: nginx over HTTPS in front of two app servers, a worker and a
mail sink, with PostgreSQL and Redis. A reader in a real browser books a conversation through
it; the proxy keeps reading pages for everyone and nothing of hers.

Runs in CI's PostgreSQL pass (it needs PostgreSQL and nginx, which `make stack` installs).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from playwright.sync_api import Browser, expect

from tests.test_nginx import load_stack

ROOT = Path(__file__).resolve().parent.parent.parent
INSECURE = ssl._create_unverified_context()  # the stack's certificate is self-signed

pytestmark = pytest.mark.postgres


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=INSECURE), NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=20) as response:
            return (
                response.status,
                dict(response.headers),
                response.read().decode("utf-8", "replace"),
            )
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


def log_of(folder: Path) -> str:
    return (folder / "stack.log").read_text()


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[dict]:
    if shutil.which("nginx") is None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("nginx is not installed (make nginx)", pytrace=False)
        pytest.skip("nginx is not installed (make nginx)")
    folder = tmp_path_factory.mktemp("stack")
    params = connection.settings_dict
    name = f"houvast_stack_test_{os.getpid()}"
    auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    server = f"{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    admin = f"postgres://{auth}@{server}/postgres"
    with psycopg.connect(admin, autocommit=True) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        STACK_DIR=str(folder),
        # nginx takes no socket from us: the stack's own choice of a free port (deploy/stack.py).
        STACK_PORT=str(load_stack().free_port()),
        DATABASE_URL=f"postgres://{auth}@{server}/{name}",
    )
    if redis_url := os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = re.sub(r"/\d*$", "", redis_url.rstrip("/")) + "/5"
        subprocess.run(
            [sys.executable, "-c", f"import redis; redis.from_url({env['REDIS_URL']!r}).flushdb()"],
            check=True,
        )
    log = (folder / "stack.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "deploy/stack.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 180
        while not (up := re.search(r"Houvast is up: (https://[^/ ]+)", log_of(folder))):
            assert process.poll() is None, log_of(folder)
            assert time.monotonic() < deadline, log_of(folder)
            time.sleep(0.5)
        url = up[1]  # where the stack says it listens
        yield {"url": url, "mail": folder / "mail", "dir": folder}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log.close()
        with psycopg.connect(admin, autocommit=True) as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    # Everything it started has stopped with it.
    assert not (folder / "state.json").exists()
    for name in ("app1", "app2", "worker"):
        assert "Traceback" not in (folder / "logs" / f"{name}.log").read_text(), name


def test_the_booking_journey_through_nginx(stack, browser: Browser) -> None:
    context = browser.new_context(
        base_url=stack["url"], ignore_https_errors=True, viewport={"width": 320, "height": 640}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/afspraak/")
    page.get_by_role("link", name="Begin").click()
    page.get_by_role("link", name="Kies een tijd voor een relatiegesprek").click()
    page.get_by_role("link", name="Volgende week").click()
    page.locator("button[name=start]").first.click()
    # The demo helper sees visitors at her practice or by video: the visitor chooses.
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoe wil je het gesprek voeren?")
    page.get_by_label("In de praktijk").check()
    page.get_by_role("button", name="Volgende stap").click()
    expect(page.get_by_text("Stap 1 van 4")).to_be_visible()
    page.get_by_label("Naam of schuilnaam").fill("Saskia")
    page.get_by_label("E-mailadres").fill("saskia.stack@example.org")
    page.get_by_label("Alleen per e-mail").check()
    page.get_by_label("Ik geef toestemming").check()
    page.get_by_role("button", name="Volgende stap").click()
    expect(page.get_by_text("Stap 2 van 4")).to_be_visible()
    page.get_by_label("Ik ben bedrogen").check()
    page.get_by_label("Het werd ontdekt").check()
    page.get_by_role("button", name="Volgende stap").click()
    expect(page.get_by_text("Stap 3 van 4")).to_be_visible()
    page.get_by_role("group", name="Weet je partner van deze afspraak?").get_by_label("Ja").check()
    page.get_by_role("group", name="Komt je partner mee naar het gesprek?").get_by_label(
        "Ja"
    ).check()
    page.get_by_role("button", name="Volgende stap").click()
    expect(page.get_by_text("Stap 4 van 4")).to_be_visible()
    page.get_by_role("group", name="Voel je je thuis veilig?").get_by_label("Ja").check()
    page.get_by_role("button", name="Naar het overzicht").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Controleer je aanvraag")
    page.get_by_role("button", name="Aanvraag versturen").click()
    expect(page.get_by_role("heading", name="Je aanvraag is verstuurd")).to_be_visible()
    # Her page, without the private link's token in the address bar.
    assert re.match(re.escape(stack["url"]) + r"/afspraak/\d+/", page.url)
    context.close()

    # The worker sent her confirmation through the SMTP sink.
    deadline = time.monotonic() + 30
    while True:
        mails = [message_from_bytes(p.read_bytes()) for p in stack["mail"].glob("*.eml")]
        if any("saskia.stack@example.org" in (m["To"] or "") for m in mails):
            break
        assert time.monotonic() < deadline, "no e-mail reached the sink"
        time.sleep(0.5)


def test_the_proxy_keeps_reading_pages_for_everyone_and_nothing_of_one_visitor(stack) -> None:
    url = stack["url"]
    statuses = [fetch(url + "/artikelen/")[1].get("X-Cache-Status") for _ in range(3)]
    assert statuses[-1] == "HIT", statuses
    status, headers, _html = fetch(url + "/artikelen/")
    # nginx keeps it by the app's X-Accel-Expires, and passes neither that nor anything that
    # lets the browser store it: a watched phone keeps no copy of what was read.
    assert headers["X-Cache-Status"] == "HIT"
    assert headers["Cache-Control"] == "no-store" and "X-Accel-Expires" not in headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # A reader with a session cookie always gets her own page from the app.
    status, headers, _html = fetch(url + "/artikelen/", {"Cookie": "sessionid=abc"})
    assert status == 200 and headers["X-Cache-Status"] == "BYPASS"
    # A page with a form token is never stored, however often it is asked for.
    tokens = set()
    for _ in range(3):
        status, headers, html = fetch(url + "/mijn-afspraken/inloggen/")
        assert status == 200 and "private" in headers["Cache-Control"]
        assert headers.get("X-Cache-Status") != "HIT"
        tokens.add(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1])
    assert len(tokens) == 3
    # Pages that are never the same for two visitors skip the proxy's cache (and its lock, which
    # would make concurrent visitors of one booking page wait for each other).
    for path in ("/mijn-afspraken/inloggen/", "/afspraak/", "/en/afspraak/", "/praktijk/"):
        status, headers, _html = fetch(url + path)
        assert headers.get("X-Cache-Status") == "BYPASS", (path, headers.get("X-Cache-Status"))
    # Hashed static files straight from nginx, for a year.
    css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', fetch(url + "/")[2])[1]
    status, headers, _css = fetch(url + css, {"Accept-Encoding": "gzip"})
    assert status == 200 and "immutable" in headers["Cache-Control"]
    assert headers.get("Content-Encoding") in ("gzip", "br")
