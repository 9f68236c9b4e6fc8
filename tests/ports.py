"""Ports for the servers tests start: the server's socket binds port 0, the system picks a free
port, and the test reads which one it got. (A port picked first and bound later by the server
may be taken by another process in between.)"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def port_of(sock: socket.socket) -> int:
    return sock.getsockname()[1]


def listening_socket(host: str = HOST) -> socket.socket:
    """A listening socket on a port the system picked, for a server in another process: gunicorn
    takes it with `--bind fd://N` and `pass_fds=(N,)`; connections wait in its queue meanwhile."""
    sock = socket.socket()
    sock.bind((host, 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@contextmanager
def refused_port(host: str = HOST) -> Iterator[int]:
    """A port where nothing listens while the block runs: bound but not listening, so every
    connection is refused, and no server can take the port meanwhile."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        yield port_of(sock)


class SMTPServer(Controller):
    """aiosmtpd's server on a socket bound to port 0 when it is made: `port` is known at once,
    a connection is refused until `start()`, and then the server listens on that very socket."""

    def __init__(self, handler: object, host: str = HOST) -> None:
        self.socket = socket.socket()
        self.socket.bind((host, 0))
        super().__init__(handler, hostname=host, port=port_of(self.socket))

    def _create_server(self):  # aiosmtpd's hook, here with a socket instead of host and port
        return self.loop.create_server(
            self._factory_invoker, sock=self.socket, ssl=self.ssl_context
        )

    def close(self) -> None:
        if getattr(self, "_thread", None) is not None:
            self.stop()
        self.socket.close()
