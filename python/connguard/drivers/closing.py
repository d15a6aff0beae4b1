"""A close that returns once the server has let the connection go (spec 6, the close race).

A driver's close sends QUIT and closes its socket at once; the gate would then
hand the slot on while the server still counts the connection, and the next
connect is refused (1040, or 1226 at an account's exact cap). The C++ engine
and the aiomysql adapter read to the server's end of stream first; a sync
driver's close does so here, through a duplicate of the driver's socket that
outlives the driver's own close, so the driver closes as it always does.
"""

from __future__ import annotations

import contextlib
import os
import select
from collections.abc import Callable
from time import monotonic
from typing import Any, TypeVar

__all__ = ["SERVER_CLOSE_WAIT", "closes_after_the_server", "wait_for_end_of_stream"]

# How long a close waits for the server to close its end after QUIT.
SERVER_CLOSE_WAIT = 1.0

T = TypeVar("T")


def wait_for_end_of_stream(fd: int, limit: float) -> None:
    """Read and drop what arrives on ``fd`` until the peer closes, the socket fails, or
    ``limit`` seconds pass (as the C++ engine's ``wait_for_end_of_stream``)."""
    until = monotonic() + limit
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while (left := until - monotonic()) > 0:
        if not poller.poll(left * 1000):
            return
        try:
            if not os.read(fd, 256):
                return  # the server's end of stream
        except OSError:
            return


def closes_after_the_server(conn: T, socket_fd: Callable[[Any], int | None]) -> T:
    """``conn`` with a ``close`` that returns once the server has closed its end (at most
    :data:`SERVER_CLOSE_WAIT` more). ``socket_fd(conn)`` is the driver's socket, or None
    where it shows none (the close is then the driver's own)."""
    original = getattr(conn, "close", None)
    if original is None:
        return conn

    def close(*args: Any, **kwargs: Any) -> Any:
        server_end = -1
        with contextlib.suppress(Exception):  # a closed or odd connection: the plain close
            fd = socket_fd(conn)
            if fd is not None and fd >= 0:
                server_end = os.dup(fd)
        try:
            return original(*args, **kwargs)
        finally:
            if server_end >= 0:
                try:
                    wait_for_end_of_stream(server_end, SERVER_CLOSE_WAIT)
                finally:
                    os.close(server_end)

    setattr(conn, "close", close)  # noqa: B010 (conn is any driver's connection)
    return conn
