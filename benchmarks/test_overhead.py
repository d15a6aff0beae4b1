"""Success-path overhead of connguard against a bare call, tenacity and a semaphore (`make bench`).

A benchmark, not a test: it prints figures and asserts nothing about time.
Compare the rows of one run: (retry_call - bare) is what connguard adds to an
ungated call; (gated - semaphore) what the gate adds over the cheapest limit a
process could put on its own connects. The fake driver's connect returns an
object with a close(); a DSN target sends the call through the gate.

Rows run with no hook (``set_hooks([])``: no exporter installed) unless they
say otherwise; the event sites' own cost with no hook is timed on its own.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
import tenacity
from prometheus_client import CollectorRegistry

from connguard import Metrics, Policy, events, retry_call, retry_call_async, set_hooks
from connguard.exporters.prometheus import PrometheusExporter

POLICY = Policy()
UNGATED = Policy.from_dict({"limiter": {"enabled": False}})
TARGET = "mariadb://app:pw@bench.invalid:3306/main"  # never reached: the driver is fake
RETRYING = tenacity.Retrying()
SEMAPHORE = threading.BoundedSemaphore(1000)


# The `if events.hooks:` checks a gated connect and its close pass (spec 8.1's event
# sites): granted+attempt, join's limit, connected's limit, connected, release's
# limit, released.
EVENT_SITES = 6


@pytest.fixture(autouse=True)
def no_hooks() -> Any:
    set_hooks([])
    yield
    set_hooks(None)


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


def _six_sites() -> int:
    told = 0
    if events.hooks:
        told += 1
    if events.hooks:
        told += 1
    if events.hooks:
        told += 1
    if events.hooks:
        told += 1
    if events.hooks:
        told += 1
    if events.hooks:
        told += 1
    return told


def _no_sites() -> int:
    return 0


def test_event_sites_with_no_hook(benchmark: Any) -> None:
    """The event sites a gated connect passes, with nothing observing (target: <= 200 ns
    above test_event_sites_baseline, the same call without them)."""
    benchmark.extra_info["sites"] = EVENT_SITES
    assert benchmark(_six_sites) == 0


def test_event_sites_baseline(benchmark: Any) -> None:
    assert benchmark(_no_sites) == 0


def test_connguard_gated_connect_with_metrics(benchmark: Any) -> None:
    set_hooks([Metrics()])
    benchmark(lambda: retry_call(POLICY, connect, target=TARGET).close())


def test_connguard_gated_connect_with_prometheus(benchmark: Any) -> None:
    set_hooks([PrometheusExporter(CollectorRegistry())])
    benchmark(lambda: retry_call(POLICY, connect, target=TARGET).close())
