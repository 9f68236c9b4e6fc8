"""Drill 5 of `make drill`: a calendar host that drips while e-mail waits.

A host on 127.0.0.1 answers every request with one byte every half second, for ever (the stack
runs with deploy/drill_settings.py, which lets it fetch from the loopback). First 50 e-mails are
queued with no feed, for the usual time; then three helpers get a feed on the dripping host,
the feeds' refresh is queued, and while the worker is fetching, 50 e-mails more. Every e-mail
must arrive within the usual time plus at most one fetch's deadline (the fetch that was
running) and 5 s for a busy machine, and every fetch must hang up at its deadline
(support/booking/feedfetch.py).
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

HOST = "127.0.0.1"
DRIP_EVERY = 0.5  # seconds between bytes
FEEDS = 3
EMAILS = 50

ADD_FEEDS = """
import json
from support import tasks
from support.booking import feedfetch
from support.models import BusyFeed, Helper
helpers = list(Helper.objects.order_by("pk")[:{feeds}])
for number in range(len(helpers), {feeds}):  # more helpers, copies of the first
    copy = Helper.objects.get(pk=helpers[0].pk)
    copy.pk = copy.id = copy.user_id = None
    copy.slug = f"drill-helper-{{number}}"
    copy.save()
    helpers.append(copy)
for helper in helpers:  # saved as links: adding one reads it at once, and this host drips
    BusyFeed.objects.create(helper=helper, url="{url}", host="{host}")
tasks.busy_feeds_refresh.using(priority=tasks.BUSY_FEEDS_PRIORITY).enqueue()
print(json.dumps({{"feeds": len(helpers), "deadline": feedfetch.FETCH_TIMEOUT}}))
"""


class DripHost:
    """Accepts connections and sends an HTTP answer one byte at a time; records how long each
    client stayed before it hung up."""

    def __init__(self, every: float = DRIP_EVERY) -> None:
        self.every = every
        self.listener = socket.create_server((HOST, 0))
        self.stop = threading.Event()
        self.connected = 0
        self.held: list[float] = []  # seconds from connect to the client's hang-up
        self.lock = threading.Lock()
        threading.Thread(target=self.serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.listener.getsockname()[1]}/agenda.ics"

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connected += 1
            threading.Thread(target=self.drip, args=(connection,), daemon=True).start()

    def drip(self, connection: socket.socket) -> None:
        began = time.monotonic()
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\n"
        position = 0
        with connection:
            while not self.stop.is_set():
                readable, _w, _x = select.select([connection], [], [], self.every)
                try:
                    if readable and not connection.recv(4096):
                        break  # the client hung up
                    connection.sendall(answer[position % len(answer) : position % len(answer) + 1])
                except OSError:
                    break
                position += 1
        if not self.stop.is_set():
            with self.lock:
                self.held.append(time.monotonic() - began)

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


def _wait_for_mail(
    ids: set[str], mail_dir: Path, count: Callable[[Path], dict], limit: float
) -> tuple[int, float]:
    began = time.monotonic()
    while time.monotonic() - began < limit:
        arrived = sum(1 for m in ids if count(mail_dir)[m])
        if arrived == len(ids):
            break
        time.sleep(0.1)
    return sum(1 for m in ids if count(mail_dir)[m]), time.monotonic() - began


def drill_calendar_host(
    stack, queue_emails: str, sink_message_ids: Callable[[Path], dict]
) -> tuple[bool, str]:
    mail_dir = Path(stack.state["mail_dir"])
    script = queue_emails.replace("range(200)", f"range({EMAILS})")

    def queue() -> set[str]:
        return set(json.loads(stack.manage_shell(script).strip().splitlines()[-1]))

    usual_ids = queue()
    usual_arrived, usual = _wait_for_mail(usual_ids, mail_dir, sink_message_ids, 120)

    host = DripHost()
    try:
        added = json.loads(
            stack.manage_shell(ADD_FEEDS.format(feeds=FEEDS, url=host.url, host=HOST))
            .strip()
            .splitlines()[-1]
        )
        deadline = float(added["deadline"])
        began = time.monotonic()
        while host.connected == 0 and time.monotonic() - began < 60:
            time.sleep(0.05)
        fetching = host.connected > 0
        ids = queue()  # while the worker is held by the first fetch
        arrived, took = _wait_for_mail(ids, mail_dir, sink_message_ids, 120)
        # The other helpers' fetches come after the mail, each in a task of its own.
        limit = time.monotonic() + added["feeds"] * (deadline + 5) + 10
        while len(host.held) < added["feeds"] and time.monotonic() < limit:
            time.sleep(0.2)
        held = sorted(host.held)
    finally:
        host.close()
    # The mail waits at most for the fetch that was running when it was queued, and 5 s more
    # for a busy machine (with all feeds in one task: 3 deadlines; before the fix: for ever).
    allowed = usual + deadline + 5
    ok = (
        usual_arrived == len(usual_ids) == EMAILS
        and fetching
        and arrived == len(ids) == EMAILS
        and took <= allowed
        and len(held) == added["feeds"]
        and all(seconds <= deadline + 1.5 for seconds in held)
    )
    return ok, (
        f"dripping calendar host ({added['feeds']} feeds, 1 byte per {DRIP_EVERY} s) while "
        f"{EMAILS} e-mails were queued: {arrived} arrived in {took:.1f} s (usual: "
        f"{usual_arrived} in {usual:.1f} s; allowed ≤ {allowed:.1f} s, the usual time plus "
        f"one fetch's deadline of {deadline:g} s and 5 s); the fetches hung up after "
        f"{', '.join(f'{s:.1f}' for s in held) or 'nothing'} s"
    )
