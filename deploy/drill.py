"""`make drill`: fault drills against `make stack`, each bounded in time, one line each.

The stack runs on a throwaway PostgreSQL (initdb in a temporary folder) and a throwaway Redis,
both on free ports, so that they can be stopped without touching anything else on the machine.
Then, through nginx over HTTPS:

1. an app server is killed (`kill -9`, its workers too) during 20 s of reading pages and
   booking holds: no reading page may fail, every hold gets a booking or a clear answer, no
   time is booked twice, and the killed server is restarted and takes traffic again;
2. the task worker is killed twice while 200 queued e-mails are sent: every e-mail reaches the
   SMTP sink, and any duplicate carries the same Message-ID (no more duplicates than kills);
3. PostgreSQL is stopped: /healthz answers 503, reading pages 200, other pages our Dutch 503
   page, never a 500; within 5 s of it being back every page answers normally;
4. Redis is stopped for 20 s: reading pages 200, pages that need a session or a rate-limit
   counter our 503 page, never a 500; everything recovers without a restart;
5. a calendar host drips its answer while 50 e-mails are queued: every e-mail arrives within
   the usual time plus one fetch's deadline, and every fetch gives up at its deadline
   (deploy/drill_feeds.py; the stack runs with deploy/drill_settings.py for this).

`python deploy/drill.py calendar worker` runs only the drills named (app, worker, postgres,
redis, calendar); `make drill DRILLS="calendar"` does the same.
Exits 1 when a drill fails. DRILL_KEEP=1 keeps the temporary folder (logs, mail).
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path
from zoneinfo import ZoneInfo

from drill_feeds import drill_calendar_host  # deploy/drill_feeds.py, beside this file
from stack import free_port  # deploy/stack.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TLS = ssl._create_unverified_context()  # the stack's certificate is self-signed
UNAVAILABLE_TEXT = "even niet bereikbaar"  # our 503 page and nginx's 502 page
FRAME_MARKER = "data-quick-exit"
BLOCKING = ("vastgehouden", "aangevraagd", "bevestigd")


def say(text: str) -> None:
    print(f"[drill] {text}", flush=True)


# Every hold comes from its own loopback address, as from another visitor: the rate limits
# (per client address, which nginx passes on) stay out of the way.
_addresses = (f"127.{b}.{c}.{d}" for b in range(10, 250) for c in range(1, 250) for d in (7, 9))
_address_lock = threading.Lock()


def next_address() -> str:
    with _address_lock:
        return next(_addresses)


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: str) -> None:
        self.status, self.headers, self.body = status, headers, body

    def cookies(self) -> dict[str, str]:
        found = {}
        for value in self.headers.get_all("Set-Cookie") or []:
            name, _eq, rest = value.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
        return found


class Client:
    """One visitor over HTTPS through nginx: her own cookies and source address."""

    def __init__(self, port: int, source: str = HOST, *, keep_alive: bool = False) -> None:
        self.port, self.source, self.cookies = port, source, {}
        self.token = ""  # the form token of the last page with a form (no cookie holds it)
        self.keep_alive = keep_alive  # one TLS connection for all requests, as a browser does
        self.connection: http.client.HTTPSConnection | None = None

    def request(
        self, method: str, path: str, form: dict | None = None, timeout: float = 15
    ) -> Response:
        connection = self.connection or http.client.HTTPSConnection(
            HOST, self.port, timeout=timeout, context=TLS, source_address=(self.source, 0)
        )
        headers = {"Host": f"{HOST}:{self.port}", "Sec-Fetch-Site": "same-origin"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}:{self.port}"
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read().decode("utf-8", "replace"))
        except BaseException:
            connection.close()
            self.connection = None
            raise
        if self.keep_alive:
            self.connection = connection
        else:
            connection.close()
        self.cookies.update(response.cookies())
        if found := re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.body):
            self.token = found[1]
        return response

    def get(self, path: str, timeout: float = 15) -> Response:
        return self.request("GET", path, timeout=timeout)

    def post(self, path: str, form: dict) -> Response:
        return self.request("POST", path, form)


# -- throwaway services ----------------------------------------------------------------------


class Postgres:
    def __init__(self, folder: Path) -> None:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not versions:
            raise SystemExit("PostgreSQL's server programs are missing (/usr/lib/postgresql)")
        self.bin = versions[-1].parent
        self.folder = folder / "pg"
        self.data = self.folder / "data"
        self.port = free_port()
        self.folder.mkdir()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.folder, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgres://postgres@{HOST}:{self.port}/houvast_drill"
        self.admin_url = f"postgres://postgres@{HOST}:{self.port}/postgres"

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                 "postgres", "-N", "-E", "UTF8", "--locale", "C.UTF-8")  # fmt: skip
        self.start()

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} -c fsync=off "
            "-c synchronous_commit=off -c max_connections=200"
        )
        try:
            self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                     str(self.folder / "log"), "-o", options, "-w", "start")  # fmt: skip
        except subprocess.CalledProcessError as error:
            # Say why: the server's own log is removed with the drill's folder.
            log = (self.folder / "log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start: {error.stderr!r}\n{log}") from error

    def stop(self) -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def query(self, sql: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url, connect_timeout=5) as db:
            return db.execute(sql).fetchall()


class Redis:
    def __init__(self, folder: Path) -> None:
        if shutil.which("redis-server") is None:
            raise SystemExit("redis-server is not installed: apt-get install redis-server")
        self.port = free_port()
        self.log = folder / "redis.log"
        self.process: subprocess.Popen | None = None
        self.url = f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no"],
            stdout=self.log.open("a"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


# -- the stack -------------------------------------------------------------------------------


class Stack:
    def __init__(self, folder: Path, postgres: Postgres, redis: Redis) -> None:
        self.folder = folder / "stack"
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(
            STACK_DIR=str(self.folder),
            STACK_PORT=str(self.port),
            DATABASE_URL=postgres.url,
            REDIS_URL=redis.url,
            STACK_SMTP_DELAY="0.02",
            STACK_SETTINGS="deploy.drill_settings",
        )
        self.folder.mkdir()
        self.log = self.folder / "stack.log"
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "deploy" / "stack.py")],
            cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 240
        while "Houvast is up" not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the stack did not come up:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.5)

    @property
    def state(self) -> dict:
        return json.loads((self.folder / "state.json").read_text())

    def client(self, source: str = HOST) -> Client:
        return Client(self.port, source)

    def manage_shell(self, code: str) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(self.state["env"])
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(result.stderr[-3000:])
        return result.stdout

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()


def find_paths(stack: Stack) -> dict:
    client = stack.client()
    articles = client.get("/artikelen/").body
    article = next(
        path
        for path in re.findall(r'href="(/artikelen/[a-z0-9-]+/)"', articles)
        if path != "/artikelen/feed/"
    )
    directory = client.get("/steun/?soort=groep").body
    group = re.findall(r'href="(/steun/[a-z0-9-]+/)"', directory)[0]
    choose = client.get("/afspraak/kiezen/").body
    week = re.findall(r'href="(/afspraak/tijden/\d+/)"', choose)[0]
    today = datetime.datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    mondays = [today + datetime.timedelta(days=7 * n - today.weekday()) for n in range(1, 7)]
    return {
        "reading": ["/", "/artikelen/", article, "/steun/", group, "/hulp-nu/"],
        "week": f"{week}?week={mondays[0].isoformat()}",
        "weeks": [f"{week}?week={monday.isoformat()}" for monday in mondays],
        "week_base": week,
    }


def clear_answer(response: Response) -> bool:
    """Our own page (in the site's frame) or nginx's page of ours: never a bare error."""
    if response.status >= 500 and response.status not in (502, 503, 504):
        return False
    text = response.body.lower()
    return FRAME_MARKER in text or UNAVAILABLE_TEXT in text


# -- 1. an app server killed -----------------------------------------------------------------


def drill_app_server(stack: Stack, postgres: Postgres, paths: dict) -> tuple[bool, str]:
    seconds, kill_at = 20.0, 5.0
    stop = threading.Event()
    reads = Counter()
    holds = Counter()
    problems: list[str] = []

    def reader() -> None:
        client = Client(stack.port, keep_alive=True)
        while not stop.is_set():
            path = random.choice(paths["reading"])
            try:
                status = client.get(path).status
            except OSError as error:
                status = f"{type(error).__name__}"
            reads["requests"] += 1
            if status != 200:
                reads["failed"] += 1
                problems.append(f"GET {path}: {status}")

    def holder() -> None:
        while not stop.is_set():
            client = stack.client(next_address())
            try:
                page = client.get(random.choice(paths["weeks"]))
                starts = re.findall(r'name="start" value="([^"]+)"', page.body)
                if page.status != 200:
                    holds[f"week page {page.status}"] += 1
                    if not clear_answer(page):
                        holds["unclear"] += 1
                        problems.append(f"week page: {page.status}")
                    continue
                if not starts:
                    holds["weeks without a free time"] += 1
                    continue
                answer = client.post(paths["week_base"], {"start": random.choice(starts[:6])})
            except OSError as error:
                holds["connection errors"] += 1
                problems.append(f"hold: {type(error).__name__}")
                continue
            holds["posts"] += 1
            if answer.status == 302 and "/afspraak/stap/" in answer.headers.get("Location", ""):
                holds["held"] += 1
            elif clear_answer(answer):
                holds[f"answered {answer.status}"] += 1
            else:
                holds["unclear"] += 1
                problems.append(f"hold: {answer.status} {answer.body[:200]!r}")

    threads = [threading.Thread(target=reader) for _ in range(3)]
    threads += [threading.Thread(target=holder) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(kill_at)
    old = stack.state["pids"]["app1"]
    os.killpg(old, signal.SIGKILL)
    killed = time.monotonic()
    restarted_after = None
    while time.monotonic() - killed < 40:
        if time.monotonic() - killed >= seconds - kill_at:
            stop.set()  # the load ends after its 20 s; waiting for the restart may go on
            if restarted_after is not None:
                break
        state = stack.state
        if restarted_after is None and state["pids"].get("app1") not in (None, old):
            port = state["app_ports"][0]
            try:
                connection = http.client.HTTPConnection(HOST, port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    restarted_after = time.monotonic() - killed
            except OSError:
                pass
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    # The restarted server takes traffic again (nginx tries it after fail_timeout).
    port = stack.state["app_ports"][0]
    access = Path(stack.state["logs"]) / "nginx-access.log"
    since = time.time()
    traffic_after = None
    client = stack.client()
    deadline = time.monotonic() + 25
    while traffic_after is None and time.monotonic() < deadline:
        client.get("/afspraak/kiezen/")  # never cached: always reaches an app server
        time.sleep(0.1)
        for line in access.read_text().splitlines()[-200:]:
            fields = line.split()
            if len(fields) >= 6 and float(fields[0]) > since and f":{port}" in fields[4]:
                traffic_after = time.monotonic() - killed
                break
    doubles = postgres.query(
        "SELECT count(*) FROM support_booking a JOIN support_booking b "
        "ON a.helper_id = b.helper_id AND a.id < b.id "
        "AND a.blocked_from < b.blocked_until AND b.blocked_from < a.blocked_until "
        f"WHERE a.status IN {BLOCKING} AND b.status IN {BLOCKING} "
        "AND (a.status <> 'vastgehouden' OR a.hold_expires_at > now()) "
        "AND (b.status <> 'vastgehouden' OR b.hold_expires_at > now())"
    )[0][0]
    answers = ", ".join(
        f"{n} {k}" for k, n in sorted(holds.items()) if k not in ("posts", "held") and n
    )
    ok = (
        reads["requests"] > 0
        and reads["failed"] == 0
        and holds["unclear"] == 0
        and holds["connection errors"] == 0
        and holds["held"] > 0
        and doubles == 0
        and restarted_after is not None
        and traffic_after is not None
    )
    line = (
        f"app server killed: {reads['requests']} reading requests, {reads['failed']} failed; "
        f"{holds['posts']} hold posts, {holds['held']} held"
        f"{', ' + answers if answers else ''}; {doubles} double bookings; restarted after "
        f"{restarted_after or float('nan'):.1f} s, traffic again after "
        f"{traffic_after or float('nan'):.1f} s"
    )
    if not ok and problems:
        line += "\n    " + "\n    ".join(problems[:8])
    return ok, line


# -- 2. the worker killed --------------------------------------------------------------------

QUEUE_EMAILS = """
import datetime, json
from django.db import transaction
from django.utils import timezone
from support import outbox
from support.booking import modes, services
from support.models import Offer
offer = Offer.objects.filter(active=True).first() if hasattr(Offer, "active") else None
offer = offer or Offer.objects.first()
booking = None
base = timezone.localtime().replace(minute=0, second=0, microsecond=0)
for days in range(15, 60):
    for hour in range(8, 20):
        try:
            booking = services.booking_hold(
                offer=offer, start=base + datetime.timedelta(days=days, hours=hour - base.hour),
                hold_key="drill", client="drill")
            break
        except Exception:
            continue
    if booking:
        break
if not booking.mode:  # the helper offers more than one way of meeting: choose the first
    booking = modes.booking_choose_mode(
        booking=booking, hold_key="drill", offer=offer, mode=offer.offered_modes[0])
services.booking_save_intake(booking=booking, hold_key="drill", answers={
    "name": "Drill", "email": "drill@example.org", "consent": True})
booking = services.booking_submit(booking=booking, hold_key="drill")
from support.models import OutgoingEmail
before = set(OutgoingEmail.objects.values_list("pk", flat=True))
with transaction.atomic():
    for _ in range(200):
        outbox.email_queue(kind="booking_received", booking=booking)
ids = list(OutgoingEmail.objects.exclude(pk__in=before).filter(kind="booking_received")
           .values_list("message_id", flat=True))
print(json.dumps(ids))
"""


def sink_message_ids(mail_dir: Path) -> Counter:
    parser = BytesHeaderParser()
    found = Counter()
    for path in mail_dir.glob("*.eml"):
        found[parser.parsebytes(path.read_bytes())["Message-ID"]] += 1
    return found


def drill_worker(stack: Stack) -> tuple[bool, str]:
    mail_dir = Path(stack.state["mail_dir"])
    ids = set(json.loads(stack.manage_shell(QUEUE_EMAILS).strip().splitlines()[-1]))
    queued = time.monotonic()
    kills = 0
    for fraction in (0.2, 0.55):  # kill when about this share has arrived
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            arrived = sum(1 for m in sink_message_ids(mail_dir) if m in ids)
            if arrived >= fraction * len(ids):
                break
            time.sleep(0.05)
        os.killpg(stack.state["pids"]["worker"], signal.SIGKILL)
        kills += 1
        time.sleep(0.3)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        counts = sink_message_ids(mail_dir)
        if all(counts[m] for m in ids):
            break
        time.sleep(0.3)
    counts = sink_message_ids(mail_dir)
    arrived = sum(1 for m in ids if counts[m])
    duplicates = sum(counts[m] - 1 for m in ids if counts[m] > 1)
    took = time.monotonic() - queued
    ok = len(ids) == 200 and arrived == 200 and duplicates <= kills
    return ok, (
        f"worker killed {kills}x while sending {len(ids)} e-mails: {arrived} arrived, "
        f"{duplicates} duplicate(s) with the same Message-ID (≤ {kills}), "
        f"all in {took:.1f} s, restarts {stack.state['restarts'].get('worker', 0)}"
    )


# -- 3. PostgreSQL stopped -------------------------------------------------------------------


def probe(stack: Stack, paths: dict, tally: Counter, problems: list[str], *, down: str) -> None:
    """One round of the pages an operator watches while `down` is stopped."""
    client = stack.client()
    for path in paths["reading"]:
        response = client.get(path)
        tally["reading"] += 1
        if response.status != 200:
            tally["reading failed"] += 1
            problems.append(f"GET {path}: {response.status}")
    health = client.get("/healthz")
    tally["healthz 503"] += health.status == 503
    tally["healthz"] += 1
    others = [paths["week"], "/afspraak/kiezen/"]
    if down == "redis":
        visitor = stack.client(next_address())
        login = visitor.get("/mijn-afspraken/inloggen/")
        others = []
        for response in (login, visitor.post("/mijn-afspraken/inloggen/", {"email": "a@b.nl"})):
            tally["other"] += 1
            tally[f"other {response.status}"] += 1
            if response.status >= 500 and not (
                response.status == 503 and UNAVAILABLE_TEXT in response.body.lower()
            ):
                problems.append(f"login: {response.status} {response.body[:200]!r}")
                tally["other bad"] += 1
    for path in others:
        response = client.get(path)
        tally["other"] += 1
        tally[f"other {response.status}"] += 1
        if response.status >= 500 and not (
            response.status == 503 and UNAVAILABLE_TEXT in response.body.lower()
        ):
            tally["other bad"] += 1
            problems.append(f"GET {path}: {response.status} {response.body[:200]!r}")


def all_normal(stack: Stack, paths: dict, *, down: str) -> bool:
    client = stack.client()
    try:
        if client.get("/healthz").status != 200:
            return False
        for path in [*paths["reading"], paths["week"], "/afspraak/kiezen/"]:
            if client.get(path).status != 200:
                return False
        if down == "redis":
            visitor = stack.client(next_address())
            visitor.get("/mijn-afspraken/inloggen/")
            if visitor.post("/mijn-afspraken/inloggen/", {"email": "a@b.nl"}).status != 302:
                return False
    except OSError:
        return False
    return True


def drill_postgres(stack: Stack, postgres: Postgres, paths: dict) -> tuple[bool, str]:
    client = stack.client()
    for path in paths["reading"] * 2:  # what readers have just read is in the caches
        client.get(path)
    tally, problems = Counter(), []
    postgres.stop()
    down_since = time.monotonic()
    while time.monotonic() - down_since < 6:
        probe(stack, paths, tally, problems, down="postgres")
    postgres.start()
    back = time.monotonic()
    recovered = None
    while time.monotonic() - back < 20:
        if all_normal(stack, paths, down="postgres"):
            recovered = time.monotonic() - back
            break
        time.sleep(0.1)
    ok = (
        tally["reading failed"] == 0
        and tally["healthz 503"] == tally["healthz"]
        and tally["other bad"] == 0
        and tally["other 503"] > 0
        and recovered is not None
        and recovered <= 5
    )
    line = (
        f"PostgreSQL stopped 6 s: {tally['reading']} reading requests, "
        f"{tally['reading failed']} failed; /healthz 503 {tally['healthz 503']}/"
        f"{tally['healthz']}; other pages: {tally['other 503']} our 503 page, "
        f"{tally['other bad']} bad; everything normal {recovered or float('nan'):.1f} s "
        "after it was back (≤ 5)"
    )
    if not ok and problems:
        line += "\n    " + "\n    ".join(problems[:8])
    return ok, line


# -- 4. Redis stopped ------------------------------------------------------------------------


def drill_redis(stack: Stack, redis: Redis, paths: dict) -> tuple[bool, str]:
    client = stack.client()
    for path in paths["reading"] * 2:
        client.get(path)
    tally, problems = Counter(), []
    redis.stop()
    down_since = time.monotonic()
    while time.monotonic() - down_since < 20:
        probe(stack, paths, tally, problems, down="redis")
        time.sleep(0.2)
    redis.start()
    back = time.monotonic()
    recovered = None
    while time.monotonic() - back < 30:
        if all_normal(stack, paths, down="redis"):
            recovered = time.monotonic() - back
            break
        time.sleep(0.2)
    ok = (
        tally["reading failed"] == 0
        and tally["healthz 503"] == tally["healthz"]
        and tally["other bad"] == 0
        and tally["other 503"] > 0
        and recovered is not None
    )
    line = (
        f"Redis stopped 20 s: {tally['reading']} reading requests, {tally['reading failed']} "
        f"failed; /healthz 503 {tally['healthz 503']}/{tally['healthz']}; session and "
        f"rate-limit pages: {tally['other 503']} our 503 page, {tally['other bad']} bad; "
        f"normal again {recovered or float('nan'):.1f} s after it was back, no restart"
    )
    if not ok and problems:
        line += "\n    " + "\n    ".join(problems[:8])
    return ok, line


DRILLS = ("app", "worker", "postgres", "redis", "calendar")


def main() -> int:
    selected = sys.argv[1:] or list(DRILLS)
    unknown = set(selected) - set(DRILLS)
    if unknown:
        raise SystemExit(f"no such drill: {', '.join(sorted(unknown))} (drills: {DRILLS})")
    began = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="houvast-drill-"))
    folder.chmod(0o755)
    postgres, redis = Postgres(folder), Redis(folder)
    stack = None
    results: list[tuple[bool, str]] = []
    try:
        say(f"throwaway PostgreSQL on {postgres.port}, Redis on {redis.port}, in {folder}")
        postgres.init()
        redis.start()
        say("starting the stack …")
        stack = Stack(folder, postgres, redis)
        say(f"stack up after {time.monotonic() - began:.0f} s at https://{HOST}:{stack.port}/")
        paths = find_paths(stack)
        drills = {
            "app": lambda: drill_app_server(stack, postgres, paths),
            "worker": lambda: drill_worker(stack),
            "postgres": lambda: drill_postgres(stack, postgres, paths),
            "redis": lambda: drill_redis(stack, redis, paths),
            "calendar": lambda: drill_calendar_host(stack, QUEUE_EMAILS, sink_message_ids),
        }
        chosen = [drill for name, drill in drills.items() if name in selected]
        for number, drill in zip(itertools.count(1), chosen, strict=False):
            started = time.monotonic()
            try:
                ok, line = drill()
            except Exception as error:  # a drill that breaks is a failed drill
                ok, line = False, f"drill {number} broke: {type(error).__name__}: {error}"
            results.append((ok, line))
            print(f"{'PASS' if ok else 'FAIL'} [{time.monotonic() - started:4.0f} s] {line}")
            sys.stdout.flush()
    finally:
        if stack is not None:
            stack.stop()
        redis.stop()
        with contextlib.suppress(subprocess.CalledProcessError):
            postgres.stop()
        if os.environ.get("DRILL_KEEP") != "1":
            shutil.rmtree(folder, ignore_errors=True)
    failed = sum(1 for ok, _line in results if not ok)
    say(
        f"{len(results) - failed} of {len(selected)} drills passed in "
        f"{time.monotonic() - began:.0f} s"
    )
    return 1 if failed or len(results) < len(selected) else 0


if __name__ == "__main__":
    sys.exit(main())
