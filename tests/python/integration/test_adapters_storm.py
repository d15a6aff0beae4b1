"""100 clients arriving together at a server with max_connections=10: each driver fails
most of them without connguard and serves all of them with it (issue 3).

A burst is when every client arrives before the first one is done (a page with
100 thumbnails). Threads under the GIL would otherwise trickle in, so each
client holds its connection until every client has had its answer from the
connection layer, then runs ``SELECT SLEEP(0.02)`` and closes. A plain
driver's answer is its connect returning or raising; connguard's is a place in
its queue, given as the client calls connect. The server is real.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import aiomysql
import pytest
from adapters import SYNC_ADAPTERS, SyncAdapter, driver_kwargs

import connguard.aiomysql
from connguard import error_code
from connguard.testing import ServerUnderTest

pytestmark = pytest.mark.integration

CLIENTS = 100


class Burst:
    """``all_answered`` is set once CLIENTS clients had their answer."""

    def __init__(self) -> None:
        self.all_answered = threading.Event()
        self._count = itertools.count(1)
        self._lock = threading.Lock()

    def answered(self) -> None:
        with self._lock:
            if next(self._count) >= CLIENTS:
                self.all_answered.set()


def _storm_threads(connect: Any, kwargs: dict[str, Any], queues: bool) -> Counter[str]:
    """Outcomes of CLIENTS threads: 'ok' or the error code. ``queues``: connguard's connect."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)
    burst = Burst()

    def client() -> None:
        start.wait()
        if queues:
            burst.answered()
        try:
            conn = connect(**kwargs)
        except Exception as exc:
            outcome = str(error_code(exc))
            if not queues:
                burst.answered()
        else:
            if not queues:
                burst.answered()
            try:
                burst.all_answered.wait(timeout=30)
                cursor = conn.cursor()
                cursor.execute("SELECT SLEEP(0.02)")
                cursor.fetchall()
                cursor.close()
                outcome = "ok"
            finally:
                conn.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.parametrize("adapter", SYNC_ADAPTERS, ids=lambda a: a.name)
def test_sync_storm(adapter: SyncAdapter, mariadb_server: ServerUnderTest) -> None:
    kwargs = driver_kwargs(mariadb_server, adapter.driver)
    plain = _storm_threads(adapter.plain, kwargs, queues=False)
    mariadb_server.wait_for_connections(0)
    guarded = _storm_threads(adapter.guarded, kwargs, queues=True)
    mariadb_server.wait_for_connections(0)

    assert plain["1040"] > CLIENTS // 2, plain  # most fail without connguard
    assert guarded == Counter(ok=CLIENTS), guarded


async def _storm_tasks(
    connect: Callable[..., Any], kwargs: dict[str, Any], queues: bool
) -> Counter[str]:
    burst = Burst()

    async def client() -> str:
        if queues:
            burst.answered()
        try:
            conn = await connect(**kwargs)
        except Exception as exc:
            if not queues:
                burst.answered()
            return str(error_code(exc))
        if not queues:
            burst.answered()
        try:
            while not burst.all_answered.is_set():
                await asyncio.sleep(0.005)
            async with conn.cursor() as cursor:
                await cursor.execute("SELECT SLEEP(0.02)")
                await cursor.fetchall()
        finally:
            conn.close()
        return "ok"

    return Counter(await asyncio.gather(*(client() for _ in range(CLIENTS))))


async def _plain_aiomysql(**kwargs: Any) -> Any:
    return await aiomysql.connect(**kwargs)


async def _guarded_aiomysql(**kwargs: Any) -> Any:
    return await connguard.aiomysql.connect(**kwargs)


def test_aiomysql_storm(mariadb_server: ServerUnderTest) -> None:
    kwargs = driver_kwargs(mariadb_server, "aiomysql")
    plain = asyncio.run(_storm_tasks(_plain_aiomysql, kwargs, queues=False))
    mariadb_server.wait_for_connections(0)
    guarded = asyncio.run(_storm_tasks(_guarded_aiomysql, kwargs, queues=True))
    mariadb_server.wait_for_connections(0)

    assert plain["1040"] > CLIENTS // 2, plain
    assert guarded == Counter(ok=CLIENTS), guarded
