"""Threads and asyncio tasks of one process share one gate per server (docs/spec.md 6.1).

Before, a process kept a limiter for its threads and another per event loop:
against max_connections=10 they settled at 9+7 between them, and callers ran
out of attempts on 1040. With one gate the process never puts more than the
server's capacity plus one probe on it, whoever calls.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from adapters import driver_kwargs

import connguard.aiomysql
import connguard.gate
import connguard.pymysql
from connguard import Policy
from connguard.drivers.pymysql import DRIVER as PYMYSQL
from connguard.gate import gate_for
from connguard.testing import ServerUnderTest

pytestmark = pytest.mark.integration

CLIENTS = 20  # of each kind, against max_connections=10
POLICY = Policy.from_dict({"deadline": "60s", "max_attempts": 1000})


def test_threads_and_tasks_share_one_gate(mariadb_server: ServerUnderTest) -> None:
    refused_before = mariadb_server.refused_connects()
    outcomes: list[str] = []
    lock = threading.Lock()

    def record(outcome: str) -> None:
        with lock:
            outcomes.append(outcome)

    def thread_client() -> None:
        try:
            conn = connguard.pymysql.connect(
                policy=POLICY, **driver_kwargs(mariadb_server, "pymysql")
            )
            with conn.cursor() as cur:
                cur.execute("SELECT SLEEP(0.05)")
            conn.close()
            record("ok")
        except Exception as exc:
            record(repr(exc))

    async def tasks() -> None:
        async def client() -> None:
            try:
                kwargs = driver_kwargs(mariadb_server, "aiomysql")
                async with (
                    connguard.aiomysql.connect(policy=POLICY, **kwargs) as conn,
                    conn.cursor() as cur,
                ):
                    await cur.execute("SELECT SLEEP(0.05)")
                record("ok")
            except Exception as exc:
                record(repr(exc))

        await asyncio.gather(*(client() for _ in range(CLIENTS)))

    threads = [threading.Thread(target=thread_client) for _ in range(CLIENTS)]
    threads.append(threading.Thread(target=lambda: asyncio.run(tasks())))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert outcomes == ["ok"] * (2 * CLIENTS)
    # Both kinds of caller went through the same gate: the one for this server.
    key = PYMYSQL.target_key(driver_kwargs(mariadb_server, "pymysql"))
    assert key == PYMYSQL.target_key(driver_kwargs(mariadb_server, "aiomysql"))
    assert key in connguard.gate._gates  # made by the callers, not by this lookup
    gate = gate_for(key, POLICY)
    _, holding, in_use, queued = gate.state()
    assert (holding, in_use, queued) == (0, 0, 0)
    mariadb_server.wait_for_connections(0)
    # Two limiters refused dozens; one learns the capacity once.
    assert mariadb_server.refused_connects() - refused_before < 15
