"""A storm worker process: ``python -m connguard.storm.worker``.

The protocol, shared by the workers of every language:

1. The storm writes one JSON line on the worker's stdin: ``{"adapter",
   "strategy", "clients", "hold", "deadline", "connect": {"host", "port",
   "user", "password", "database"}}`` (the password travels on stdin, never on
   a command line).
2. The worker prepares its clients and writes ``ready``.
3. The storm writes ``go`` to every worker at once.
4. Each client connects, runs ``SELECT SLEEP(hold)``, closes, and the worker
   writes one JSON line for it: ``{"ok": bool, "code": int|null, "wait": s,
   "done": s}``, times in seconds since ``go`` (``wait``: until connected or
   failed; ``done``: until closed); then ``{"end": true}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import threading
from collections.abc import Callable
from time import monotonic
from typing import Any

from connguard import error_code
from connguard.storm.strategies import async_connect, sync_connect


class _Emitter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.start = 0.0

    def client(self, ok: bool, code: int | None, waited: float) -> None:
        line = json.dumps(
            {"ok": ok, "code": code, "wait": waited, "done": monotonic() - self.start}
        )
        with self._lock:
            print(line, flush=True)


def _run_threads(job: dict[str, Any], emit: _Emitter, go: Callable[[], None]) -> None:
    connect = sync_connect(job["strategy"], job["connect"], job["deadline"])
    sql = f"SELECT SLEEP({float(job['hold'])})"
    started = threading.Event()

    def client() -> None:
        started.wait()
        try:
            conn = connect()
        except Exception as exc:
            emit.client(False, error_code(exc), monotonic() - emit.start)
            return
        waited = monotonic() - emit.start
        try:
            cursor = conn.cursor()
            cursor.execute(sql)
            cursor.fetchall()
            cursor.close()
        except Exception as exc:
            emit.client(False, error_code(exc), waited)
            return
        finally:
            with contextlib.suppress(Exception):  # a failed close must not lose the record
                conn.close()
        emit.client(True, None, waited)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(job["clients"])]
    for thread in threads:
        thread.start()
    go()
    started.set()
    for thread in threads:
        thread.join()


def _run_tasks(job: dict[str, Any], emit: _Emitter, go: Callable[[], None]) -> None:
    connect = async_connect(job["strategy"], job["connect"], job["deadline"])
    sql = f"SELECT SLEEP({float(job['hold'])})"

    async def client() -> None:
        try:
            conn = await connect()
        except Exception as exc:
            emit.client(False, error_code(exc), monotonic() - emit.start)
            return
        waited = monotonic() - emit.start
        try:
            async with conn.cursor() as cursor:
                await cursor.execute(sql)
                await cursor.fetchall()
        except Exception as exc:
            emit.client(False, error_code(exc), waited)
            return
        finally:
            with contextlib.suppress(Exception):  # a failed close must not lose the record
                await conn.ensure_closed()  # QUIT first: the server frees the slot at once
        emit.client(True, None, waited)

    async def storm() -> None:
        go()
        await asyncio.gather(*(client() for _ in range(job["clients"])))

    asyncio.run(storm())


RUNNERS = {"python-sync": _run_threads, "python-async": _run_tasks}


def main() -> int:
    # The storm counts every outcome itself; a retry line per client would drown the terminal.
    logging.getLogger("connguard").setLevel(logging.CRITICAL)
    job = json.loads(sys.stdin.readline())
    connect = job["connect"]
    if job["adapter"] == "python-async":  # aiomysql names the database db
        connect["db"] = connect.pop("database")
    run = RUNNERS[job["adapter"]]
    emit = _Emitter()

    def go() -> None:
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            raise SystemExit("storm worker: expected 'go'")
        emit.start = monotonic()

    run(job, emit, go)
    print(json.dumps({"end": True}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
