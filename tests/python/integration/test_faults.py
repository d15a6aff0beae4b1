"""Faults mid-storm (issue 13): mariadbd killed (SIGKILL) and started again, or frozen
(SIGSTOP) and resumed, while threads and asyncio tasks write rows.

Each client writes its own keys, one row per transaction, over a fresh connection
per row, so connects keep arriving while the server is away: connguard must carry
every one of them through. A statement the fault cuts off has an unknown outcome
and connguard never retries statements, so the error reaches the client, which
counts it, reconnects and looks for its row before inserting it again. ``k`` is
deliberately not unique: a row written twice is counted, not refused.

The fault strikes once a third of the rows are in and PARKED clients wait between
their INSERT and their COMMIT, so some transactions are open when it does (left to
chance, the kill caught at most one open transaction in trial runs).
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from adapters import SYNC_ADAPTERS, SyncAdapter, driver_kwargs

import connguard.aiomysql
from connguard import GiveUp, Policy, error_code, give_up_info
from connguard.drivers.pymysql import DRIVER as PYMYSQL
from connguard.gate import gate_for
from connguard.testing import MariaDBServer

pytestmark = pytest.mark.integration

MAX_CONNECTIONS = 10
PARKED = 4  # clients holding a transaction open when the fault strikes
ROWS = 12  # per client
TRIES_PER_ROW = 10
OUTAGE = 1.0  # seconds mariadbd stays dead before it is started again
FREEZE = 3.0  # seconds mariadbd stays stopped
FAULT_WAIT = 60.0  # for the storm to reach the fault
JOIN_TIMEOUT = 120.0  # for every client to finish, all together
# The deadline outlives the outage and the freeze; a connect timeout shorter than
# the freeze makes handshakes the frozen server never answers time out, and retry.
POLICY = Policy.from_dict({"deadline": "60s", "max_attempts": 1000, "connect_timeout": "1s"})
# What a statement on a connection the fault cut raises: CR_SERVER_GONE_ERROR,
# CR_SERVER_LOST, CR_SERVER_LOST_EXTENDED.
CUT_OFF = {2006, 2013, 2055}
# A connect to a server that is not there: refused (the drivers say 2002 or 2003),
# or a socket error with no code.
NO_SERVER = {2002, 2003, None}
TABLE = "faults"
FOUND = f"SELECT COUNT(*) FROM {TABLE} WHERE k = %s"
INSERT = f"INSERT INTO {TABLE} (k) VALUES (%s)"
THREAD_ADAPTERS = [a for a in SYNC_ADAPTERS if a.name in ("pymysql", "mariadb")]


@dataclass(frozen=True)
class Failure:
    """An error that reached client code."""

    code: int | None
    give_up: GiveUp | None
    text: str


class Tally:
    """What the clients did and saw; shared by threads and tasks."""

    def __init__(self, fault_after: int) -> None:
        self._lock = threading.Lock()
        self._fault_after = fault_after
        self._written = 0
        self._to_park = PARKED
        self.parked = threading.Event()  # set once PARKED clients wait for the fault
        self.struck = threading.Event()  # the fault struck: parked clients go on
        self.stop = threading.Event()  # the test failed: clients stop after their row
        self.statement_failures: list[Failure] = []
        self.connect_failures: list[Failure] = []
        self.unwritten: list[int] = []  # keys that ran out of tries

    def row_written(self) -> None:
        with self._lock:
            self._written += 1

    def park(self) -> bool:
        """Whether the caller, between INSERT and COMMIT, is to wait for the fault."""
        with self._lock:
            if self._written < self._fault_after or self._to_park == 0:
                return False
            self._to_park -= 1
            if self._to_park == 0:
                self.parked.set()
            return True

    def failed(self, failures: list[Failure], exc: BaseException) -> None:
        # A summary, not the exception: its traceback would keep connections alive.
        with self._lock:
            failures.append(Failure(error_code(exc), give_up_info(exc), repr(exc)))

    def gave_up_on(self, key: int) -> None:
        with self._lock:
            self.unwritten.append(key)


def _write_row(connect: Callable[[], Any], key: int, tally: Tally) -> bool:
    """Writes row ``key`` exactly once, a fresh connection per try; False if out of tries."""
    maybe_written = False  # an earlier try was cut off, maybe after its COMMIT took effect
    for _ in range(TRIES_PER_ROW):
        conn = connect()  # raises only if connguard gave up
        try:
            # The cursor is closed before the connection: MariaDB Connector/Python
            # 1.1.14 can crash (SIGSEGV in mysql_stmt_close) when the cyclic GC
            # finalizes a cursor whose connection was lost.
            with conn.cursor() as cur:
                if not maybe_written or not _found(cur, key):
                    cur.execute(INSERT, (key,))
                    if tally.park():
                        tally.struck.wait(FAULT_WAIT)
                    conn.commit()
        except Exception as exc:
            tally.failed(tally.statement_failures, exc)
            maybe_written = True
            continue
        finally:
            conn.close()
        tally.row_written()
        return True
    return False


def _found(cur: Any, key: int) -> bool:
    cur.execute(FOUND, (key,))
    return bool(cur.fetchone()[0])


async def _write_row_async(kwargs: dict[str, Any], key: int, tally: Tally) -> bool:
    """:func:`_write_row` for a task over aiomysql."""
    maybe_written = False
    for _ in range(TRIES_PER_ROW):
        conn = await connguard.aiomysql.connect(policy=POLICY, **kwargs)
        try:
            async with conn.cursor() as cur:
                if not maybe_written or not await _found_async(cur, key):
                    await cur.execute(INSERT, (key,))
                    if tally.park():
                        await asyncio.to_thread(tally.struck.wait, FAULT_WAIT)
                    await conn.commit()
        except Exception as exc:
            conn.close()  # no QUIT on a connection the fault cut
            tally.failed(tally.statement_failures, exc)
            maybe_written = True
            continue
        await conn.ensure_closed()
        tally.row_written()
        return True
    return False


async def _found_async(cur: Any, key: int) -> bool:
    await cur.execute(FOUND, (key,))
    row = await cur.fetchone()
    return bool(row[0])


def _thread_client(connect: Callable[[], Any], keys: range, tally: Tally) -> None:
    for key in keys:
        if tally.stop.is_set():
            return
        try:
            if not _write_row(connect, key, tally):
                tally.gave_up_on(key)
        except Exception as exc:
            tally.failed(tally.connect_failures, exc)
            return


async def _task_client(kwargs: dict[str, Any], keys: range, tally: Tally) -> None:
    for key in keys:
        if tally.stop.is_set():
            return
        try:
            if not await _write_row_async(kwargs, key, tally):
                tally.gave_up_on(key)
        except Exception as exc:
            tally.failed(tally.connect_failures, exc)
            return


def _clients(
    server: MariaDBServer, adapter: SyncAdapter, threads: int, tasks: int, tally: Tally
) -> list[threading.Thread]:
    """``threads`` threads over ``adapter``, then one thread running ``tasks`` aiomysql tasks;
    client i writes keys [i * ROWS, (i + 1) * ROWS)."""
    kwargs = driver_kwargs(server, adapter.driver, autocommit=False)
    connect = functools.partial(adapter.guarded, policy=POLICY, **kwargs)
    keys = [range(i * ROWS, (i + 1) * ROWS) for i in range(threads + tasks)]
    clients = [
        threading.Thread(target=_thread_client, args=(connect, keys[i], tally))
        for i in range(threads)
    ]
    task_kwargs = driver_kwargs(server, "aiomysql", autocommit=False)

    async def run_tasks() -> None:
        await asyncio.gather(*(_task_client(task_kwargs, k, tally) for k in keys[threads:]))

    clients.append(threading.Thread(target=lambda: asyncio.run(run_tasks())))
    return clients


@contextmanager
def _running(clients: list[threading.Thread], tally: Tally) -> Iterator[None]:
    """Runs the clients for the body, then joins them; if the body fails, stops them first."""
    for client in clients:
        client.start()
    try:
        yield
    except BaseException:
        tally.stop.set()
        tally.struck.set()
        raise
    finally:
        deadline = time.monotonic() + JOIN_TIMEOUT
        for client in clients:
            client.join(max(0.0, deadline - time.monotonic()))


def _make_table(server: MariaDBServer) -> None:
    server.admin_sql(
        f"CREATE TABLE {server.database}.{TABLE} "
        "(id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, KEY (k)) ENGINE=InnoDB"
    )


def _retries(caplog: pytest.LogCaptureFixture) -> Counter[int | None]:
    """connguard's retries by error code (None: a socket error with no code)."""
    fields = (getattr(record, "connguard", {}) for record in caplog.records)
    return Counter(f["code"] for f in fields if f.get("event") == "retry")


def _assert_every_row_once_and_nothing_given_up(
    server: MariaDBServer, clients: list[threading.Thread], tally: Tally, total: int
) -> None:
    assert not [c for c in clients if c.is_alive()], "clients still running: a hang"
    assert tally.connect_failures == []  # connguard carried every connect through the fault
    assert tally.unwritten == []
    assert [f for f in tally.statement_failures if f.code not in CUT_OFF] == []
    assert [f for f in tally.statement_failures if f.give_up is not None] == []
    rows = server.admin_sql(f"SELECT k, COUNT(*) FROM {server.database}.{TABLE} GROUP BY k")
    per_key = {int(k): int(n) for k, n in rows}
    duplicated = {k: n for k, n in per_key.items() if n != 1}
    missing = set(range(total)) - per_key.keys()
    assert (duplicated, missing, len(per_key)) == ({}, set(), total)
    # Every connection closed, and told the gate so: no slot leaked.
    key = PYMYSQL.target_key(driver_kwargs(server, "pymysql"))
    _, holding, in_use, queued = gate_for(key, POLICY).state()
    assert (holding, in_use, queued) == (0, 0, 0)
    server.wait_for_connections(0)


@pytest.mark.parametrize("adapter", THREAD_ADAPTERS, ids=lambda a: a.name)
def test_killed_and_restarted_mid_storm(
    adapter: SyncAdapter,
    mariadb_server_factory: Callable[..., MariaDBServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """20 threads and 20 tasks; SIGKILL, up again 1 s later."""
    server = mariadb_server_factory(max_connections=MAX_CONNECTIONS)
    _make_table(server)
    total = 40 * ROWS
    tally = Tally(fault_after=total // 3)
    clients = _clients(server, adapter, threads=20, tasks=20, tally=tally)
    with _running(clients, tally):
        assert tally.parked.wait(FAULT_WAIT)
        pid = server.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # a crash: no client hears a goodbye
        # down() reaps it, so the parked COMMITs go to a dead server; it starts
        # mariadbd again on the same datadir (committed rows survive) on exit.
        with server.down(graceful=False):
            tally.struck.set()
            time.sleep(OUTAGE)

    _assert_every_row_once_and_nothing_given_up(server, clients, tally, total)
    # Every parked COMMIT was cut off (its outcome unknown to its client).
    assert len(tally.statement_failures) >= PARKED
    # Connects were refused during the outage, and retried.
    retries = _retries(caplog)
    assert sum(retries[code] for code in NO_SERVER) > 0, retries


def test_frozen_and_resumed_mid_storm(
    mariadb_server_factory: Callable[..., MariaDBServer],
) -> None:
    """10 threads and 10 tasks; SIGSTOP, SIGCONT 3 s later."""
    server = mariadb_server_factory(max_connections=MAX_CONNECTIONS)
    _make_table(server)
    total = 20 * ROWS
    tally = Tally(fault_after=total // 3)
    adapter = next(a for a in THREAD_ADAPTERS if a.name == "pymysql")
    clients = _clients(server, adapter, threads=10, tasks=10, tally=tally)
    with _running(clients, tally):
        assert tally.parked.wait(FAULT_WAIT)
        pid = server.pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        try:
            tally.struck.set()
            time.sleep(FREEZE)
        finally:
            os.kill(pid, signal.SIGCONT)

    _assert_every_row_once_and_nothing_given_up(server, clients, tally, total)
    # The clients set no read timeout: statements, the parked COMMITs too, wait the
    # freeze out; none is cut off.
    assert tally.statement_failures == []
