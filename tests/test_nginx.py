"""The proxy's own edges, with real nginx: deploy/nginx/houvast.conf as deploy/stack.py adapts it
(X-Cache-Status off, as deployed), in front of two stand-in app servers that record what
reaches them. Request ids, the port-80 server, nginx's own answers, and what its cache keys on.

The whole stack with the real app is tests/browser/test_through_the_stack.py.
"""

from __future__ import annotations

import http.client
import importlib.util
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from portal.pagecache import PARAMS_MARK

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "nginx" / "houvast.conf"
APP_CSP = "default-src 'self'"
TLS = ssl._create_unverified_context()  # the certificate is made at start, self-signed


def load_stack():
    spec = importlib.util.spec_from_file_location("houvast_stack", ROOT / "deploy" / "stack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class StandIn(BaseHTTPRequestHandler):
    """An app server: a reading page for everyone (public, s-maxage) with the app's own
    security headers and its echo of the request id; `/broken` answers nothing at all."""

    seen: list[tuple[str, str]] = []  # (path with query, X-Request-ID), of every request

    def do_GET(self) -> None:
        incoming = self.headers.get("X-Request-ID", "")
        StandIn.seen.append((self.path, incoming))
        if self.path.startswith("/broken"):
            self.close_connection = True
            return
        body = f"page {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=0, s-maxage=60")
        self.send_header("Content-Security-Policy", APP_CSP)
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Request-ID", incoming or "made-by-the-app")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def proxy(tmp_path_factory) -> Iterator[dict]:
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (make nginx)")
    stack_module = load_stack()
    stack = stack_module.Stack()
    folder = tmp_path_factory.mktemp("nginx")
    stack.dir, stack.logs = folder, folder / "logs"
    stack.logs.mkdir()
    stack.port, stack.http_port = stack_module.free_port(), stack_module.free_port()
    servers = []
    for _ in range(2):
        server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)  # the system picks the port
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    stack.app_ports = [s.server_address[1] for s in servers]
    cert, key = stack.certificate()
    config = stack.nginx_config(cert, key, cache_status=False)
    checked = subprocess.run(
        ["nginx", "-t", "-c", str(config), "-e", "stderr"], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen(
        ["nginx", "-c", str(config), "-e", "stderr"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", stack.http_port), timeout=2).close()
                break
            except OSError:
                assert nginx.poll() is None and time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield {"port": stack.port, "http_port": stack.http_port}
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=20)
        for server in servers:
            server.shutdown()
            server.server_close()


def ask(
    proxy: dict, path: str, *, method: str = "GET", headers: dict | None = None, body=None
) -> http.client.HTTPResponse:
    connection = http.client.HTTPSConnection("127.0.0.1", proxy["port"], context=TLS, timeout=20)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        response.text = response.read().decode("utf-8", "replace")
    finally:
        connection.close()
    return response


def reached(path: str) -> int:
    """How many requests for exactly this path and query reached an app server."""
    return sum(1 for seen, _id in StandIn.seen if seen == path)


def test_nginx_sets_the_request_id_itself_and_a_stored_page_never_repeats_one(proxy) -> None:
    path = "/artikelen/?onderwerp=grenzen"
    first = ask(proxy, path, headers={"X-Request-ID": "chosen-by-the-client-0001"})
    (seen_id,) = [i for p, i in StandIn.seen if p == path]
    assert re.fullmatch(r"[0-9a-f]{32}", seen_id), seen_id
    assert first.headers["X-Request-ID"] == seen_id
    again = ask(proxy, path, headers={"X-Request-ID": "chosen-by-the-client-0002"})
    assert reached(path) == 1  # served from the cache
    assert re.fullmatch(r"[0-9a-f]{32}", again.headers["X-Request-ID"])
    assert again.headers["X-Request-ID"] != seen_id
    assert again.headers.get_all("X-Request-ID") == [again.headers["X-Request-ID"]]


def test_port_80_redirects_to_the_configured_host_and_other_names_get_no_answer(proxy) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", proxy["http_port"], timeout=10)
    connection.request("GET", "/steun/?x=1", headers={"Host": "127.0.0.1"})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 301
    assert response.headers["Location"] == f"https://127.0.0.1:{proxy['port']}/steun/?x=1"
    connection = http.client.HTTPConnection("127.0.0.1", proxy["http_port"], timeout=10)
    connection.request("GET", "/", headers={"Host": "evil.example"})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        connection.getresponse()  # 444: the connection is closed without an answer
    connection.close()


def assert_own_headers(response: http.client.HTTPResponse) -> None:
    assert response.headers.get_all("X-Content-Type-Options") == ["nosniff"]
    assert response.headers.get_all("X-Frame-Options") == ["DENY"]
    (csp,) = response.headers.get_all("Content-Security-Policy")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp


def test_nginx_own_answers_carry_the_security_headers_and_no_cache_status(proxy) -> None:
    too_big = ask(proxy, "/steun/", method="POST", body=b"x" * (2 * 1024 * 1024))
    assert too_big.status == 413
    assert_own_headers(too_big)
    unavailable = ask(proxy, "/broken/")
    assert unavailable.status == 502
    assert "Deze pagina is even niet bereikbaar" in unavailable.text
    assert_own_headers(unavailable)
    # The app's own page keeps its own headers, once, whether made now or stored.
    for _ in range(2):
        page = ask(proxy, "/hulp-nu/")
        assert page.status == 200
        assert page.headers.get_all("Content-Security-Policy") == [APP_CSP]
        assert page.headers.get_all("X-Frame-Options") == ["DENY"]
        assert page.headers.get_all("X-Content-Type-Options") == ["nosniff"]
        assert "X-Cache-Status" not in page.headers
    assert reached("/hulp-nu/") == 1


def test_the_cache_keys_on_the_path_and_the_arguments_the_app_reads(proxy) -> None:
    ask(proxy, "/steun/?soort=groep")
    for extra in ("utm_source=nieuwsbrief", "x=1", "y=2&z=3"):
        ask(proxy, f"/steun/?soort=groep&{extra}")
        assert reached(f"/steun/?soort=groep&{extra}") == 0  # the stored page
    assert reached("/steun/?soort=groep") == 1
    # A query nginx and the app would read differently reaches the app and is never stored.
    for odd in ("soort=rommel&soort=groep", "SOORT=groep", "so%6Frt=groep", "soort&soort=groep"):
        for _ in range(2):
            ask(proxy, f"/steun/?{odd}")
        assert reached(f"/steun/?{odd}") == 2, odd
    # ... so the pages stored under the plain keys are still their own.
    ask(proxy, "/steun/?soort=rommel")
    assert reached("/steun/?soort=rommel") == 1


def reading_page_params() -> set[str]:
    found: set[str] = set()

    def walk(patterns) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                found.update(getattr(pattern.callback, PARAMS_MARK, ()))

    walk(get_resolver().url_patterns)
    return found


def test_the_proxy_knows_every_argument_a_reading_page_reads() -> None:
    """A reading page whose argument is missing from nginx's cache key would be served to
    every value of that argument; one in the key but not read makes entries for nothing."""
    conf = CONF.read_text()
    key = re.search(r'proxy_cache_key "([^"]+)";', conf)[1]
    in_key = set(re.findall(r"[?&](\w+)=\$arg_\1", key))
    params = reading_page_params()
    assert params and in_key == params
    odd = re.search(r"map \$args \$houvast_odd_args \{(.+?)\n\}", conf, re.S)[1]
    for names in re.findall(r"\(\??:?i?:?((?:\w+\|)+\w+)\)", odd):
        assert set(names.split("|")) == params
