"""Success-path overhead of connguard against a bare call, tenacity and a semaphore (`make bench`).

A benchmark, not a test: it prints figures and asserts nothing about time.
Compare the rows of one run: (retry_call - bare) is what connguard adds to an
ungated call; (gated - semaphore) what the gate adds over the cheapest limit a
process could put on its own connects. The fake driver's connect returns an
object with a close(); a DSN target sends the call through the gate.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import tenacity

from connguard import Policy, retry_call, retry_call_async

POLICY = Policy()
UNGATED = Policy.from_dict({"limiter": {"enabled": False}})
TARGET = "mariadb://app:pw@bench.invalid:3306/main"  # never reached: the driver is fake
RETRYING = tenacity.Retrying()
SEMAPHORE = threading.BoundedSemaphore(1000)


class Connection:
    def close(self) -> None:
        pass


def connect() -> Connection:
    return Connection()


async def connect_async() -> Connection:
    return Connection()


def test_bare_call(benchmark: Any) -> None:
    benchmark(lambda: connect().close())


def test_connguard_retry_call(benchmark: Any) -> None:
    benchmark(lambda: retry_call(UNGATED, connect).close())


def test_tenacity_retrying(benchmark: Any) -> None:
    benchmark(lambda: RETRYING(connect).close())


def test_semaphore_around_connect(benchmark: Any) -> None:
    def limited() -> None:
        with SEMAPHORE:
            connect().close()

    benchmark(limited)


def test_connguard_gated_connect(benchmark: Any) -> None:
    benchmark(lambda: retry_call(POLICY, connect, target=TARGET).close())


def _per_connect(benchmark: Any, one: Any) -> None:
    """Async rows: 1000 connects per round on one loop, so the loop's start is not counted."""
    loop = asyncio.new_event_loop()

    async def thousand() -> None:
        for _ in range(1000):
            await one()

    try:
        benchmark.extra_info["connects_per_round"] = 1000
        benchmark(lambda: loop.run_until_complete(thousand()))
    finally:
        loop.close()


def test_asyncio_semaphore_around_connect_x1000(benchmark: Any) -> None:
    semaphore = asyncio.Semaphore(1000)

    async def one() -> None:
        async with semaphore:
            (await connect_async()).close()

    _per_connect(benchmark, one)


def test_connguard_gated_connect_async_x1000(benchmark: Any) -> None:
    async def one() -> None:
        (await retry_call_async(POLICY, connect_async, target=TARGET)).close()

    _per_connect(benchmark, one)
