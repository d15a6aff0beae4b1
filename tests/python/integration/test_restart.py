"""A server that is down at start and up 1.5 s later: every adapter connects (issue 3)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from adapters import SYNC_ADAPTERS, SyncAdapter, driver_kwargs, pool_connect, server_down_for

import connguard.aiomysql
from connguard import Policy
from connguard.testing import MariaDBServer

pytestmark = pytest.mark.integration

DOWN_FOR = 1.5
POLICY = Policy()  # the built-in defaults: 10 attempts, 30 s deadline


@pytest.fixture(scope="module")
def restartable() -> Iterator[MariaDBServer]:
    with MariaDBServer(max_connections=10) as server:
        yield server


def _while_down(server: MariaDBServer, connect: Any) -> float:
    with server_down_for(server, DOWN_FOR):
        start = time.monotonic()
        connect()
        return time.monotonic() - start


@pytest.mark.parametrize("adapter", SYNC_ADAPTERS, ids=lambda a: a.name)
def test_sync_adapter_connects_once_the_server_is_up(
    adapter: SyncAdapter, restartable: MariaDBServer
) -> None:
    kwargs = driver_kwargs(restartable, adapter.driver)
    waited = _while_down(restartable, lambda: adapter.guarded(policy=POLICY, **kwargs).close())
    assert DOWN_FOR <= waited < POLICY.deadline


def test_pool_connects_once_the_server_is_up(restartable: MariaDBServer) -> None:
    def acquire() -> None:
        with pool_connect(restartable, policy=POLICY) as pool, pool.acquire():
            pass

    assert DOWN_FOR <= _while_down(restartable, acquire) < POLICY.deadline


@pytest.mark.parametrize("how", ["connect", "create_pool"])
def test_aiomysql_connects_once_the_server_is_up(how: str, restartable: MariaDBServer) -> None:
    kwargs = driver_kwargs(restartable, "aiomysql")

    async def run() -> None:
        if how == "connect":
            async with connguard.aiomysql.connect(policy=POLICY, **kwargs):
                pass
        else:
            async with (
                connguard.aiomysql.create_pool(policy=POLICY, **kwargs) as pool,
                pool.acquire() as conn,
                conn.cursor() as cursor,
            ):
                await cursor.execute("SELECT 1")

    assert DOWN_FOR <= _while_down(restartable, lambda: asyncio.run(run())) < POLICY.deadline
