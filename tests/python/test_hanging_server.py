"""A server that accepts and never speaks: every adapter gives up within its deadline.

Not a database: a listening socket on loopback that never sends the greeting,
the fault that left PyMySQL and aiomysql connects hanging forever (their
connect timeout covers only the TCP connect). The call caps every attempt at
min(connect_timeout, time left) (docs/spec.md section 7).
"""

from __future__ import annotations

import asyncio
import functools
import socket
import threading
from collections.abc import Callable, Iterator
from time import monotonic
from typing import Any

import mariadb
import pymysql
import pytest
import sqlalchemy

import connguard.aiomysql
import connguard.mariadb
import connguard.mysql_connector
import connguard.pymysql
import connguard.sqlalchemy
from connguard import Policy, give_up_info
from connguard.pool import Pool

DEADLINE = 3.0
# Attempts at 0 s and 1.4 s, each cut off after 1 s; a third would start at 3.2 s,
# past the deadline, so every adapter gives up at about 2.4 s. (A whole-second
# driver timeout, mariadb's, cannot end a short last attempt in time: the
# schedule keeps the test about the hang, not about rounding.)
POLICY = Policy.from_dict(
    {
        "deadline": f"{DEADLINE}s",
        "connect_timeout": "1s",
        "initial_delay": "400ms",
        "jitter": "none",
        "max_attempts": 100,
    }
)


@pytest.fixture(scope="module")
def silent_port() -> Iterator[int]:
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])  # held open, never written to
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def _kwargs(port: int) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "user": "app", "password": "pw"}


def _sync(port: int) -> dict[str, Callable[[], Any]]:
    kw = _kwargs(port)
    pool = Pool(functools.partial(pymysql.connect, **kw), size=2, policy=POLICY)
    engine = sqlalchemy.create_engine(
        "mariadb+mariadbconnector://",
        creator=connguard.sqlalchemy.creator(mariadb.connect, policy=POLICY, **kw),
        pool_size=2,
    )

    def pooled() -> Any:
        with pool.acquire() as conn:
            return conn

    return {
        "mariadb": lambda: connguard.mariadb.connect(policy=POLICY, **kw),
        "mysql-connector": lambda: connguard.mysql_connector.connect(policy=POLICY, **kw),
        "pymysql": lambda: connguard.pymysql.connect(policy=POLICY, **kw),
        "Pool": pooled,
        "SQLAlchemy": lambda: engine.connect(),
    }


@pytest.mark.parametrize("adapter", ["mariadb", "mysql-connector", "pymysql", "Pool", "SQLAlchemy"])
def test_sync_adapters_give_up_within_the_deadline(adapter: str, silent_port: int) -> None:
    connect = _sync(silent_port)[adapter]
    start = monotonic()
    with pytest.raises(Exception) as raised:
        connect()
    elapsed = monotonic() - start
    assert DEADLINE * 0.5 <= elapsed <= DEADLINE * 1.1, elapsed
    error = getattr(raised.value, "orig", None) or raised.value  # SQLAlchemy wraps it
    info = give_up_info(error)
    assert info is not None and info.reason == "deadline", (type(error), error)


@pytest.mark.parametrize("what", ["connect", "create_pool"])
def test_aiomysql_gives_up_within_the_deadline(what: str, silent_port: int) -> None:
    kw = _kwargs(silent_port)

    async def main() -> BaseException:
        pending = (
            connguard.aiomysql.connect(policy=POLICY, **kw)
            if what == "connect"
            else connguard.aiomysql.create_pool(policy=POLICY, **kw)
        )
        with pytest.raises(Exception) as raised:
            await pending
        return raised.value

    start = monotonic()
    error = asyncio.run(main())
    elapsed = monotonic() - start
    assert DEADLINE * 0.5 <= elapsed <= DEADLINE * 1.1, elapsed
    info = give_up_info(error)
    assert info is not None and info.reason == "deadline", (type(error), error)
