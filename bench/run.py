"""`make bench`: a production-like instance under load, measured against its own static ceiling.

Builds a fresh instance in a temporary folder (debug off, hashed compressed static files,
gunicorn with 2 workers, the demo data plus a generated load), drives every page with wrk for a
fixed time, and compares each page's throughput with that of a static file served by the same
stack in the same run. Prints PASS/FAIL per line, writes bench/results.json, exits 1 on a FAIL.
SQLite by default; PostgreSQL when DATABASE_URL points there (a fresh `houvast_bench` database).
BENCH_SCALE=10: ten times the data (bench/seed.py), with the start-up and memory limits of that
size; results go to bench/results-scale10.json.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import platform
import random
import re
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)  # `make bench`: the project's .venv
GUNICORN = PYTHON.parent / "gunicorn"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = 8
MANY_CONNECTIONS = 64
BOOKING_CLIENTS = 50
TLS = ssl._create_unverified_context()  # the proxy's certificate is made at start

TARGETS = {
    "home": 0.6,
    "article list": 0.6,
    "article": 0.6,
    "search (common word)": 0.3,
    "search (rare word)": 0.3,
    "directory (filtered)": 0.4,
    "peer group": 0.4,
    "week view": 0.25,
}
# Through nginx (deploy/): reading pages as a share of nginx's own static file, the week view
# (never kept by the proxy) as a share of gunicorn's static file.
PROXY_TARGETS = {"home via proxy": 0.5, "article via proxy": 0.5, "week view via proxy": 0.5}
SCALE = int(os.environ.get("BENCH_SCALE", "1"))
MAX_BOOKING_P99 = 1.0
MAX_WORKER_RSS_MB = 150 if SCALE == 1 else 200
MAX_STARTUP_SECONDS = 3.0 if SCALE == 1 else 5.0
ARTICLES = 1000  # at every scale: a curated library stays in the hundreds
MIXED = "week views, 20 % holds"


def run(*args: str, env: dict[str, str], capture: bool = False) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, check=True, text=True, capture_output=capture)
    return result.stdout if capture else ""


def environment(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DJANGO_SECRET_KEY": "bench-" + "k" * 50,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_VAR_DIR": str(workdir / "var"),
            "CONTENT_DIR": str(workdir / "content"),
            "DJANGO_LOG_LEVEL": "WARNING",
            "FIELD_ENCRYPTION_KEYS": "M2Vt7cQm0m1b3u2o8pX5yK6sQ9wE4rT1aZ0bN7cV5dE=",
            "EMAIL_DIGEST_KEY": "bench-email-digest-key",
            # As behind one proxy: the holds of the mixed line come from many client addresses
            # (X-Forwarded-For); a request without the header counts by its own address.
            "DJANGO_TRUSTED_PROXY_COUNT": "1",
        }
    )
    if url := os.environ.get("DATABASE_URL"):
        parts = urllib.parse.urlsplit(url)
        admin = parts._replace(path="/postgres").geturl()
        name = os.environ.get("BENCH_DATABASE", "houvast_bench")
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", admin, "-qc", sql], check=True, capture_output=True)
        env["DATABASE_URL"] = parts._replace(path=f"/{name}").geturl()
    return env


def measure_startup(env: dict[str, str], *, warm: bool) -> float:
    """Seconds to load, validate and index every article, as a worker does when it starts.

    Warm: after the deploy step `check_content` has filled the render cache (the target).
    Cold: rendering every Markdown file from scratch (reported for information).
    """
    cache_dir = "settings.CONTENT_CACHE_DIR" if warm else "None"
    code = (
        "import time, django; django.setup()\n"
        "from django.conf import settings\n"
        "from articles.content import Library\n"
        "from articles.search import article_segment\n"
        f"t = time.perf_counter(); library = Library(settings.CONTENT_DIR, cache_dir={cache_dir})\n"
        "library.refresh(force=True); article_segment(library)\n"
        "print(time.perf_counter() - t, len(library.all_published()))\n"
    )
    seconds, count = run(str(PYTHON), "-c", code, env=env, capture=True).split()
    assert int(count) >= ARTICLES, f"only {count} articles loaded"
    return float(seconds)


def wait_for_server() -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(BASE + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def wrk(path: str, base: str = BASE, connections: int = CONNECTIONS) -> dict[str, float]:
    for _ in range(20):  # warm both workers (and the proxy's cache)
        urllib.request.urlopen(base + path, timeout=30, context=TLS).read()
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--latency", base + path],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    if "Non-2xx or 3xx responses" in out:
        raise SystemExit(f"{path}: the server answered with errors:\n{out}")
    return wrk_figures(out)


def wrk_figures(out: str) -> dict[str, float]:
    def latency(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency("50%"),
        "p99_ms": latency("99%"),
    }


def concurrent_booking(offer_id: int, week: str) -> dict[str, float]:
    """50 clients with their own session choose the same time at the same moment."""
    week_url = f"{BASE}/afspraak/tijden/{offer_id}/?week={week}"
    html = urllib.request.urlopen(week_url, timeout=30).read().decode()
    start = re.search(r'name="start" value="([^"]+)"', html).group(1)
    barrier = threading.Barrier(BOOKING_CLIENTS)
    outcomes: list[tuple[int, float]] = []

    def client(source: str) -> None:
        # Each from its own loopback address, as 50 visitors are: the per-client rate limits
        # and the cap on live holds count each of them once.
        # Looking at free times sets no cookie: the form token is in the page (portal/csrf.py).
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(week_url, timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"start": start, "csrfmiddlewaretoken": token}).encode()
        connection = http.client.HTTPConnection(
            "127.0.0.1", PORT, timeout=30, source_address=(source, 0)
        )
        cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
        barrier.wait()
        began = time.perf_counter()
        connection.request(
            "POST",
            f"/afspraak/tijden/{offer_id}/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookies,
                "Sec-Fetch-Site": "same-origin",  # as a browser posting our own form says
            },
        )
        status = connection.getresponse().status
        outcomes.append((status, time.perf_counter() - began))

    threads = [
        threading.Thread(target=client, args=(f"127.0.1.{n}",))
        for n in range(1, BOOKING_CLIENTS + 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    durations = sorted(d for _, d in outcomes)
    return {
        "succeeded": sum(1 for status, _ in outcomes if status == 302),
        "taken": sum(1 for status, _ in outcomes if status == 409),
        "other": sum(1 for status, _ in outcomes if status not in (302, 409)),
        "p99_s": durations[min(len(durations) - 1, int(len(durations) * 0.99))],
        "median_s": statistics.median(durations),
    }


MIXED_SCRIPT = """
-- One request in five holds a time, each as a visitor of her own (her own address, each time
-- another of the free times); the others read the helpers' week pages.
local reads = {%(reads)s}
local holds = {%(holds)s}
local headers = {["Content-Type"] = "application/x-www-form-urlencoded",
                 ["Sec-Fetch-Site"] = "same-origin"}
local threads, count = 0, 0
function setup(thread) thread:set("number", threads); threads = threads + 1 end
function request()
  count = count + 1
  if count %% 5 == 0 then
    local n = math.floor(count / 5) * 2 + number
    local hold = holds[n %% #holds + 1]
    headers["X-Forwarded-For"] = string.format(
      "10.%%d.%%d.%%d", number, math.floor(n / 256) %% 256, n %% 256)
    return wrk.format("POST", hold[1], headers, hold[2])
  end
  return wrk.format("GET", reads[count %% #reads + 1])
end
"""


def mixed_holds(workdir: Path, offers: list[int], monday: date) -> dict[str, float]:
    """wrk over the week pages of every helper while one request in five holds a time (wrk's
    two threads): a hold empties only the pages of its helper. A hold on a time someone took
    meanwhile answers 409, as it would for her."""
    reads, per_helper, token = [], [], ""
    for offer in offers:
        path = f"/afspraak/tijden/{offer}/"
        reads.append(f"{path}?week={monday}")
        starts = []
        for weeks in range(4):
            url = f"{BASE}{path}?week={monday + timedelta(weeks=weeks)}"
            page = urllib.request.urlopen(url, timeout=30).read().decode()
            starts += re.findall(r'name="start" value="([^"]+)"', page)
            # A visitor without a session gets a signed form token in the page and no cookie
            # (portal/csrf.py); her browser says the post comes from our own page.
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        per_helper.append([(path, start) for start in starts])
    # In a fixed random order: neighbouring times of one helper block each other (her buffers).
    holds = sorted({(path, start) for times in per_helper for path, start in times})
    random.Random(28).shuffle(holds)
    holds = [
        (path, urllib.parse.urlencode({"start": start, "csrfmiddlewaretoken": token}))
        for path, start in holds
    ]
    script = workdir / "mixed.lua"
    script.write_text(
        MIXED_SCRIPT
        % {
            "reads": ", ".join(json.dumps(r) for r in reads),
            "holds": ", ".join(f"{{{json.dumps(p)}, {json.dumps(b)}}}" for p, b in holds),
        }
    )
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-s", str(script), BASE],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    refused = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        **wrk_figures(out),
        "holds": int(re.search(r"(\d+) requests in", out).group(1)) // 5,
        "holds_refused": int(refused.group(1)) if refused else 0,
        "free_times": len(holds),
    }


def front_door(workdir: Path, env: dict[str, str], pages: dict[str, str]) -> dict[str, dict]:
    """The same pages through nginx over HTTPS, configured as deploy/nginx/houvast.conf says
    (deploy/stack.py fills in the local values), in front of the gunicorn measured above."""
    sys.path.insert(0, str(ROOT / "deploy"))
    from stack import Stack

    os.environ["STACK_DIR"] = str(workdir / "stack")
    os.environ["STACK_PORT"] = str(int(os.environ.get("BENCH_PROXY_PORT", "8766")))
    stack = Stack()
    stack.app_ports = [PORT]
    stack.logs.mkdir(parents=True, exist_ok=True)
    stack.dir.joinpath("var").symlink_to(workdir / "var")
    cert, key = stack.certificate()
    config = stack.nginx_config(cert, key)
    nginx = subprocess.Popen(["nginx", "-c", str(config), "-e", "stderr"], cwd=ROOT)
    base = f"https://127.0.0.1:{stack.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2, context=TLS).read()
                break
            except OSError:
                time.sleep(0.1)
        measured = {
            "static file via proxy (ceiling)": wrk(pages["static file (ceiling)"], base),
            "home via proxy": wrk("/", base),
            "article via proxy": wrk(pages["article"], base),
            "week view via proxy": wrk(pages["week view"], base),
        }
        measured[f"article via proxy, {MANY_CONNECTIONS} conn."] = wrk(
            pages["article"], base, MANY_CONNECTIONS
        )
        return measured
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=30)


def worker_peak_rss_mb(master: int) -> float:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
    return max(peaks)


def main() -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="houvast-bench-"))
    env = environment(workdir)
    (workdir / "content").mkdir()
    print(f"Building the instance in {workdir} …", flush=True)
    run(str(PYTHON), "manage.py", "migrate", "--noinput", "-v0", env=env)
    run(str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    seeded = json.loads(run(str(PYTHON), "bench/seed.py", env=env, capture=True).splitlines()[-1])
    cold_startup = measure_startup(env, warm=False)
    run(str(PYTHON), "manage.py", "check_content", env=env, capture=True)  # a deploy step
    startup = measure_startup(env, warm=True)
    manifest = json.loads((workdir / "var" / "static" / "staticfiles.json").read_text())
    static_path = "/static/" + manifest["paths"]["css/site.css"]
    next_monday = datetime.now(UTC).date()
    next_monday = next_monday.fromordinal(next_monday.toordinal() + 7 - next_monday.weekday())

    server = subprocess.Popen(
        [str(GUNICORN), "portal.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{PORT}",
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        wait_for_server()
        pages = {
            "static file (ceiling)": static_path,
            "home": "/",
            "article list": "/artikelen/",
            "article": "/artikelen/partner-porno-of-seksverslaafd/",
            "search (common word)": "/zoeken/?q=partner",
            "search (rare word)": f"/zoeken/?q={seeded['rare_word']}",
            "directory (filtered)": "/steun/?voor=bedrogen-partner",
            "peer group": f"/steun/{seeded['group']}/",
            "week view": f"/afspraak/tijden/{seeded['offer']}/?week={next_monday}",
        }
        results = {name: wrk(path) for name, path in pages.items()}
        booking = concurrent_booking(seeded["offer"], next_monday.isoformat())
        results[MIXED] = mixed_holds(workdir, seeded["offers"], next_monday)
        peak_rss = worker_peak_rss_mb(server.pid)
        proxy = front_door(workdir, env, pages)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    ceiling = results["static file (ceiling)"]["requests_per_second"]
    lines = []
    failed = False
    print(f"\n{'page':24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6} {'target':>7}")
    for name, result in results.items():
        ratio = result["requests_per_second"] / ceiling
        result["ratio"] = round(ratio, 3)
        target = TARGETS.get(name)
        verdict = "" if target is None else ("PASS" if ratio >= target else "FAIL")
        failed |= verdict == "FAIL"
        result["target"] = target
        result["verdict"] = verdict or None
        line = (
            f"{name:24} {result['requests_per_second']:9.0f} {result['p50_ms']:8.2f} "
            f"{result['p99_ms']:8.2f} {ratio:6.2f} {('≥ ' + str(target)) if target else '':>7} "
            f"{verdict}"
        )
        lines.append(line)
        print(line)
    proxy_ceiling = proxy["static file via proxy (ceiling)"]["requests_per_second"]
    for name, result in proxy.items():
        base = ceiling if name == "week view via proxy" else proxy_ceiling
        ratio = result["requests_per_second"] / base
        result["ratio"] = round(ratio, 3)
        target = PROXY_TARGETS.get(name)
        verdict = "" if target is None else ("PASS" if ratio >= target else "FAIL")
        failed |= verdict == "FAIL"
        result["target"], result["verdict"] = target, verdict or None
        line = (
            f"{name:24} {result['requests_per_second']:9.0f} {result['p50_ms']:8.2f} "
            f"{result['p99_ms']:8.2f} {ratio:6.2f} {('≥ ' + str(target)) if target else '':>7} "
            f"{verdict}"
        )
        lines.append(line)
        print(line)
    print(
        "(via proxy: HTTPS through nginx in front of the same gunicorn; reading pages as a share "
        "of nginx's static file, the week view of gunicorn's)"
    )
    checks = [
        (
            f"concurrent booking: {booking['succeeded']} of {BOOKING_CLIENTS} succeeded, "
            f"{booking['taken']} told 'taken', p99 {booking['p99_s']:.2f} s",
            booking["succeeded"] == 1
            and booking["taken"] == BOOKING_CLIENTS - 1
            and booking["p99_s"] <= MAX_BOOKING_P99,
        ),
        (
            f"peak worker memory: {peak_rss:.0f} MB (≤ {MAX_WORKER_RSS_MB})",
            peak_rss <= MAX_WORKER_RSS_MB,
        ),
        (
            f"loading and indexing {ARTICLES:,}+ articles: {startup:.2f} s "
            f"(≤ {MAX_STARTUP_SECONDS}; "
            f"{cold_startup:.1f} s before check_content filled the render cache)",
            startup <= MAX_STARTUP_SECONDS,
        ),
    ]
    for text, ok in checks:
        failed |= not ok
        line = f"{text:96} {'PASS' if ok else 'FAIL'}"
        lines.append(line)
        print(line)

    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores",
        "database": database,
        "scale": SCALE,
        "seconds_per_page": SECONDS,
        "connections": CONNECTIONS,
        "pages": results,
        "proxy": proxy,
        "booking": booking,
        "peak_worker_rss_mb": round(peak_rss, 1),
        "startup_seconds": round(startup, 3),
        "startup_seconds_without_render_cache": round(cold_startup, 3),
        "passed": not failed,
    }
    name = "results.json" if SCALE == 1 else f"results-scale{SCALE}.json"
    (ROOT / "bench" / name).write_text(json.dumps(report, indent=2) + "\n")
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{database}, scale {SCALE}; results written to bench/{name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
