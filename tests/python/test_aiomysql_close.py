"""The aiomysql driver module's ensure_closed(): QUIT, then the server's end of stream, then close.

A local socket server stands in for MariaDB's side of the close: what is
tested is the order of events on a real socket, not a database."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from connguard.drivers import aiomysql as driver

QUIT = b"\x01\x00\x00\x00\x01"


class _Conn:
    """The two streams and close() that aiomysql's Connection has."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader: asyncio.StreamReader | None = reader
        self._writer: asyncio.StreamWriter | None = writer
        self.ensure_closed: Any = None

    def close(self) -> None:
        assert self._writer is not None
        self._writer.transport.close()
        self._writer = self._reader = None


async def _close_against(server_closes: bool) -> tuple[list[str], _Conn]:
    events: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await reader.readexactly(len(QUIT)) == QUIT
        events.append("server got QUIT")
        if server_closes:
            await asyncio.sleep(0.05)  # the server frees the session, then closes
            events.append("server closed")
            writer.close()
        else:
            await reader.read()  # holds the socket until the client goes

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    conn = _Conn(*await asyncio.open_connection("127.0.0.1", port))
    driver.DRIVER.opened(conn, {})
    await conn.ensure_closed()
    events.append("ensure_closed returned")
    server.close()
    return events, conn


def test_ensure_closed_returns_after_the_server_closed_its_end() -> None:
    events, conn = asyncio.run(_close_against(server_closes=True))
    assert events == ["server got QUIT", "server closed", "ensure_closed returned"]
    assert conn._writer is None  # and the client's socket is closed


def test_a_server_that_never_closes_costs_at_most_the_bounded_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(driver, "SERVER_CLOSE_WAIT", 0.1)
    events, conn = asyncio.run(_close_against(server_closes=False))
    assert events == ["server got QUIT", "ensure_closed returned"]
    assert conn._writer is None
