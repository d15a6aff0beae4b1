"""A storm worker process: ``python -m connguard.storm.worker``.

The protocol, shared by the workers of every language:

1. The storm writes one JSON line on the worker's stdin: ``{"adapter",
   "strategy", "clients", "hold", "holds", "deadline", "slots", "connect":
   {"host", "port", "user", "password", "database"}}`` (the password travels
   on stdin, never on a command line, and no worker ever writes it out).
   ``holds`` is each client's hold in seconds (``hold`` for every client when
   absent); ``slots`` the process's share of the server's free slots, the
   size of the ``oracle`` strategy's semaphore (required by it alone). The
   pool scenario adds ``"pool"`` (the pool's size) and ``"queries"`` (this
   process's queries, round-robin over its clients); the Python threads
   worker alone runs it. ``"metrics": true`` asks for the process's metrics
   (step 5).
2. The worker prepares its clients and writes ``ready``.
3. The storm writes ``go`` to every worker at once.
4. Each client connects, runs ``SELECT SLEEP(hold)``, closes, and the worker
   writes one JSON line for it: ``{"ok": bool, "code": int|null, "wait": s,
   "done": s}``, times in seconds since ``go`` (``wait``: until connected or
   failed; ``done``: until closed); then ``{"end": true}``. A pool scenario's
   client runs its queries, each on a connection from the pool, and its line
   adds ``"queries"`` (how many it ran) and ``"stranded"`` (it was still
   waiting for a connection at the deadline).
5. With ``"metrics": true`` in the job, the worker installs its language's
   in-memory metrics before its first client and, after the last client line
   and before ``{"end": true}``, writes ``{"metrics": SNAPSHOT}``: the
   process's snapshot of docs/spec.md section 8.3. Only the ``connguard``
   strategy goes through connguard; the others' snapshot is ``[]``, still
   written.

The ``oracle`` strategy is the best a client can do knowing the server's free
capacity: a counting semaphore of ``slots`` around plain connect, query and
close, released only once the server has closed its end of the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from time import monotonic
from typing import Any

from connguard import error_code
from connguard.storm.scenario import split
from connguard.storm.strategies import (
    async_close_after_the_server,
    async_connect,
    close_after_the_server,
    sync_connect,
)


class _Emitter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.start = 0.0

    def since_go(self) -> float:
        return monotonic() - self.start

    def client(self, ok: bool, code: int | None, waited: float, **extra: Any) -> None:
        line = json.dumps(
            {"ok": ok, "code": code, "wait": waited, "done": self.since_go(), **extra}
        )
        with self._lock:
            print(line, flush=True)


def _holds(job: dict[str, Any]) -> list[float]:
    holds = job.get("holds")
    if holds is None:
        return [float(job["hold"])] * job["clients"]
    if len(holds) != job["clients"]:
        raise SystemExit("storm worker: the job's holds must have one hold per client")
    return [float(h) for h in holds]


def _slots(job: dict[str, Any]) -> int:
    slots = job.get("slots")
    if not isinstance(slots, int) or slots < 1:
        raise SystemExit('storm worker: the oracle needs "slots" (an integer >= 1)')
    return slots


def _sql(hold: float) -> str:
    return f"SELECT SLEEP({hold:.6f})"


def _run_threads(job: dict[str, Any], emit: _Emitter, go: Callable[[], None]) -> None:
    strategy = job["strategy"]
    connect = sync_connect(strategy, job["connect"], job["deadline"])
    oracle = threading.BoundedSemaphore(_slots(job)) if strategy == "oracle" else None
    close = close_after_the_server if oracle is not None else lambda conn: conn.close()
    started = threading.Event()

    def client(hold: float) -> None:
        try:
            conn = connect()
        except Exception as exc:
            emit.client(False, error_code(exc), emit.since_go())
            return
        waited = emit.since_go()
        try:
            cursor = conn.cursor()
            cursor.execute(_sql(hold))
            cursor.fetchall()
            cursor.close()
        except Exception as exc:
            emit.client(False, error_code(exc), waited)
            return
        finally:
            with contextlib.suppress(Exception):  # a failed close must not lose the record
                close(conn)
        emit.client(True, None, waited)

    def run(hold: float) -> None:
        started.wait()
        if oracle is None:
            client(hold)
            return
        with oracle:  # released once the server has closed its end
            client(hold)

    threads = [threading.Thread(target=run, args=(h,), daemon=True) for h in _holds(job)]
    for thread in threads:
        thread.start()
    go()
    started.set()
    for thread in threads:
        thread.join()


def _run_tasks(job: dict[str, Any], emit: _Emitter, go: Callable[[], None]) -> None:
    strategy = job["strategy"]
    connect = async_connect(strategy, job["connect"], job["deadline"])
    slots = _slots(job) if strategy == "oracle" else 0
    holds = _holds(job)

    async def client(hold: float) -> None:
        try:
            conn = await connect()
        except Exception as exc:
            emit.client(False, error_code(exc), emit.since_go())
            return
        waited = emit.since_go()
        try:
            async with conn.cursor() as cursor:
                await cursor.execute(_sql(hold))
                await cursor.fetchall()
        except Exception as exc:
            emit.client(False, error_code(exc), waited)
            return
        finally:
            with contextlib.suppress(Exception):  # a failed close must not lose the record
                if strategy == "oracle":
                    await async_close_after_the_server(conn)
                else:
                    await conn.ensure_closed()  # QUIT first: the server frees the slot at once
        emit.client(True, None, waited)

    async def storm() -> None:
        oracle = asyncio.Semaphore(slots) if slots else None

        async def run(hold: float) -> None:
            if oracle is None:
                await client(hold)
                return
            async with oracle:  # released once the server has closed its end
                await client(hold)

        go()
        await asyncio.gather(*(run(hold) for hold in holds))

    asyncio.run(storm())


class _FixedPool:
    """The pool scenario's oracle: at most ``size`` plain connections, opened on demand
    and shared FIFO by the threads."""

    def __init__(self, connect: Callable[[], Any], size: int) -> None:
        self._connect = connect
        self._idle: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()
        self._opened = 0
        self._size = size
        self._all: list[Any] = []

    @contextlib.contextmanager
    def acquire(self, until: float) -> Iterator[Any]:
        conn = None
        with self._lock:
            if self._idle.empty() and self._opened < self._size:
                self._opened += 1
                opens = True
            else:
                opens = False
        if opens:
            try:
                conn = self._connect()
            except BaseException:
                with self._lock:
                    self._opened -= 1
                raise
            with self._lock:
                self._all.append(conn)
        else:
            conn = self._idle.get(timeout=max(0.0, until - monotonic()))  # queue.Empty: stranded
        try:
            yield conn
        finally:
            self._idle.put(conn)

    def close(self) -> None:
        for conn in self._all:
            with contextlib.suppress(Exception):
                close_after_the_server(conn)


# A pool as the pool scenario uses it: acquire(until) -> a connection for a with block
# (raising when none comes by ``until``), and close().
_Acquire = Callable[[float], contextlib.AbstractContextManager[Any]]


def _scenario_pool(job: dict[str, Any]) -> tuple[_Acquire, Callable[[], None]]:
    """The strategy's pool: ``oracle`` min(pool, share) plain connections; ``connguard``
    ``connguard.pool.Pool``; ``none`` and ``tenacity`` SQLAlchemy's QueuePool (what
    connguard's Pool is built on) over the plain or the tenacity-wrapped connect."""
    import mariadb
    from sqlalchemy.pool import QueuePool

    from connguard.pool import Pool
    from connguard.storm.strategies import guarded_policy

    strategy, size, deadline = job["strategy"], int(job["pool"]), float(job["deadline"])
    if strategy == "oracle":
        fixed = _FixedPool(functools.partial(mariadb.connect, **job["connect"]), _slots(job))
        return fixed.acquire, fixed.close
    if strategy == "connguard":
        # No ping on checkout: the oracle pings not either, and the server drops nothing here.
        guarded = Pool(
            functools.partial(mariadb.connect, **job["connect"]),
            size,
            policy=guarded_policy(deadline),
            pre_ping=False,
        )
        return (lambda until: guarded.acquire()), guarded.close
    creator = sync_connect(strategy, job["connect"], deadline)
    plain = QueuePool(creator, pool_size=size, max_overflow=0, timeout=deadline)

    @contextlib.contextmanager
    def checkout(until: float) -> Iterator[Any]:
        conn = plain.connect()
        try:
            yield conn
        finally:
            conn.close()

    return checkout, plain.dispose


def _run_pool(job: dict[str, Any], emit: _Emitter, go: Callable[[], None]) -> None:
    """The pool scenario: a pool per process, this process's queries over its threads."""
    from sqlalchemy import exc as sa_exc

    from connguard.errors import PoolTimeout

    acquire, close = _scenario_pool(job)
    deadline = float(job["deadline"])
    holds = _holds(job)
    # What a client gets when no connection came in time: it is stranded.
    timeouts = (queue.Empty, PoolTimeout, sa_exc.TimeoutError)
    started = threading.Event()

    def client(hold: float, queries: int) -> None:
        started.wait()
        until = emit.start + deadline
        waited: float | None = None
        done = 0
        for _ in range(queries):
            if monotonic() >= until:  # out of time with queries left
                emit.client(False, None, waited or emit.since_go(), queries=done, stranded=True)
                return
            try:
                with acquire(until) as conn:
                    if waited is None:
                        waited = emit.since_go()
                    cursor = conn.cursor()
                    cursor.execute(_sql(hold))
                    cursor.fetchall()
                    cursor.close()
            except Exception as exc:
                # Waiting for a connection (in the pool's queue or a connect) past the deadline.
                stranded = isinstance(exc, timeouts) or monotonic() >= until
                code = None if stranded else error_code(exc)
                waited = waited or emit.since_go()
                emit.client(False, code, waited, queries=done, stranded=stranded)
                return
            done += 1
        emit.client(True, None, waited or emit.since_go(), queries=done, stranded=False)

    counts = split(int(job["queries"]), len(holds))
    threads = [
        threading.Thread(target=client, args=(hold, n), daemon=True)
        for hold, n in zip(holds, counts, strict=True)
    ]
    for thread in threads:
        thread.start()
    go()
    started.set()
    try:
        for thread in threads:
            thread.join()
    finally:
        with contextlib.suppress(Exception):
            close()


RUNNERS = {"python-sync": _run_threads, "python-async": _run_tasks}


def _observe(job: dict[str, Any]) -> Callable[[], list[dict[str, Any]]] | None:
    """With ``"metrics": true``: the in-memory metrics, the run's only hook (the
    connguard strategy alone emits events); what the worker's snapshot line shows."""
    from connguard.events import set_hooks

    # Only the hooks asked for: exporters installed in the environment would cost each
    # process their import (some 30 ms of CPU) at its first event, and nothing reads them.
    set_hooks([])
    if not job.get("metrics"):
        return None
    if job["strategy"] != "connguard":
        return list
    from connguard.metrics import Metrics

    metrics = Metrics()
    set_hooks([metrics])
    return metrics.snapshot


def main() -> int:
    # The storm counts every outcome itself; a retry line per client would drown the terminal.
    logging.getLogger("connguard").setLevel(logging.CRITICAL)
    job = json.loads(sys.stdin.readline())
    connect = job["connect"]
    if job["adapter"] == "python-async":  # aiomysql names the database db
        connect["db"] = connect.pop("database")
    if "pool" in job:
        if job["adapter"] != "python-sync":
            raise SystemExit("storm worker: the pool scenario runs with python-sync only")
        run = _run_pool
    else:
        run = RUNNERS[job["adapter"]]
    emit = _Emitter()
    snapshot = _observe(job)

    def go() -> None:
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            raise SystemExit("storm worker: expected 'go'")
        emit.start = monotonic()

    run(job, emit, go)
    if snapshot is not None:
        print(json.dumps({"metrics": snapshot()}), flush=True)
    print(json.dumps({"end": True}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
