"""Failed connects leave nothing of connguard's behind: over 1000 of them per driver,
memory grows no more than the plain driver's own 1000 failed connects make it grow.

Each connect is refused at once (a closed loopback port) and given up after one
attempt, through the adapter, its gate, its call and its give-up report. The
mariadb driver (1.1) leaks each failed connect's Connection, error and frames
on its own, and with its error the note connguard adds to it: there connguard's
own state (calls, tickets, turns, slots) must still all be gone.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import tracemalloc
from collections import Counter
from collections.abc import Callable
from typing import Any

import aiomysql
import mariadb
import mysql.connector
import pymysql
import pytest

import connguard.aiomysql
import connguard.mariadb
import connguard.mysql_connector
import connguard.pymysql
from connguard import Policy, give_up_info

ONCE = Policy.from_dict({"max_attempts": 1})
KWARGS: dict[str, Any] = {"host": "127.0.0.1", "port": 1, "user": "app", "password": "pw"}


def _aiomysql(connect: Callable[..., Any]) -> Callable[[], Any]:
    async def main() -> Any:
        return await connect(**KWARGS)

    return lambda: asyncio.run(main())


# driver -> (the plain connect, connguard's)
ADAPTERS: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
    "mariadb": (
        lambda: mariadb.connect(connect_timeout=1, **KWARGS),
        lambda: connguard.mariadb.connect(policy=ONCE, **KWARGS),
    ),
    "mysql-connector": (
        lambda: mysql.connector.connect(**KWARGS),
        lambda: connguard.mysql_connector.connect(policy=ONCE, **KWARGS),
    ),
    "pymysql": (
        lambda: pymysql.connect(**KWARGS),
        lambda: connguard.pymysql.connect(policy=ONCE, **KWARGS),
    ),
    "aiomysql": (
        _aiomysql(aiomysql.connect),
        _aiomysql(lambda **kw: connguard.aiomysql.connect(policy=ONCE, **kw)),
    ),
}


def _grown(connect: Callable[[], Any], times: int = 1000) -> int:
    """Bytes still allocated after ``times`` failed connects (after a warm-up)."""

    def fail(count: int) -> None:
        for _ in range(count):
            try:
                connect()
            except Exception:  # the refusal, every time
                continue
            raise AssertionError("a closed port accepted a connection")

    fail(100)  # caches, the gate, the driver's first-use state
    tracemalloc.start()
    try:
        gc.collect()  # a failed connect's error and frames form cycles
        before = tracemalloc.take_snapshot()
        fail(times)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    return sum(stat.size_diff for stat in after.compare_to(before, "filename"))


@pytest.mark.parametrize("driver", ["mysql-connector", "pymysql", "aiomysql"])
def test_a_thousand_failed_connects_cost_no_more_than_the_drivers_own(
    driver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest keeps every log record it captures: that is its memory, not ours.
    monkeypatch.setattr(logging.getLogger("connguard"), "disabled", True)
    plain, guarded = ADAPTERS[driver]
    own = _grown(plain)
    ours = _grown(guarded)
    assert ours - own < 64 * 1024, f"plain {own} bytes, through connguard {ours}"


# connguard's per-call state: none of it may outlive a call.
_PER_CALL = {"Attempt", "Call", "Slot", "Ticket", "_Run", "_Turn", "Action", "Event"}


def _live() -> Counter[str]:
    gc.collect()
    return Counter(name for o in gc.get_objects() if (name := type(o).__name__) in _PER_CALL)


@pytest.mark.parametrize("driver", list(ADAPTERS))
def test_no_call_state_outlives_a_failed_connect(
    driver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger("connguard"), "disabled", True)
    _, guarded = ADAPTERS[driver]
    before = _live()
    for _ in range(200):
        try:
            guarded()
        except Exception as exc:  # the driver's refusal, whichever its class
            assert give_up_info(exc) is not None
        else:
            raise AssertionError("a closed port accepted a connection")
    assert _live() - before == Counter()
