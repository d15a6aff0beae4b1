"""The gate: one limiter per target for threads and asyncio alike; tickets, slots, no leak."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from time import monotonic
from typing import Any

import pymysql
import pytest

import connguard.runner
from connguard import Policy
from connguard.gate import Gate, Ticket, gate_for, track_close
from connguard.runner import Attempt, run, run_async

# Probes paced so slowly (10 s, no jitter) that none fires during a test.
NO_PROBES: dict[str, object] = {
    "initial_delay": "10s",
    "max_delay": "10s",
    "jitter": "none",
    "deadline": "30s",
}
ONE_AT_A_TIME = Policy.from_dict({"limiter": {"initial_limit": 1, "max_limit": 1}, **NO_PROBES})


class FakeConnection:
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def _held(gate: Gate) -> Ticket:
    """A ticket that got the gate's only slot."""
    holder = gate.ticket()
    holder.join()
    assert holder.wait(monotonic() + 1)
    return holder


def _state(gate: Gate) -> dict[str, int]:
    limit, holding, in_use, queued = gate.state()
    return {"limit": limit, "holding": holding, "in_use": in_use, "queued": queued}


async def _cancelled_while_queued(release_first: bool) -> Gate:
    """A task queued behind the gate's only slot is cancelled (after the slot's release
    granted it, if ``release_first``); the call then orders ``left``."""
    gate = Gate(ONE_AT_A_TIME)
    slot = _held(gate).connected()
    waiter = gate.ticket(asyncio.get_running_loop())
    waiter.join()
    task = asyncio.create_task(waiter.wait_async(monotonic() + 10))
    await asyncio.sleep(0.01)
    assert _state(gate)["queued"] == 1
    if release_first:
        slot.release()  # grants the waiter, which is cancelled before it runs again
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    waiter.left()
    slot.release()  # a no-op when released already
    return gate


@pytest.mark.parametrize("release_first", [False, True], ids=["queued", "just-granted"])
def test_a_task_cancelled_at_the_gate_leaks_no_slot(release_first: bool) -> None:
    gate = asyncio.run(_cancelled_while_queued(release_first))
    assert _state(gate) == {"limit": 1, "holding": 0, "in_use": 0, "queued": 0}


def test_a_connection_closed_from_another_thread_hands_its_slot_over() -> None:
    gate = Gate(ONE_AT_A_TIME)
    conn = track_close(FakeConnection(), _held(gate).connected().release)
    waiter = gate.ticket()
    waiter.join()
    granted: list[bool] = []
    blocked = threading.Thread(target=lambda: granted.append(waiter.wait(monotonic() + 10)))
    blocked.start()
    closer = threading.Thread(target=conn.close)
    closer.start()
    closer.join()
    blocked.join(timeout=10)
    assert granted == [True]
    assert _state(gate)["in_use"] == 1 and conn.closed == 1


def test_a_thread_and_a_task_share_one_limiter() -> None:
    """A slot a thread frees goes to a task on an event loop, and back: one queue."""
    gate = Gate(ONE_AT_A_TIME)
    slot = _held(gate).connected()

    async def task_turn() -> bool:
        ticket = gate.ticket(asyncio.get_running_loop())
        ticket.join()
        granted = await ticket.wait_async(monotonic() + 10)
        ticket.connected().release()
        return granted

    result: list[bool] = []
    loop_thread = threading.Thread(target=lambda: result.append(asyncio.run(task_turn())))
    loop_thread.start()
    deadline = monotonic() + 5
    while _state(gate)["queued"] == 0 and monotonic() < deadline:
        threading.Event().wait(0.005)
    assert _state(gate)["queued"] == 1
    slot.release()  # from this thread: wakes the task on its loop
    loop_thread.join(timeout=10)
    assert result == [True]
    assert _state(gate) == {"limit": 1, "holding": 0, "in_use": 0, "queued": 0}


def test_a_thread_whose_wait_times_out_is_not_granted() -> None:
    gate = Gate(ONE_AT_A_TIME)
    slot = _held(gate).connected()
    waiter = gate.ticket()
    waiter.join()
    assert waiter.wait(monotonic() + 0.05) is False
    waiter.left()
    slot.release()
    assert _state(gate)["in_use"] == 0 and _state(gate)["queued"] == 0


def test_release_is_reported_once_even_if_closed_twice_or_collected() -> None:
    released: list[int] = []
    conn = track_close(FakeConnection(), lambda: released.append(1))
    conn.close()
    conn.close()
    assert released == [1]
    track_close(FakeConnection(), lambda: released.append(2))  # dropped without close
    gc.collect()
    assert released == [1, 2]


def test_release_comes_after_the_drivers_close_returns_even_if_it_raises() -> None:
    order: list[str] = []

    class Closing:
        def __init__(self, fails: bool) -> None:
            self.fails = fails

        def close(self) -> None:
            order.append("close")
            if self.fails:
                raise OSError("socket already gone")

    track_close(Closing(False), lambda: order.append("release")).close()
    with pytest.raises(OSError):
        track_close(Closing(True), lambda: order.append("release")).close()
    assert order == ["close", "release", "close", "release"]


def test_one_gate_per_target_key() -> None:
    policy = Policy.from_dict(NO_PROBES)
    key = ("tcp", "gate-test.invalid", 3306)
    assert gate_for(key, policy) is gate_for(key, policy)
    assert gate_for(key, policy) is not gate_for(("tcp", "gate-test.invalid", 3307), policy)


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

    async def connect_async(self) -> Any:
        return self.connect()


def _attempt(server: FullServer, gate: Gate, policy: Policy, asynchronous: bool = False) -> Attempt:
    fn = server.connect_async if asynchronous else server.connect
    return Attempt(fn, (), {}, None, policy, "", None, gate)


def test_a_refused_caller_waits_at_the_gate_not_in_a_sleep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(connguard.runner, "sleep", slept.append)
    policy = Policy.from_dict({"limiter": {"initial_limit": 2}, **NO_PROBES})
    gate, server = Gate(policy), FullServer(capacity=1)
    first = run(_attempt(server, gate, policy))
    done: list[Any] = []
    second = threading.Thread(target=lambda: done.append(run(_attempt(server, gate, policy))))
    second.start()
    # The second is let in (slow start), refused by the full server, then queued.
    deadline = monotonic() + 5
    while _state(gate)["queued"] == 0 and monotonic() < deadline:
        threading.Event().wait(0.005)
    assert _state(gate)["limit"] == 1 and _state(gate)["queued"] == 1
    first.close()  # hands the slot over at once
    second.join(timeout=5)
    assert len(done) == 1 and slept == []
    assert server.refused == 1
    done[0].close()
    assert _state(gate)["in_use"] == 0


def test_threads_and_tasks_of_one_process_share_the_server_through_one_gate() -> None:
    """8 threads and 8 tasks against a fake server of 3: never more than 3 held at once."""
    policy = Policy.from_dict({"initial_delay": "5ms", "max_delay": "20ms", "deadline": "20s"})
    gate, server = Gate(policy), FullServer(capacity=3)
    peak: list[int] = []

    def hold(conn: Any) -> None:
        with server.lock:
            peak.append(server.open)
        threading.Event().wait(0.01)
        conn.close()

    def thread_client() -> None:
        hold(run(_attempt(server, gate, policy)))

    async def tasks() -> None:
        async def client() -> None:
            conn = await run_async(_attempt(server, gate, policy, asynchronous=True))
            await asyncio.sleep(0.01)
            with server.lock:
                peak.append(server.open)
            conn.close()

        await asyncio.gather(*(client() for _ in range(8)))

    threads = [threading.Thread(target=thread_client) for _ in range(8)]
    threads.append(threading.Thread(target=lambda: asyncio.run(tasks())))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(peak) == 16 and max(peak) <= 3
    assert _state(gate)["in_use"] == 0 and _state(gate)["queued"] == 0
    # One limiter learned the server's capacity from both kinds of caller.
    assert _state(gate)["limit"] <= 3


class _Raising(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        raise KeyboardInterrupt  # an interrupt while the retry is being logged


def test_an_error_while_acting_leaves_the_gate_clean() -> None:
    """Anything raising between the call's actions (here a log handler) must not leave
    the caller queued at the gate, which would wedge it for the whole process."""
    policy = Policy.from_dict(NO_PROBES)
    gate, server = Gate(policy), FullServer(capacity=0)
    handler = _Raising()
    logger = logging.getLogger("connguard")
    logger.addHandler(handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            run(_attempt(server, gate, policy))
    finally:
        logger.removeHandler(handler)
    assert server.refused == 1
    assert _state(gate)["in_use"] == 0 and _state(gate)["queued"] == 0
