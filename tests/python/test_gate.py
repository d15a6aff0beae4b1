"""The limiter's gates for threads and asyncio: queueing, handoff, cancellation, no leaked slot."""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Any

import pymysql
import pytest

import connguard.retry
from connguard import Policy
from connguard.limiter import AsyncGate, Gate, new_waiter, track_close
from connguard.retry import call_gated

# Probes paced so slowly (10 s, no jitter) that none fires during a test.
NO_PROBES = {"initial_delay": "10s", "max_delay": "10s", "jitter": "none", "deadline": "30s"}
ONE_AT_A_TIME = Policy.from_dict({"limiter": {"initial_limit": 1, "max_limit": 1}, **NO_PROBES})


class FakeConnection:
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_async_waiter_cancelled_in_the_queue_leaves_it_and_leaks_no_slot() -> None:
    async def run() -> None:
        gate = AsyncGate(ONE_AT_A_TIME, asyncio.get_running_loop())
        holder, waiter = new_waiter(), new_waiter()
        gate.join(holder)
        assert await gate.wait(holder, 1)
        gate.connected(holder)
        gate.join(waiter)
        task = asyncio.create_task(gate.wait(waiter, 10))
        await asyncio.sleep(0.01)
        assert gate.limiter.queue == [waiter]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert gate.limiter.queue == []
        gate.released()
        assert gate.limiter.in_use == 0

    asyncio.run(run())


def test_async_waiter_cancelled_just_after_its_grant_gives_the_slot_back() -> None:
    async def run() -> None:
        gate = AsyncGate(ONE_AT_A_TIME, asyncio.get_running_loop())
        holder, waiter = new_waiter(), new_waiter()
        gate.join(holder)
        await gate.wait(holder, 1)
        gate.connected(holder)
        gate.join(waiter)
        task = asyncio.create_task(gate.wait(waiter, 10))
        await asyncio.sleep(0.01)
        gate.released()  # grants the waiter...
        task.cancel()  # ...which is cancelled before it runs again
        with pytest.raises(asyncio.CancelledError):
            await task
        assert gate.limiter.in_use == 0 and gate.limiter.queue == []

    asyncio.run(run())


def test_a_connection_closed_from_another_thread_hands_its_slot_over() -> None:
    gate = Gate(ONE_AT_A_TIME)
    holder, waiter = new_waiter(), new_waiter()
    gate.join(holder)
    assert gate.wait(holder, 1)
    gate.connected(holder)
    conn = track_close(FakeConnection(), gate.released)
    gate.join(waiter)
    granted: list[bool] = []
    blocked = threading.Thread(target=lambda: granted.append(gate.wait(waiter, 10)))
    blocked.start()
    closer = threading.Thread(target=conn.close)
    closer.start()
    closer.join()
    blocked.join(timeout=10)
    assert granted == [True]
    assert gate.limiter.in_use == 1 and conn.closed == 1


def test_a_thread_whose_wait_times_out_leaves_the_queue() -> None:
    gate = Gate(ONE_AT_A_TIME)
    holder, waiter = new_waiter(), new_waiter()
    gate.join(holder)
    gate.wait(holder, 1)
    gate.connected(holder)
    gate.join(waiter)
    assert gate.wait(waiter, 0.05) is False
    assert gate.limiter.queue == []
    gate.released()
    assert gate.limiter.in_use == 0


def test_release_is_reported_once_even_if_closed_twice_or_collected() -> None:
    released: list[int] = []
    conn = track_close(FakeConnection(), lambda: released.append(1))
    conn.close()
    conn.close()
    assert released == [1]
    track_close(FakeConnection(), lambda: released.append(2))  # dropped without close
    gc.collect()
    assert released == [1, 2]


class FullServer:
    """A fake server of ``capacity`` connections: connect raises 1040 when full."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.open = 0
        self.refused = 0
        self.lock = threading.Lock()

    def connect(self) -> Any:
        with self.lock:
            if self.open >= self.capacity:
                self.refused += 1
                raise pymysql.err.OperationalError(1040, "Too many connections")
            self.open += 1
        server = self

        class Connection(FakeConnection):
            def close(self) -> None:
                super().close()
                with server.lock:
                    server.open -= 1

        return Connection()


def test_a_refused_caller_waits_in_the_queue_not_in_a_sleep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(connguard.retry, "sleep", slept.append)
    policy = Policy.from_dict({"limiter": {"initial_limit": 2}, **NO_PROBES})
    gate, server = Gate(policy), FullServer(capacity=1)
    first = call_gated(policy, server.connect, (), {}, target=None, service="", gate=gate)
    done: list[Any] = []
    second = threading.Thread(
        target=lambda: done.append(
            call_gated(policy, server.connect, (), {}, target=None, service="", gate=gate)
        )
    )
    second.start()
    # The second is let in (slow start), refused by the full server, then queued.
    for _ in range(1000):
        limit, _in_use, queue = gate.snapshot()
        if queue:
            break
        threading.Event().wait(0.005)
    assert (limit, len(queue)) == (1, 1)
    first.close()  # hands the slot over at once
    second.join(timeout=5)
    assert len(done) == 1 and slept == []
    assert server.refused == 1
    done[0].close()
    assert gate.limiter.in_use == 0
