"""Security round 3 through the production configuration (tests/test_production_mode.py):
gunicorn, the task worker, production settings and a real SMTP server.

- A helper logs in with her authenticator; a backup is made (encrypted, private files whatever
  the umask), restored into a new database and served by a new app server: her old session
  opens nothing there, and she logs in again with the same authenticator.
- A helper uploads the audit's SECONDLY calendar file: a clear Dutch refusal within seconds,
  never a 500, and the worker goes on sending mail.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.databases import empty_database
from tests.ports import listening_socket, port_of
from tests.staff_fixtures import TOTP_SECRET, totp_code
from tests.support.booking.test_busyfeed_limits import SECONDLY
from tests.test_production_mode import BASE_DIR, HOST, Browser, gunicorn
from tests.test_production_mode import production as production

# gunicorn and the worker run as processes of their own: not part of `make quick`.
pytestmark = pytest.mark.server

HELPER_EMAIL = "helper.prod@example.org"
PASSWORD = "een-lang-wachtwoord-voor-productie-42"

MAKE_HELPER = f"""
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import User
from support.models import Helper
user = User.objects.create_user(username={HELPER_EMAIL!r}, email={HELPER_EMAIL!r},
                                password={PASSWORD!r})
EmailAddress.objects.create(user=user, email={HELPER_EMAIL!r}, primary=True, verified=True)
helper = Helper.objects.filter(user=None).exclude(offers=None).first()
Helper.objects.filter(pk=helper.pk).update(user=user)
TOTP.activate(user, {TOTP_SECRET!r})
"""


def manage(env: dict, *args: str, umask: int | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=None if umask is None else (lambda: os.umask(umask)),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def helper(production) -> str:
    manage(production["env"], "shell", "-c", MAKE_HELPER)
    return HELPER_EMAIL


_used_codes: dict[str, set[str]] = {}  # by server: each keeps the codes it took


def fresh_code(base: str) -> str:
    """A code of the period now or the next one that this server has not taken yet. With a
    tolerance of one period the server takes both whether it checks the code in this period or
    in the next, so nobody waits for a period to turn."""
    now, used = time.time(), _used_codes.setdefault(base, set())
    codes = [totp_code(at=now, offset=offset) for offset in (0, 1)]
    code = next((code for code in codes if code not in used), None)
    assert code, "more than two logins a minute on one server: give the test a helper of its own"
    used.add(code)
    return code


def log_in(browser: Browser) -> None:
    browser.get("/account/login/")
    status, headers, _html = browser.post(
        "/account/login/", {"login": HELPER_EMAIL, "password": PASSWORD}
    )
    assert status == 302 and headers["Location"].endswith("/account/2fa/authenticate/")
    status, headers, html = browser.post(
        "/account/2fa/authenticate/", {"code": fresh_code(browser.base)}
    )
    assert status == 302, html[:2000]
    status, _headers, html = browser.get("/praktijk/")
    assert status == 200 and "Je afspraken" in html


def upload(browser: Browser, path: str, field: str, data: bytes, form: dict) -> tuple[int, str]:
    """A multipart POST with one file, as a browser sends it."""
    boundary = uuid.uuid4().hex
    token = browser.token  # of the form page fetched before; no cookie holds it
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in {**form, "csrfmiddlewaretoken": token}.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="agenda.ics"\r\nContent-Type: text/calendar\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        browser.base + path,
        data=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Sec-Fetch-Site": "same-origin",
        },
    )
    try:
        with browser.opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_secondly_calendar_is_refused_at_once_and_the_mail_goes_on(production, helper) -> None:
    browser = Browser(production["base"])
    log_in(browser)
    browser.get("/praktijk/beschikbaarheid/")
    began = time.monotonic()
    status, html = upload(
        browser, "/praktijk/beschikbaarheid/agenda/bestand/", "upload-file", SECONDLY, {}
    )
    took = time.monotonic() - began
    assert status == 400, html[:2000]
    assert "elke seconde of elke minuut" in html
    assert took < 5
    # The worker still sends mail: a sign-up's e-mail arrives.
    visitor = Browser(production["base"])
    _status, _headers, directory = visitor.get("/steun/?soort=groep")
    group = re.findall(r'href="(/steun/[a-z0-9-]+/)"', directory)[0]
    visitor.get(group + "aanmelden/")
    visitor.post(
        group + "aanmelden/",
        {"name": "Jolien", "email": "jolien.prod@example.org", "consent": "on"},
    )
    production["mailbox"].wait_for("jolien.prod@example.org", "")


@pytest.fixture
def second_database(tmp_path) -> Iterator[str]:
    """An empty database to restore into."""
    with empty_database(tmp_path, "restored") as url:
        yield url


def serve(env: dict, sock, log: Path) -> subprocess.Popen:
    port = port_of(sock)
    with log.open("w") as out:
        server = gunicorn(sock, env, out)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            pass
        assert server.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.3)


def test_backup_restore_and_the_helper_logs_in_with_her_authenticator(
    production, helper, tmp_path, second_database
) -> None:
    env = production["env"]
    browser = Browser(production["base"])
    log_in(browser)  # a live session, which the backup must not carry

    key = Fernet.generate_key().decode()
    folder = tmp_path / "backups"
    # Without a key: refused, and it says why.
    refused = subprocess.run(
        [sys.executable, "manage.py", "backup", "--dir", str(folder)],
        cwd=BASE_DIR, env={**env, "BACKUP_KEY": ""}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert refused.returncode != 0 and "BACKUP_KEY is not set" in refused.stderr
    manage({**env, "BACKUP_KEY": key}, "backup", "--dir", str(folder), umask=0)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert len(files) == 2 and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    manifest = next(folder.glob("*.json"))
    counts = json.loads(manifest.read_text())["counts"]
    assert counts["django_session"] == 0 and counts["usersessions_usersession"] == 0
    assert counts["mfa_authenticator"] >= 1

    restored_env = {**env, "DATABASE_URL": second_database, "BACKUP_KEY": key}
    if env.get("REDIS_URL"):  # a new server: a Redis of its own, empty
        restored_env["REDIS_URL"] = re.sub(r"/\d*$", "", env["REDIS_URL"]) + "/5"
        manage(restored_env, "shell", "-c", "from django.core.cache import caches; "
               "[cache.clear() for cache in caches.all()]")  # fmt: skip
    restored = manage(restored_env, "restore", str(manifest))
    assert "Nobody is logged in" in restored.stdout
    assert "open the stored intakes and second factors" in restored.stdout

    sock = listening_socket(HOST)
    port = port_of(sock)
    restored_env["SITE_URL"] = f"http://{HOST}:{port}"
    server = serve(restored_env, sock, tmp_path / "restored.log")
    try:
        # Her session from before the backup opens nothing on the restored site.
        browser.base = f"http://{HOST}:{port}"  # the same cookies: they are per host
        status, headers, _html = browser.get("/praktijk/")
        assert status == 302 and "/account/login/" in headers["Location"]
        # She logs in again with her password and the same authenticator app.
        log_in(Browser(f"http://{HOST}:{port}"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "Traceback" not in (tmp_path / "restored.log").read_text()
