"""Load control per process and target (docs/spec.md section 6), for threads and asyncio.

The engine's :class:`Limiter` is a state machine: it answers each event with
the waiters that may attempt a connection now and, when waiters remain that
nobody can let in, when to probe the server. A gate runs it: behind a lock
with threading timers (:class:`Gate`) or on the event loop (:class:`AsyncGate`).
Every connection connguard opens is tracked until it closes, so a close
hands its slot to the next waiter at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from connguard import _native
from connguard.decision import new_seed

__all__ = ["AsyncGate", "Gate", "async_gate", "gate", "track_close"]

T = TypeVar("T")

_waiters = itertools.count(1)


def new_waiter() -> int:
    return next(_waiters)


class Gate:
    """One target's limiter for threads."""

    def __init__(self, policy: _native.Policy) -> None:
        self._lock = threading.Lock()
        self._limiter = _native.Limiter(policy, new_seed())
        self._turns: dict[int, threading.Event] = {}

    def _apply(self, actions: _native.LimiterActions) -> None:  # under the lock
        for waiter in actions.granted:
            turn = self._turns.get(waiter)
            if turn is not None:
                turn.set()
        if actions.probe_in is not None:
            timer = threading.Timer(actions.probe_in, self._probe)
            timer.daemon = True
            timer.start()

    def _probe(self) -> None:
        with self._lock:
            self._apply(self._limiter.probe())

    def join(self, waiter: int) -> None:
        with self._lock:
            self._turns[waiter] = threading.Event()
            self._apply(self._limiter.acquire(waiter))

    def wait(self, waiter: int, timeout: float) -> bool:
        """Until the waiter may attempt (True) or ``timeout`` passes (False: it left)."""
        turn = self._turns[waiter]
        granted = turn.wait(max(0.0, timeout))
        with self._lock:
            self._turns.pop(waiter, None)
            if not (granted or turn.is_set()):
                self._apply(self._limiter.left(waiter))
            return granted or turn.is_set()

    def connected(self, waiter: int) -> None:
        with self._lock:
            self._apply(self._limiter.connected(waiter))

    def rejected(self, waiter: int) -> None:
        """Refused for capacity: back to the head of the queue (wait() again)."""
        with self._lock:
            self._turns[waiter] = threading.Event()
            self._apply(self._limiter.rejected(waiter))

    def left(self, waiter: int) -> None:
        with self._lock:
            self._turns.pop(waiter, None)
            self._apply(self._limiter.left(waiter))

    def released(self) -> None:
        with self._lock:
            self._apply(self._limiter.released())

    @property
    def limiter(self) -> _native.Limiter:
        return self._limiter

    def snapshot(self) -> tuple[int, int, list[int]]:
        """(limit, in_use, queue), read under the gate's lock."""
        with self._lock:
            return self._limiter.limit, self._limiter.in_use, self._limiter.queue


class AsyncGate:
    """One target's limiter for the tasks of one event loop."""

    def __init__(self, policy: _native.Policy, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._limiter = _native.Limiter(policy, new_seed())
        self._turns: dict[int, asyncio.Future[None]] = {}

    def _apply(self, actions: _native.LimiterActions) -> None:
        for waiter in actions.granted:
            turn = self._turns.get(waiter)
            if turn is not None and not turn.done():
                turn.set_result(None)
        if actions.probe_in is not None:
            self._loop.call_later(actions.probe_in, self._probe)

    def _probe(self) -> None:
        self._apply(self._limiter.probe())

    def join(self, waiter: int) -> None:
        self._turns[waiter] = self._loop.create_future()
        self._apply(self._limiter.acquire(waiter))

    async def wait(self, waiter: int, timeout: float) -> bool:
        """Until the waiter may attempt (True) or ``timeout`` passes (False: it left).

        Cancelled, the waiter leaves the queue, or gives back the slot it was
        just granted: no slot leaks.
        """
        turn = self._turns[waiter]
        try:
            async with asyncio.timeout(max(0.0, timeout)):
                await asyncio.shield(turn)
            return True
        except TimeoutError:
            if turn.done():
                return True
            self.left(waiter)
            return False
        except BaseException:
            self.left(waiter)
            raise
        finally:
            if turn.done():
                self._turns.pop(waiter, None)

    def connected(self, waiter: int) -> None:
        self._apply(self._limiter.connected(waiter))

    def rejected(self, waiter: int) -> None:
        self._turns[waiter] = self._loop.create_future()
        self._apply(self._limiter.rejected(waiter))

    def left(self, waiter: int) -> None:
        self._turns.pop(waiter, None)
        self._apply(self._limiter.left(waiter))

    def released(self) -> None:
        try:
            on_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            self._apply(self._limiter.released())
        elif not self._loop.is_closed():  # closed from another thread
            self._loop.call_soon_threadsafe(lambda: self._apply(self._limiter.released()))

    @property
    def limiter(self) -> _native.Limiter:
        return self._limiter


_lock = threading.Lock()
_gates: dict[Hashable, Gate] = {}
_async_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, AsyncGate]] = (
    weakref.WeakKeyDictionary()
)


def gate(key: Hashable, policy: _native.Policy) -> Gate:
    """The process's gate for a target; the first policy to ask sets its limits."""
    with _lock:
        found = _gates.get(key)
        if found is None:
            found = _gates[key] = Gate(policy)
        return found


def async_gate(key: Hashable, policy: _native.Policy) -> AsyncGate:
    """The running loop's gate for a target."""
    loop = asyncio.get_running_loop()
    with _lock:
        gates = _async_gates.setdefault(loop, {})
        found = gates.get(key)
        if found is None:
            found = gates[key] = AsyncGate(policy, loop)
        return found


def track_close(conn: T, release: Callable[[], None]) -> T:
    """``conn`` with its ``close`` (and ``disconnect``) reporting the release once.

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
