"""Fetching a helper's calendar feed: safely, small, and within one deadline.

Server-side request forgery: only `https`, no redirects, and the host is resolved once, every
address checked (no private, loopback, link-local, reserved or multicast address) and the
connection made to exactly the checked address. Tests (and the drill's own settings) relax
this with BUSY_FEEDS_ALLOW_PRIVATE to serve feeds from a local `http` server.

One deadline covers connecting, the TLS handshake, sending the request, the headers and the
body together: before every read the socket's timeout is set to the time left, and reads are
small, so a server that drips one byte at a time is dropped at the deadline. (The DNS lookup
before it is the system resolver's, with its own time limit.)

A failure raises FeedError with one message for the helper, the same for every failure of the
fetch, and a `detail` for the operator's log (DNS, refused address, HTTP status, time-out):
what a host answers is no business of whoever typed its address.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import socket
import ssl
import time
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

FETCH_TIMEOUT = 10.0  # seconds, for the whole fetch
MAX_FEED_BYTES = 2 * 1024 * 1024
READ_SIZE = 4096
_PRINTABLE = "".join(chr(code) for code in range(33, 127))


class FeedError(Exception):
    """A feed that cannot be used: str() is short, Dutch and shown to the helper; `detail` is
    for the operator's log."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message


def fetch_failed(detail: str) -> FeedError:
    """The one message a helper sees for any failed fetch, with the detail for the log."""
    return FeedError(
        _(
            "Je agenda kon niet worden opgehaald. Klopt de link nog? Kopieer hem dan opnieuw "
            "uit je agenda en voeg hem opnieuw toe."
        ),
        detail,
    )


def _allow_private() -> bool:
    return bool(getattr(settings, "BUSY_FEEDS_ALLOW_PRIVATE", False))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def check_url(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of an address we may fetch; FeedError otherwise.

    These messages are about what she typed, so they say what is wrong."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme != "https" and not (_allow_private() and scheme == "http"):
        raise FeedError(_("Het adres moet beginnen met https://."))
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as error:
        raise FeedError(_("Dit adres klopt niet.")) from error
    if not parts.hostname or parts.username or parts.password:
        raise FeedError(_("Dit adres klopt niet."))
    return scheme, parts.hostname, port


def resolve(host: str, port: int) -> str:
    """One address of `host` to connect to, after checking every address it has."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise fetch_failed(f"DNS lookup of {host} failed: {error}") from error
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise fetch_failed(f"DNS lookup of {host} gave no address")
    if not _allow_private() and not all(_public(address) for address in addresses):
        raise fetch_failed(f"{host} resolves to a non-public address: {', '.join(addresses)}")
    return addresses[0]


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        return left


class _DeadlineReader(io.RawIOBase):
    """The socket as a file for http.client: every read small and within the time left."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self.sock, self.deadline = sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.sock.settimeout(self.deadline.left())
        return self.sock.recv_into(buffer, min(len(buffer), READ_SIZE))


class _Socket:
    """What http.client.HTTPResponse needs of a socket: makefile()."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self.sock, self.deadline = sock, deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self.sock, self.deadline), READ_SIZE)


def _request(scheme: str, host: str, port: int, target: str) -> bytes:
    name = f"[{host}]" if ":" in host else host.encode("idna").decode("ascii")
    authority = name if port == {"https": 443, "http": 80}[scheme] else f"{name}:{port}"
    lines = [
        f"GET {target} HTTP/1.1",
        f"Host: {authority}",
        "Accept: text/calendar",
        "User-Agent: Houvast-agenda",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def fetch(url: str, *, timeout: float | None = None, limit: int = MAX_FEED_BYTES) -> bytes:
    """The body of a feed; FeedError when it cannot be had safely, within `timeout` seconds
    in all (FETCH_TIMEOUT), and at most `limit` bytes."""
    timeout = FETCH_TIMEOUT if timeout is None else timeout
    deadline = _Deadline(timeout)
    scheme, host, port = check_url(url)
    address = resolve(host, port)
    parts = urlsplit(url.strip())
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    target = quote(target, safe=_PRINTABLE)  # only ASCII, never a space or a line break
    sock: socket.socket | None = None
    try:
        sock = socket.create_connection((address, port), timeout=deadline.left())
        if scheme == "https":
            sock.settimeout(deadline.left())
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        sock.settimeout(deadline.left())
        sock.sendall(_request(scheme, host, port, target))
        response = http.client.HTTPResponse(_Socket(sock, deadline), method="GET")  # type: ignore[arg-type]
        response.begin()
        if response.status != http.HTTPStatus.OK:
            # Redirects are not followed: their target would escape the address check.
            raise fetch_failed(f"{host} answered HTTP {response.status}")
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            raise fetch_failed(f"{host} announced {length} bytes (limit {limit})")
        body = bytearray()
        while chunk := response.read(READ_SIZE):
            body += chunk
            if len(body) > limit:
                raise fetch_failed(f"{host} sent more than {limit} bytes")
        return bytes(body)
    except TimeoutError as error:
        raise fetch_failed(f"{host} did not answer in full within {timeout:g} s") from error
    except ssl.SSLError as error:
        raise fetch_failed(f"TLS with {host} failed: {error}") from error
    except (OSError, http.client.HTTPException) as error:
        raise fetch_failed(f"{host} is unreachable: {type(error).__name__}: {error}") from error
    finally:
        if sock is not None:
            sock.close()
