"""The configuration production runs, tried as a visitor would.

A database migrated from empty by `migrate` (SQLite, or a new PostgreSQL database when the
suite runs on PostgreSQL), production settings (debug off, every secret set, the database
cache or Redis when REDIS_URL is set), gunicorn serving `portal.wsgi`, the task worker beside
it and a real SMTP server. Then real HTTP requests through the whole middleware stack: login,
login by code, sign-up, the week view, a hold and a submit. None may answer 500.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from portal import pagecache
from tests.databases import empty_database
from tests.ports import SMTPServer, listening_socket, port_of

# Starts real server processes: part of `make test`, left out of `make quick`.
pytestmark = pytest.mark.server

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def gunicorn(sock: socket.socket, env: dict, out, *options: str) -> subprocess.Popen:
    """gunicorn serving portal.wsgi on a listening socket made here (tests/ports.py): its port
    is known before the server starts, for SITE_URL, and no other process can take it."""
    command = [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"fd://{sock.fileno()}"]
    try:
        return subprocess.Popen(
            [*command, *options],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),),
        )
    finally:
        sock.close()  # the server holds it now


class Mailbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"

    def wait_for(self, recipient: str, subject_part: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if recipient in message["To"] and subject_part in message["Subject"]:
                    return message
            time.sleep(0.2)
        raise AssertionError(f"no mail to {recipient} about {subject_part!r}")


def body_of(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no plain-text part")


class Browser:
    """A visitor: cookies kept, redirects not followed, every answer's status checked."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str) -> None:
        self.base = base
        self.token = ""  # the form token of the last page with a form (no cookie holds it)
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), self.NoRedirect
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = None
        headers = {"Sec-Fetch-Site": "same-origin"}
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.token}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                status, head, text = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, head, text = error.code, dict(error.headers), error.read()
        text = text.decode("utf-8", "replace")
        if found := re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text):
            self.token = found[1]
        assert status < 500, f"{path}: {status}\n{text[:2000]}"
        return status, head, text

    def get(self, path: str) -> tuple[int, dict, str]:
        return self.request(path)

    def post(self, path: str, data: dict) -> tuple[int, dict, str]:
        return self.request(path, data)


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> Iterator[dict]:
    var = tmp_path_factory.mktemp("production-var")
    with empty_database(var, "production") as database_url:
        yield from _production(var, database_url)


def _production(var: Path, database_url: str) -> Iterator[dict]:
    mailbox = Mailbox()
    smtp = SMTPServer(mailbox, HOST)
    smtp.start()
    sock = listening_socket(HOST)
    port = port_of(sock)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    for name in ("DATABASE_URL", "REDIS_URL", "FIELD_ENCRYPTION_KEYS", "EMAIL_DIGEST_KEY"):
        env.pop(name, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DJANGO_SECRET_KEY": "production-mode-test-secret-" + "k9Vx2" * 10,
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            "DJANGO_VAR_DIR": str(var),
            # Plain HTTP on the loopback: TLS is the proxy's job (and tested by check --deploy).
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "FIELD_ENCRYPTION_KEYS": "pK5o3o0Qe3oQHhJcS7uO9dH1w1d2vJ1r0t4kq3l8m2A=",
            "EMAIL_DIGEST_KEY": "production-mode-test-digest-key",
            "DATABASE_URL": database_url,
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": str(smtp.port),
            "SITE_URL": f"http://{HOST}:{port}",
        }
    )
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        # Its own Redis database, so the suite's cache clearing never touches it.
        env["REDIS_URL"] = re.sub(r"/\d*$", "", redis_url.rstrip("/")) + "/3"
        subprocess.run(
            [sys.executable, "-c", f"import redis; redis.from_url({env['REDIS_URL']!r}).flushdb()"],
            check=True,
        )
    manage = [sys.executable, "manage.py"]

    def run(*args: str) -> None:
        result = subprocess.run(
            [*manage, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stdout + result.stderr

    run("migrate", "--noinput")
    run("collectstatic", "--noinput")
    run("load_demo")
    logs = var / "server.log"
    with logs.open("w") as log:
        server = gunicorn(sock, env, log, "--workers", "2", "--threads", "2")
        worker = subprocess.Popen(
            [*manage, "task_worker", "--no-reload", "--interval", "0.2"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
                    if response.status == 200:
                        break
            except OSError:  # not listening yet, or still starting
                pass
            assert time.monotonic() < deadline, logs.read_text()
            assert server.poll() is None, logs.read_text()
            time.sleep(0.3)
        yield {"base": base, "mailbox": mailbox, "env": env, "logs": logs}
    finally:
        for process in (server, worker):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.close()
    assert "Traceback" not in logs.read_text(), logs.read_text()[-5000:]


def test_reading_pages_and_health(production) -> None:
    visitor = Browser(production["base"])
    for path in (
        "/",
        "/artikelen/",
        "/steun/",
        "/hulp-nu/",
        "/privacy/",
        "/en/",
        "/zoeken/?q=grens",
    ):
        status, _headers, _html = visitor.get(path)
        assert status == 200, path
    status, _headers, text = visitor.get("/healthz")
    assert (status, text) == (200, "ok\n")
    # The cache tables were made by migrate (without Redis) and answer.
    if "REDIS_URL" not in production["env"]:
        url = production["env"]["DATABASE_URL"]
        if url.startswith("sqlite"):
            import sqlite3
            from contextlib import closing

            # sqlite3's own context manager only commits; closing() closes the connection.
            with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
                tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        else:
            with psycopg.connect(url) as db:
                tables = {r[0] for r in db.execute("SELECT tablename FROM pg_tables")}
        assert settings.RATE_LIMIT_CACHE_TABLE in tables


def test_staff_login_answers_and_counts_attempts(production) -> None:
    visitor = Browser(production["base"])
    assert visitor.get("/account/login/")[0] == 200
    for _ in range(6):
        status, _headers, html = visitor.post(
            "/account/login/", {"login": "sanne@example.org", "password": "fout"}
        )
        assert status == 200
    assert "Te veel" in html


def test_sign_up_booking_and_code_login_through_the_whole_stack(production) -> None:
    base, mailbox = production["base"], production["mailbox"]
    visitor = Browser(base)
    _status, _headers, directory = visitor.get("/steun/?soort=groep")
    group = re.findall(r'href="(/steun/[a-z0-9-]+/)"', directory)[0]

    def free_seats() -> int:
        return int(re.search(r"Nog (\d+) plaats", Browser(base).get(group)[2])[1])

    seats = free_seats()
    visitor.get(group + "aanmelden/")
    status, _headers, html = visitor.post(
        group + "aanmelden/",
        {"name": "Saskia", "email": "saskia.prod@example.org", "consent": "on"},
    )
    assert status == 200 and "Kijk in je e-mail" in html
    message = mailbox.wait_for("saskia.prod@example.org", "aanmelding")
    # Double opt-in: the sign-up takes its seat only when its e-mailed link is opened.
    assert free_seats() == seats
    link = re.search(r"https?://[^/\s]+(/steun/aanmelding/\S+/)", body_of(message))[1]
    assert "Ja, ik meld me aan" in visitor.get(link)[2]
    assert free_seats() == seats
    status, headers, _html = visitor.post(link, {"bevestigen": "1"})
    assert status == 302
    assert "Je hebt een plek in" in visitor.get(link)[2]
    # The other app server process shows the change once its versions are a second old.
    deadline = time.monotonic() + pagecache.VERSION_SECONDS + 1
    while free_seats() != seats - 1:
        assert time.monotonic() < deadline, "the seat did not show as taken within a second"
        time.sleep(0.1)

    status, _headers, choose = visitor.get("/afspraak/kiezen/")
    week_url = re.findall(r'href="(/afspraak/tijden/\d+/)"', choose)[0]
    status, headers, html = visitor.get(week_url)
    starts = re.findall(r'name="start" value="([^"]+)"', html)
    if not starts:  # this week may be full or past: the next one
        next_week = re.search(r'href="(\?week=[0-9-]+)"[^>]*>Volgende week', html)[1]
        starts = re.findall(r'name="start" value="([^"]+)"', visitor.get(week_url + next_week)[2])
    status, headers, _html = visitor.post(week_url, {"start": starts[0]})
    assert status == 302 and headers["Location"].endswith("/afspraak/stap/1/")
    # The demo helper sees visitors at her practice or by video: the visitor chooses.
    status, headers, _html = visitor.post("/afspraak/manier/", {"mode": "video"})
    assert status == 302 and headers["Location"].endswith("/afspraak/stap/1/")
    steps = [
        {"name": "Saskia", "email": "saskia.prod@example.org",
         "contact_preference": "alleen-email", "consent": "on"},
        {"role": "bedrogen-partner", "disclosure": "ontdekt"},
        {"partner_knows": "ja", "partner_joins": "ja"},
        {"feels_safe": "ja"},
    ]  # fmt: skip
    for number, answers in enumerate(steps, start=1):
        status, _headers, html = visitor.post(f"/afspraak/stap/{number}/", answers)
        assert status == 302, html[:3000]
    status, headers, _html = visitor.post("/afspraak/controleren/", {})
    # Her own page, without a token in its address; her browser may see it.
    assert status == 302 and re.search(r"/afspraak/\d+/\?nieuw=1$", headers["Location"])
    status, _headers, html = visitor.get(headers["Location"].removeprefix(base))
    assert status == 200 and "Relatiegesprek" in html

    # Another visitor logs in by code with that address, through the worker and SMTP.
    other = Browser(base)
    other.get("/mijn-afspraken/inloggen/")
    status, headers, _html = other.post(
        "/mijn-afspraken/inloggen/", {"email": "saskia.prod@example.org"}
    )
    assert status == 302
    message = mailbox.wait_for("saskia.prod@example.org", "code")
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", body_of(message), re.MULTILINE)[1]
    status, headers, _html = other.post("/mijn-afspraken/code/", {"code": code})
    assert status == 302
    status, _headers, html = other.get("/mijn-afspraken/")
    assert status == 200 and "Relatiegesprek" in html


def test_a_cookieless_visitor_after_a_logged_in_one_sees_nothing_of_hers(production) -> None:
    """Two visitors in sequence through the production caches: the week page and the reading
    pages hold nothing of the first."""
    base = production["base"]
    first = Browser(base)
    _status, _headers, choose = first.get("/afspraak/kiezen/")
    week_url = re.findall(r'href="(/afspraak/tijden/\d+/)"', choose)[0]
    first.get(week_url)
    token = first.token
    assert token and not list(first.jar)  # looking at free times sets no cookie
    second = Browser(base)
    for path in (week_url, "/", "/steun/"):
        _status, _headers, html = second.get(path)
        assert token not in html


def test_a_form_in_another_charset_gets_our_400_page(production) -> None:
    """UTF-16, UTF-7 or an unknown charset on a login or sign-up form: our 400 page, never a 500."""
    visitor = Browser(production["base"])
    visitor.get("/account/login/")
    token = visitor.token  # the form's token; no cookie holds it
    body = f"csrfmiddlewaretoken={token}&login=a%40example.org&password=b".encode()
    for path in ("/account/login/", "/en/account/login/", "/mijn-afspraken/inloggen/"):
        for charset in ("utf-16", "utf-7", "x-no-such-charset"):
            request = urllib.request.Request(
                production["base"] + path,
                data=body,
                headers={
                    "Content-Type": f"application/x-www-form-urlencoded; charset={charset}",
                    "Sec-Fetch-Site": "same-origin",
                },
            )
            try:
                with visitor.opener.open(request, timeout=30) as response:
                    status, text = response.status, response.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as error:
                status, text = error.code, error.read().decode("utf-8", "replace")
            assert status < 500, f"{path} in {charset}: {status}"
            if status == 400:
                assert "data-quick-exit" in text, f"{path} in {charset}: not our page"
