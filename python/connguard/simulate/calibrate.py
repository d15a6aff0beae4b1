"""The model's timing, measured on a real server: ``python -m connguard.simulate.calibrate``.

What the storm's python-async clients do, in a fresh process (its first
connect pays what a storm worker's first one pays), each figure the median
of ``samples``:

- one at a time on an otherwise idle server, wall and CPU time: connects
  through ``connguard.aiomysql``, ``SELECT SLEEP(hold)``, closes to the
  server's end of stream; connects a full server refuses (plain aiomysql:
  connguard would retry them), and the part of one before the server
  accepts it (aiomysql's connection object and its socket);
- a busy phase: as many callers as the server has free slots open 400
  connections in all through connguard (connect, ``SELECT SLEEP(0)``, close
  in turn), the CPU per connection of an event loop that nearly always has a
  next step, against which the steps measured alone show what waking an
  idle loop costs; and the server's CPU over it (``/proc/PID/stat``, when
  its process id is given);
- how long after a close's end of stream the server counts the connection
  out, polling ``Threads_connected`` over the admin port (which takes no
  slot): the time to the first poll that sees it, less that poll's round
  trip; the server is usually quicker than a poll, so this is a lower
  estimate;
- a CPU-bound loop, before and after: how much of a core the machine's
  other load leaves.

:func:`derive` turns them into a :class:`~connguard.simulate.timing.Timing`.
The job is one JSON line on stdin, as a storm worker's: ``{"connect": {host,
port, user, password, database}, "admin": {host, port, user, password} or
null, "server_pid": int or null, "hold": seconds, "samples": int}`` (the
password travels on stdin, never on a command line); the answer one JSON
line of medians, in seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from time import monotonic, process_time
from typing import Any

from connguard.simulate.timing import Timing

__all__ = ["derive", "measure"]

# Enough for stable medians; a sample takes about a millisecond.
SAMPLES = 200
# The storm's hold: SLEEP(hold) overruns it by a little, which the query's wait includes.
HOLD = 0.05
# The busy phase's connections, over as many callers as the server has free slots.
BUSY = 400
# Bounds a measurement run, whatever the server does.
TIMEOUT = 120.0


def measure(
    connect: dict[str, Any],
    admin: dict[str, Any] | None = None,
    server_pid: int | None = None,
    hold: float = HOLD,
    samples: int = SAMPLES,
) -> Timing:
    """Measures a server (``connect``: the storm's account; ``admin``: an account whose
    connections take no slot, for the count; ``server_pid``: for its CPU; ``hold``: the
    query's ``SLEEP``) from a fresh process, and derives the model's timing, its ``cores``
    this machine's."""
    job = {
        "connect": connect,
        "admin": admin,
        "server_pid": server_pid,
        "hold": hold,
        "samples": samples,
    }
    done = subprocess.run(
        [sys.executable, "-m", "connguard.simulate.calibrate"],
        input=json.dumps(job) + "\n",
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        said = done.stderr.strip()[-2000:]
        if connect.get("password"):  # errors name what failed, never the job; to be sure
            said = said.replace(str(connect["password"]), "***")
        raise RuntimeError(f"the timing measurement failed: {said}")
    return derive(json.loads(done.stdout), cores=os.cpu_count())


def derive(m: dict[str, float], cores: int | None) -> Timing:
    """The timing from the measured medians.

    A client CPU step measured alone includes waking the event loop; in the
    busy phase the loop runs steps back to back, and the CPU per connection
    there over the sum of the steps measured alone (at most 1) is what each
    step costs a busy process; ``wake`` is what it costs more when its
    process was idle.
    Every CPU figure is then times ``stretch``: how much longer than its CPU
    time a CPU-bound loop took on the clock while measuring (the machine's
    other load). A wait is the step's wall time less the CPU in it, as
    stretched.
    """
    stretch = max(1.0, m["stretch"])
    server = m.get("server_cpu", 0.0) * stretch
    alone = {
        "open_cpu": min(m["open_cpu"], m["refused_cpu"]),
        "auth_cpu": max(0.0, m["refused_cpu"] - m["open_cpu"]),
        "setup_cpu": max(0.0, m["connect_cpu"] - m["refused_cpu"]),
        "query_cpu": m["query_cpu"],
        "close_cpu": m["close_cpu"],
    }
    busy = min(1.0, m["busy_cpu"] / sum(alone.values()))

    def wait(wall: float, spent: float) -> float:
        return max(0.0, wall - spent * stretch)

    return Timing(
        warmup=max(0.0, m["first_connect_cpu"] - m["connect_cpu"]) * stretch,
        wake=1 / busy - 1,
        auth_wait=max(0.0, wait(m["refused_wall"], m["refused_cpu"]) - server),
        server_cpu=server,
        setup_wait=wait(m["connect_wall"] - m["refused_wall"], alone["setup_cpu"]),
        query_wait=wait(m["query_wall"] - m["hold"], m["query_cpu"]),
        close_wait=wait(m["close_wall"], m["close_cpu"]),
        free_delay=m["free_delay"],
        cores=cores,
        **{name: cpu * busy * stretch for name, cpu in alone.items()},
    )


# The measuring process


def _server_cpu(pid: int) -> float:
    """The server's user and system CPU seconds so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _timed(step: Callable[[], Awaitable[Any]]) -> tuple[float, float, Any]:
    wall, cpu = monotonic(), process_time()
    value = await step()
    return monotonic() - wall, process_time() - cpu, value


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _stretch(chunks: int = 50, chunk: float = 0.001) -> float:
    """Clock time per CPU second of a CPU-bound loop: 1 on an idle machine."""
    wall, cpu = monotonic(), process_time()
    for _ in range(chunks):
        until = process_time() + chunk
        while process_time() < until:
            pass
    return (monotonic() - wall) / (process_time() - cpu)


async def _measure(job: dict[str, Any]) -> dict[str, float]:
    import connguard.aiomysql
    from connguard.events import set_hooks
    from connguard.storm.strategies import guarded_policy

    # As a storm worker (without --metrics): no hook. The exporters installed here would
    # otherwise be imported at the first event, some 30 ms of CPU the storm never pays.
    set_hooks([])

    connect = dict(job["connect"])
    connect["db"] = connect.pop("database")
    samples = int(job["samples"])
    hold = float(job["hold"])
    policy = guarded_policy(30.0)
    m: dict[str, float] = {"hold": hold}
    stretch = _stretch()

    async def guarded() -> Any:
        return await connguard.aiomysql.connect(policy=policy, **connect)

    _, m["first_connect_cpu"], conn = await _timed(guarded)
    await conn.ensure_closed()
    walls, cpus, qwalls, qcpus, cwalls, ccpus = [], [], [], [], [], []
    for _ in range(samples):
        wall, cpu, conn = await _timed(guarded)
        walls.append(wall)
        cpus.append(cpu)

        async def query(conn: Any = conn) -> None:
            async with conn.cursor() as cursor:
                await cursor.execute(f"SELECT SLEEP({hold:.6f})")
                await cursor.fetchall()

        wall, cpu, _ = await _timed(query)
        qwalls.append(wall)
        qcpus.append(cpu)
        wall, cpu, _ = await _timed(conn.ensure_closed)  # to the server's end of stream
        cwalls.append(wall)
        ccpus.append(cpu)
    m |= {"connect_wall": _median(walls), "connect_cpu": _median(cpus)}
    m |= {"query_wall": _median(qwalls), "query_cpu": _median(qcpus)}
    m |= {"close_wall": _median(cwalls), "close_cpu": _median(ccpus)}
    refused, slots = await _refused(connect, samples)
    m |= refused
    pid = job.get("server_pid")
    before = _server_cpu(int(pid)) if pid else 0.0
    m["busy_cpu"], made = await _busy(guarded, slots, BUSY)
    if pid:  # the server's CPU per connection, as busy as the clients
        m["server_cpu"] = (_server_cpu(int(pid)) - before) / made
    admin = job.get("admin")
    m["free_delay"] = await _free_delay(guarded, admin, samples) if admin else 0.0
    m["stretch"] = (stretch + _stretch()) / 2  # before and after: the load moves
    return m


async def _busy(
    guarded: Callable[[], Awaitable[Any]], callers: int, connections: int
) -> tuple[float, int]:
    """CPU per connection of ``callers`` (the server's free slots: none is refused) opening
    about ``connections`` through connguard, each connect, ``SELECT SLEEP(0)``, close in
    turn: the event loop nearly always has a next step to run. And how many it opened."""

    async def caller(rounds: int) -> None:
        for _ in range(rounds):
            conn = await guarded()
            async with conn.cursor() as cursor:
                await cursor.execute("SELECT SLEEP(0)")
                await cursor.fetchall()
            await conn.ensure_closed()

    rounds = max(1, connections // callers)
    cpu = process_time()
    await asyncio.gather(*(caller(rounds) for _ in range(callers)))
    return (process_time() - cpu) / (rounds * callers), rounds * callers


async def _refused(connect: dict[str, Any], samples: int) -> tuple[dict[str, float], int]:
    """Fills the server, then times connects it refuses (plain aiomysql: no retry), and
    what a connect spends before the server accepts it (the object, the socket)."""
    import aiomysql
    from aiomysql.connection import Connection

    held = []
    try:
        while True:
            try:
                held.append(await aiomysql.connect(**connect))
            except aiomysql.OperationalError as exc:
                if exc.args[0] != 1040:
                    raise
                break
            if len(held) > 100_000:
                raise RuntimeError("the server never refused: is max_connections enforced?")
        walls, cpus, opens = [], [], []
        for _ in range(samples):
            cpu = process_time()
            Connection(**connect)
            _, writer = await asyncio.open_connection(connect["host"], connect["port"])
            opens.append(process_time() - cpu)
            writer.close()
            wall, cpu = monotonic(), process_time()
            try:
                (await aiomysql.connect(**connect)).close()
                raise RuntimeError("a connect to the full server succeeded: another client left")
            except aiomysql.OperationalError:
                pass
            walls.append(monotonic() - wall)
            cpus.append(process_time() - cpu)
        measured = {
            "refused_wall": _median(walls),
            "refused_cpu": _median(cpus),
            "open_cpu": _median(opens),
        }
        return measured, len(held)
    finally:
        for conn in held:
            conn.close()


async def _free_delay(
    guarded: Callable[[], Awaitable[Any]], admin: dict[str, Any], samples: int
) -> float:
    """From a close's end of stream until ``Threads_connected`` no longer counts it."""
    import aiomysql

    watch = await aiomysql.connect(**admin)
    try:
        async with watch.cursor() as cursor:

            async def count() -> int:
                await cursor.execute("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
                return int((await cursor.fetchone())[1])

            delays = []
            for _ in range(samples):
                conn = await guarded()
                counted = await count()
                await conn.ensure_closed()
                closed = monotonic()
                polls = 0
                while True:
                    sent = monotonic()
                    if await count() < counted:
                        break
                    polls += 1
                    if polls > 10_000:
                        raise RuntimeError("the server never counted a closed connection out")
                seen = monotonic()
                delays.append(max(0.0, seen - closed - (seen - sent)))
            return _median(delays)
    finally:
        watch.close()


def main() -> int:
    job = json.loads(sys.stdin.readline())
    print(json.dumps(asyncio.run(_measure(job))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
