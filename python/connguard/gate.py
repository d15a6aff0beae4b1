"""The gate (docs/spec.md section 6.1): one per process and target, for threads and asyncio.

A gate holds the engine's :class:`Limiter` (a state machine) behind a lock,
runs its probe timer, and wakes each waiter where it waits: a thread on its
own event, a task on its own event loop. So the threads and the coroutines of
a process share one limiter per server, as the spec asks. A caller's
:class:`Ticket` is its place at the gate for one call; the connection it opens
holds a :class:`Slot`, released once when it closes.

The gate decides nothing: the limiter grants, and the call (section 7) orders
the reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import weakref
from collections.abc import Hashable
from time import monotonic
from typing import Any, TypeVar

from connguard import _native
from connguard.decision import new_seed

__all__ = ["Gate", "Slot", "Ticket", "gate_for", "track_close"]

T = TypeVar("T")

_waiters = itertools.count(1)


class _Turn:
    """Where one waiter waits: a thread's event, or a future on the task's loop."""

    __slots__ = ("event", "future", "granted", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self.granted = False
        self.loop = loop
        self.event: threading.Event | None = None
        self.future: asyncio.Future[None] | None = None
        if loop is None:
            self.event = threading.Event()
        else:
            self.future = loop.create_future()

    def wake(self) -> None:  # under the gate's lock
        self.granted = True
        if self.event is not None:
            self.event.set()
            return
        assert self.future is not None and self.loop is not None
        try:
            here = asyncio.get_running_loop() is self.loop
        except RuntimeError:
            here = False
        if here:
            _resolve(self.future)
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(_resolve, self.future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Gate:
    """One target's limiter, shared by every thread and event loop of the process."""

    def __init__(self, policy: _native.Policy) -> None:
        self._lock = threading.Lock()
        self._limiter = _native.Limiter(policy, new_seed())
        self._turns: dict[int, _Turn] = {}

    def ticket(self, loop: asyncio.AbstractEventLoop | None = None) -> Ticket:
        """A place for one call: of a thread, or (``loop``) of a task on that loop."""
        return Ticket(self, next(_waiters), loop)

    def _apply(self, actions: _native.LimiterActions) -> None:  # under the lock
        for waiter in actions.granted:
            turn = self._turns.get(waiter)
            if turn is not None:
                turn.wake()
        if actions.probe_in is not None:
            timer = threading.Timer(actions.probe_in, self._probe)
            timer.daemon = True
            timer.start()

    def _probe(self) -> None:
        with self._lock:
            self._apply(self._limiter.probe())

    def _released(self) -> None:
        with self._lock:
            self._apply(self._limiter.released())

    def state(self) -> tuple[int, int, int, int]:
        """(limit, holding, in_use, queued), read under the lock."""
        with self._lock:
            limiter = self._limiter
            return limiter.limit, limiter.holding, limiter.in_use, len(limiter.queue)


class Ticket:
    """One caller's place at a gate for one call: the reports the call orders."""

    __slots__ = ("_gate", "_loop", "_turn", "_waiter")

    def __init__(self, gate: Gate, waiter: int, loop: asyncio.AbstractEventLoop | None) -> None:
        self._gate = gate
        self._waiter = waiter
        self._loop = loop
        self._turn: _Turn | None = None

    def _queue(self, report: str) -> None:
        """Joins (``acquire``) or goes back to the head (``rejected``), and awaits a turn."""
        gate = self._gate
        with gate._lock:
            self._turn = gate._turns[self._waiter] = _Turn(self._loop)
            gate._apply(getattr(gate._limiter, report)(self._waiter))

    def join(self) -> None:
        self._queue("acquire")

    def rejected(self) -> None:
        self._queue("rejected")

    def _granted(self) -> bool:
        with self._gate._lock:
            self._gate._turns.pop(self._waiter, None)
            return self._turn is not None and self._turn.granted

    def wait(self, until: float) -> bool:
        """A thread waits for its turn until ``monotonic()`` reads ``until``: granted?"""
        assert self._turn is not None and self._turn.event is not None
        self._turn.event.wait(max(0.0, until - monotonic()))
        return self._granted()

    async def wait_async(self, until: float) -> bool:
        """A task waits for its turn until ``monotonic()`` reads ``until``: granted?

        Cancelled, it raises at once; the call then reports ``left``.
        """
        future = self._turn.future if self._turn is not None else None
        assert future is not None and self._turn is not None
        if not self._turn.granted:
            loop = asyncio.get_running_loop()
            timer = loop.call_at(loop.time() + max(0.0, until - monotonic()), _resolve, future)
            try:
                await future
            finally:
                timer.cancel()
        return self._granted()

    def connected(self) -> Slot:
        gate = self._gate
        with gate._lock:
            gate._apply(gate._limiter.connected(self._waiter))
        return Slot(gate)

    def left(self) -> None:
        gate = self._gate
        with gate._lock:
            gate._turns.pop(self._waiter, None)
            gate._apply(gate._limiter.left(self._waiter))


class Slot:
    """A connection the gate counts: ``release()`` reports its close, once."""

    __slots__ = ("_gate", "_lock")

    def __init__(self, gate: Gate) -> None:
        self._gate: Gate | None = gate
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            gate, self._gate = self._gate, None
        if gate is not None:
            gate._released()

    @property
    def held(self) -> bool:
        return self._gate is not None


_registry_lock = threading.Lock()
_gates: dict[Hashable, Gate] = {}


def gate_for(key: Hashable, policy: _native.Policy) -> Gate:
    """The process's gate for a target (a driver's normalized key); the first policy sets its
    limits."""
    with _registry_lock:
        found = _gates.get(key)
        if found is None:
            found = _gates[key] = Gate(policy)
        return found


def track_close(conn: T, release: Any) -> T:
    """``conn`` with its ``close`` (and ``disconnect``) calling ``release()`` once.

    A connection dropped without close is released when it is collected.
    """
    done = threading.Lock()

    def once() -> None:
        if done.acquire(blocking=False):
            release()

    for name in ("close", "disconnect"):
        original: Any = getattr(conn, name, None)
        if callable(original):

            def closing(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                once()
                return _original(*args, **kwargs)

            setattr(conn, name, closing)
    with contextlib.suppress(TypeError):  # not weak-referenceable: close() still reports
        weakref.finalize(conn, once)
    return conn
