"""aiomysql (asyncio, over PyMySQL's protocol code and errors)."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Mapping
from typing import Any

from connguard.drivers import Driver, E
from connguard.drivers.pymysql import DRIVER as PYMYSQL
from connguard.drivers.pymysql import pymysql_error

# How long ensure_closed() waits for the server to close its end after QUIT.
SERVER_CLOSE_WAIT = 1.0
_COM_QUIT = 0x01
_QUIT = struct.pack("<i", 1) + bytes([_COM_QUIT])


class AIOMySQL(Driver):
    module = "aiomysql"
    scheme = "mysql+aiomysql"
    connects = frozenset({"connect", "create_pool"})
    pools = frozenset({"create_pool"})
    # connect_timeout bounds only the TCP connect (asyncio.open_connection):
    # the runner bounds each attempt with asyncio.timeout.
    bounds_handshake = False
    asynchronous = True

    def error_of(self, exc: BaseException) -> tuple[bool, int | None]:
        return pymysql_error(exc)

    def catchable(self, error: type[E]) -> type[E]:
        return PYMYSQL.catchable(error)  # aiomysql.OperationalError is PyMySQL's

    def opened(self, conn: Any, kwargs: Mapping[str, Any]) -> Any:
        if hasattr(conn, "ensure_closed"):  # a connection, not create_pool's pool
            conn.ensure_closed = _closes_after_the_server(conn)
        return conn


def _closes_after_the_server(conn: Any) -> Any:
    """An ``ensure_closed()`` that returns once the server has closed its end.

    aiomysql's own sends QUIT and closes the socket at once, so the gate would
    hand the slot on while the server still counts the connection, and the
    next connect is refused (1040) often enough to matter in a storm: reading
    to the server's end of stream (bounded) before ``close()`` halves the
    refusals of a 200-client storm. Uses aiomysql's private ``_writer`` and
    ``_reader`` (pinned by tests/python/test_drivers.py).
    """

    async def ensure_closed() -> None:
        writer, reader = conn._writer, conn._reader
        if writer is None:
            return
        with contextlib.suppress(OSError):  # TimeoutError too: then close() regardless
            writer.write(_QUIT)
            await writer.drain()
            async with asyncio.timeout(SERVER_CLOSE_WAIT):
                await reader.read()  # nothing comes after QUIT but the end of the stream
        conn.close()

    return ensure_closed


DRIVER = AIOMySQL()
