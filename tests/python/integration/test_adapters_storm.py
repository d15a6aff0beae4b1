"""100 clients arriving together at a server with max_connections=10: each driver fails
most of them without connguard and serves all of them with it (issue 3).

A burst is when every client arrives before the first one is done (a page with
100 thumbnails). Threads under the GIL would otherwise trickle in, so each
client holds its connection until all clients have made their first connect
attempt (counted at the driver's own ``connect``), then runs
``SELECT SLEEP(0.02)`` and closes. The same gate applies with and without
connguard; the server is real.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import aiomysql
import pytest
from adapters import SYNC_ADAPTERS, SyncAdapter, driver_kwargs

import connguard.aiomysql
from connguard import error_code
from connguard.testing import MariaDBServer

pytestmark = pytest.mark.integration

CLIENTS = 100


@contextmanager
def burst(module: ModuleType) -> Iterator[threading.Event]:
    """Counts calls to ``module.connect``; the event is set once CLIENTS calls were made."""
    original: Callable[..., Any] = module.connect
    all_arrived = threading.Event()
    attempts = iter(range(1, 10**9))
    lock = threading.Lock()

    @functools.wraps(original)  # keeps __module__/__qualname__: connguard still knows the driver
    def connect(*args: Any, **kwargs: Any) -> Any:
        with lock:
            if next(attempts) >= CLIENTS:
                all_arrived.set()
        return original(*args, **kwargs)

    patched: Any = module
    patched.connect = connect
    try:
        yield all_arrived
    finally:
        patched.connect = original


def _storm_threads(adapter: SyncAdapter, connect: Any, kwargs: dict[str, Any]) -> Counter[str]:
    """Outcomes of CLIENTS threads: 'ok' or the error code."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    with burst(adapter.module) as all_arrived:

        def client() -> None:
            start.wait()
            try:
                conn = connect(**kwargs)
            except Exception as exc:
                outcome = str(error_code(exc))
            else:
                try:
                    all_arrived.wait(timeout=30)
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
def test_sync_storm(adapter: SyncAdapter, mariadb_server: MariaDBServer) -> None:
    kwargs = driver_kwargs(mariadb_server, adapter.driver)
    plain = _storm_threads(adapter, adapter.plain, kwargs)
    mariadb_server.wait_for_connections(0)
    guarded = _storm_threads(adapter, adapter.guarded, kwargs)
    mariadb_server.wait_for_connections(0)

    assert plain["1040"] > CLIENTS // 2, plain  # most fail without connguard
    assert guarded == Counter(ok=CLIENTS), guarded


async def _storm_tasks(connect: Callable[..., Any], kwargs: dict[str, Any]) -> Counter[str]:
    with burst(aiomysql) as all_arrived:

        async def client() -> str:
            try:
                conn = await connect(**kwargs)
            except Exception as exc:
                return str(error_code(exc))
            try:
                while not all_arrived.is_set():
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


def test_aiomysql_storm(mariadb_server: MariaDBServer) -> None:
    kwargs = driver_kwargs(mariadb_server, "aiomysql")
    plain = asyncio.run(_storm_tasks(_plain_aiomysql, kwargs))
    mariadb_server.wait_for_connections(0)
    guarded = asyncio.run(_storm_tasks(_guarded_aiomysql, kwargs))
    mariadb_server.wait_for_connections(0)

    assert plain["1040"] > CLIENTS // 2, plain
    assert guarded == Counter(ok=CLIENTS), guarded
