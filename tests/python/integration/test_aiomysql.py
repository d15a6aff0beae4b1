"""connguard.aiomysql: its pool (gated, sharing the gate's queue), retries, cancellation."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from adapters import driver_kwargs, held_connections

import connguard.aiomysql
from connguard import Policy, error_code
from connguard.testing import ServerUnderTest

pytestmark = pytest.mark.integration

LONG_SLEEP = Policy.from_dict(
    {"initial_delay": "10s", "max_delay": "10s", "jitter": "none", "deadline": "1m"}
)


def test_pool_acquire_retries_new_connections(mariadb_server: ServerUnderTest) -> None:
    """A pool allowed 30 connections on a server of 10: acquire() retries past 1040."""
    kwargs = driver_kwargs(mariadb_server, "aiomysql")

    async def run() -> Counter[str]:
        async with connguard.aiomysql.create_pool(minsize=1, maxsize=30, **kwargs) as pool:

            async def client() -> str:
                try:
                    async with pool.acquire() as conn, conn.cursor() as cursor:
                        await cursor.execute("SELECT SLEEP(0.02)")
                    return "ok"
                except Exception as exc:
                    return str(error_code(exc))

            return Counter(await asyncio.gather(*(client() for _ in range(60))))

    assert asyncio.run(run()) == Counter(ok=60)
    mariadb_server.wait_for_connections(0)


def test_oversubscribed_async_pools_strand_no_task(mariadb_server: ServerUnderTest) -> None:
    """Four pools of 5 on the server's 10 slots: connections free in one pool reach the
    tasks of another. A task that waited out its deadline (5 s; the work takes about
    1 s) would fail, so a stranded task fails the test."""
    kwargs = driver_kwargs(mariadb_server, "aiomysql")
    policy = Policy.from_dict({"deadline": "5s", "max_attempts": 1000})

    async def run() -> Counter[str]:
        pools = [
            await connguard.aiomysql.create_pool(minsize=0, maxsize=5, policy=policy, **kwargs)
            for _ in range(4)
        ]

        async def client(i: int) -> str:
            try:
                for _ in range(10):
                    async with pools[i % 4].acquire() as conn, conn.cursor() as cursor:
                        await cursor.execute("SELECT SLEEP(0.005)")
                return "ok"
            except Exception as exc:
                return type(exc).__name__

        try:
            return Counter(await asyncio.gather(*(client(i) for i in range(40))))
        finally:
            for pool in pools:
                pool.close()
                await pool.wait_closed()

    assert asyncio.run(run()) == Counter(ok=40)
    mariadb_server.wait_for_connections(0)


@pytest.mark.parametrize("how", ["connect", "acquire"])
def test_cancelling_a_task_sleeping_between_retries_ends_it_within_50ms(
    how: str, mariadb_server: ServerUnderTest
) -> None:
    kwargs = driver_kwargs(mariadb_server, "aiomysql")

    async def run() -> None:
        pool = None
        if how == "acquire":  # a pool of 0 connections, so acquire() must connect
            pool = await connguard.aiomysql.create_pool(
                minsize=0, maxsize=2, policy=LONG_SLEEP, **kwargs
            )
        with held_connections(mariadb_server, mariadb_server.max_connections):
            if pool is None:
                task = asyncio.ensure_future(
                    connguard.aiomysql.connect(policy=LONG_SLEEP, **kwargs)
                )
            else:
                task = asyncio.ensure_future(pool.acquire())
            await asyncio.sleep(0.5)  # refused, now in its 10 s backoff
            assert not task.done()
            task.cancel()
            done, _ = await asyncio.wait([task], timeout=0.05)
            assert task in done and task.cancelled()
        if pool is not None:
            pool.close()
            await pool.wait_closed()
            assert pool.size == 0  # the cancelled acquire left no connection behind

    asyncio.run(run())


def test_bytes_parameters_work_with_the_declared_pymysql(mariadb_server: ServerUnderTest) -> None:
    """The aiomysql extra caps PyMySQL below 1.2: with 1.2, aiomysql 0.3.2 fails any bytes
    parameter (TypeError in escape_bytes_prefixed). The installed pair must round-trip one."""
    kwargs = driver_kwargs(mariadb_server, "aiomysql")

    async def run() -> tuple[object, ...]:
        async with (
            connguard.aiomysql.connect(**kwargs) as conn,
            conn.cursor() as cursor,
        ):
            await cursor.execute("SELECT %s", (b"\x00bytes\xff",))
            row: tuple[object, ...] = await cursor.fetchone()
            return row

    assert asyncio.run(run()) == (b"\x00bytes\xff",)
