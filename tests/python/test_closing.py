"""closes_after_the_server on a socket pair: the close returns after the peer's end of
stream, not before, and bounded when the peer never closes."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest

from connguard.drivers import closing
from connguard.drivers.closing import closes_after_the_server


class Conn:
    """A driver's connection as far as a close goes: QUIT, then its socket closed."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def close(self) -> str:
        self.sock.sendall(b"QUIT")
        self.sock.close()
        return "closed"


def _server(peer: socket.socket, closes: bool, done: list[str]) -> threading.Thread:
    def run() -> None:
        assert peer.recv(4) == b"QUIT"
        # Slow to let go: a close that did not wait would return before this.
        threading.Event().wait(0.05)
        done.append("server closed its end")
        if closes:
            peer.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_the_close_returns_after_the_servers_end_of_stream() -> None:
    client, peer = socket.socketpair()
    done: list[str] = []
    server = _server(peer, True, done)
    conn = closes_after_the_server(Conn(client), lambda c: c.sock.fileno())
    assert conn.close() == "closed"  # the driver's own close ran, and its value returned
    assert done == ["server closed its end"]
    server.join()


def test_a_server_that_never_closes_holds_the_close_at_most_the_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(closing, "SERVER_CLOSE_WAIT", 0.2)
    client, peer = socket.socketpair()
    done: list[str] = []
    server = _server(peer, False, done)
    conn = closes_after_the_server(Conn(client), lambda c: c.sock.fileno())
    returned: list[str] = []
    closer = threading.Thread(target=lambda: returned.append(conn.close()))
    closer.start()
    closer.join(timeout=10)  # far beyond the wait: a close that waited for ever is caught
    peer.close()
    server.join()
    assert not closer.is_alive() and returned == ["closed"]
    assert done == ["server closed its end"]


@pytest.mark.parametrize("fd_of", [lambda c: None, lambda c: c.missing], ids=["none", "raises"])
def test_without_a_socket_the_close_is_the_drivers_own(fd_of: Any) -> None:
    client, peer = socket.socketpair()
    conn = closes_after_the_server(Conn(client), fd_of)
    assert conn.close() == "closed"
    assert peer.recv(4) == b"QUIT" and peer.recv(1) == b""  # closed, and nothing waited
    peer.close()
