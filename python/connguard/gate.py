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
from typing import Any, Protocol, TypeVar

from connguard import _native, events
from connguard.decision import new_seed
from connguard.events import Event
from connguard.testing.mode import MODE

__all__ = [
    "Gate",
    "Interrupted",
    "Slot",
    "Ticket",
    "gate_for",
    "gate_states",
    "reset_gates",
    "server_name",
    "track_close",
]

T = TypeVar("T")

_waiters = itertools.count(1)


class Interrupted(Exception):
    """A ticket's wait was cut short by :meth:`Ticket.interrupt`: what it waited for
    came another way (a pool handed the caller a connection another caller returned)."""


class Reclaimer(Protocol):
    """A holder of idle connections to a gate's target (a pool) that can give one up."""

    def reclaim_idle(self) -> bool:
        """Close one idle connection (its slot goes back to the gate): whether it did."""


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
        self.nudge()

    def nudge(self) -> None:
        """Ends the wait, granted or not (under the gate's lock)."""
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


class _Granted:
    """The turn of a ticket granted as it joined: nothing to wait on."""

    __slots__ = ()
    granted = True
    event = None
    future = None


_GRANTED: Any = _Granted()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Gate:
    """One target's limiter, shared by every thread and event loop of the process."""

    def __init__(self, policy: _native.Policy, server: str = "-") -> None:
        self._lock = threading.Lock()
        self._limiter = _native.Limiter(policy, new_seed())
        self.server = server  # the limiter's events carry it (spec 8.1)
        self._limit = self._limiter.limit  # as last told in a `limit` event
        self._turns: dict[int, _Turn] = {}
        self._reclaimers: weakref.WeakSet[Reclaimer] = weakref.WeakSet()

    def add_reclaimer(self, holder: Reclaimer) -> None:
        """``holder`` (a pool) gives up an idle connection when a caller must wait here:
        connections idle in one pool never strand the callers of another."""
        with self._lock:
            self._reclaimers.add(holder)

    def _reclaim(self) -> None:
        with self._lock:
            holders = list(self._reclaimers)
        for holder in holders:  # outside the lock: a close reports its release here
            if holder.reclaim_idle():
                return

    def ticket(self, loop: asyncio.AbstractEventLoop | None = None) -> Ticket:
        """A place for one call: of a thread, or (``loop``) of a task on that loop."""
        return Ticket(self, next(_waiters), loop)

    def joined(self, loop: asyncio.AbstractEventLoop | None = None) -> Ticket:
        """A ticket that has joined the queue already: granted at once (nobody queued,
        room under the limit: the uncontended path, which builds nothing to wait on) or
        queued. The call's ``join`` that follows is then already done."""
        ticket = Ticket(self, next(_waiters), loop)
        ticket._joined = True
        with self._lock:
            actions = self._limiter.acquire(ticket._waiter)
            granted = actions.granted  # a new list per read: read once
            if ticket._waiter in granted:
                ticket._turn = _GRANTED
            else:
                ticket._turn = self._turns[ticket._waiter] = _Turn(loop)
            self._carry_out(granted, actions.probe_in)
            told = self._limit_event() if events.hooks else None
        if told is not None:
            events.emit(told)
        return ticket

    def _apply(self, actions: _native.LimiterActions) -> Event | None:  # under the lock
        """Carries out the limiter's answer; the `limit` event it caused, to emit unlocked
        (a hook may read the gate)."""
        self._carry_out(actions.granted, actions.probe_in)
        return self._limit_event() if events.hooks else None

    def _limit_event(self) -> Event | None:  # under the lock
        limiter = self._limiter
        limit = limiter.limit
        if limit == self._limit:
            return None
        self._limit = limit
        holding, in_use = limiter.holding, limiter.in_use
        return Event(
            "limit",
            server=self.server,
            limit=limit,
            holding=holding,
            in_flight=in_use - holding,
            queued=len(limiter.queue),
        )

    def _report(self, report: Any, *waiter: int) -> None:
        """A report to the limiter, then the `limit` event it caused (spec 8.1)."""
        with self._lock:
            told = self._apply(report(*waiter))
        if told is not None:
            events.emit(told)

    def _carry_out(self, granted: list[int], probe_in: float | None) -> None:  # under the lock
        turns = self._turns
        for waiter in granted:
            turn = turns.get(waiter)
            if turn is not None:
                turn.wake()
        if probe_in is not None:
            timer = threading.Timer(0.0 if MODE.on else probe_in, self._probe)
            timer.daemon = True
            timer.start()

    def _probe(self) -> None:
        self._report(self._limiter.probe)

    def _released(self) -> None:
        self._report(self._limiter.released)
        if events.hooks:
            events.emit(Event("released", server=self.server))

    def state(self) -> tuple[int, int, int, int]:
        """(limit, holding, in_use, queued), read under the lock."""
        with self._lock:
            limiter = self._limiter
            return limiter.limit, limiter.holding, limiter.in_use, len(limiter.queue)


class Ticket:
    """One caller's place at a gate for one call: the reports the call orders."""

    __slots__ = ("_gate", "_interrupted", "_joined", "_loop", "_turn", "_waiter")

    def __init__(self, gate: Gate, waiter: int, loop: asyncio.AbstractEventLoop | None) -> None:
        self._gate = gate
        self._waiter = waiter
        self._loop = loop
        self._turn: _Turn | None = None
        self._interrupted = False
        self._joined = False  # by Gate.joined: the call's first join is done

    @property
    def gate(self) -> Gate:
        return self._gate

    def interrupt(self) -> None:
        """From any thread: the ticket's current or next wait raises :class:`Interrupted`
        unless it is granted; the call then leaves the gate."""
        with self._gate._lock:
            self._interrupted = True
            if self._turn is not None and not self._turn.granted:
                self._turn.nudge()

    def _check_interrupted(self) -> None:
        if self._interrupted:
            raise Interrupted

    def _queue(self, report: str) -> None:
        """Joins (``acquire``) or goes back to the head (``rejected``), and awaits a turn."""
        gate = self._gate
        with gate._lock:
            self._turn = gate._turns[self._waiter] = _Turn(self._loop)
            told = gate._apply(getattr(gate._limiter, report)(self._waiter))
        if told is not None:
            events.emit(told)

    @property
    def granted(self) -> bool:
        """Granted a turn and not yet reported back."""
        return self._turn is not None and self._turn.granted

    def join(self) -> None:
        if self._joined:
            self._joined = False
            return
        self._queue("acquire")

    def rejected(self) -> None:
        self._queue("rejected")

    def _granted(self) -> bool:
        with self._gate._lock:
            self._gate._turns.pop(self._waiter, None)
            return self._turn is not None and self._turn.granted

    def wait(self, until: float) -> bool:
        """A thread waits for its turn until ``monotonic()`` reads ``until``: granted?

        Raises :class:`Interrupted` when :meth:`interrupt` ends the wait first.
        """
        assert self._turn is not None
        if not self._turn.granted and not self._interrupted:
            self._gate._reclaim()
            assert self._turn.event is not None
            self._turn.event.wait(max(0.0, until - monotonic()))
        granted = self._granted()
        if not granted:
            self._check_interrupted()
        return granted

    async def wait_async(self, until: float) -> bool:
        """A task waits for its turn until ``monotonic()`` reads ``until``: granted?

        Cancelled, it raises at once; the call then reports ``left``.
        """
        assert self._turn is not None
        if not self._turn.granted and not self._interrupted:
            self._gate._reclaim()
            future = self._turn.future
            assert future is not None
            loop = asyncio.get_running_loop()
            timer = loop.call_at(loop.time() + max(0.0, until - monotonic()), _resolve, future)
            try:
                await future
            finally:
                timer.cancel()
        granted = self._granted()
        if not granted:
            self._check_interrupted()
        return granted

    def connected(self) -> Slot:
        gate = self._gate
        gate._report(gate._limiter.connected, self._waiter)
        return Slot(gate)

    def left(self) -> None:
        gate = self._gate
        with gate._lock:
            gate._turns.pop(self._waiter, None)
            told = gate._apply(gate._limiter.left(self._waiter))
        if told is not None:
            events.emit(told)


class Slot:
    """A connection the gate counts: ``release()`` reports its close, once."""

    __slots__ = ("_gate",)

    def __init__(self, gate: Gate) -> None:
        self._gate = [gate]  # emptied by the first release: list.pop is atomic

    def release(self) -> None:
        try:
            gate = self._gate.pop()
        except IndexError:
            return
        gate._released()

    @property
    def held(self) -> bool:
        return bool(self._gate)


_registry_lock = threading.Lock()
_gates: dict[Hashable, Gate] = {}


def gate_for(key: Hashable, policy: _native.Policy) -> Gate:
    """The process's gate for a target (a driver's normalized key); the first policy sets its
    limits."""
    found = _gates.get(key)  # the common case, without the lock: a dict read is atomic
    if found is not None:
        return found
    with _registry_lock:
        found = _gates.get(key)
        if found is None:
            found = _gates[key] = Gate(policy, server_name(key))
        return found


def server_name(key: Hashable) -> str:
    """A gate key as metrics label it: ``host:port``, or the socket's path."""
    if isinstance(key, tuple) and len(key) == 3 and key[0] == "tcp":
        host = f"[{key[1]}]" if ":" in str(key[1]) else key[1]
        return f"{host}:{key[2]}"
    if isinstance(key, tuple) and len(key) == 2 and key[0] == "socket":
        return str(key[1])
    return str(key)


def gate_states() -> list[tuple[str, tuple[int, int, int, int]]]:
    """(server, (limit, holding, in_flight, queued)) for every gate of the process."""
    with _registry_lock:
        gates = list(_gates.values())
    states = []
    for gate in gates:
        limit, holding, in_use, queued = gate.state()
        states.append((gate.server, (limit, holding, in_use - holding, queued)))
    return states


def reset_gates() -> None:
    """Drops every gate (test mode, spec 8.4): the next call to a target starts a fresh
    limiter. Calls and connections of the old gates keep them until they end."""
    with _registry_lock:
        _gates.clear()


def track_close(conn: T, release: Any) -> T:
    """``conn`` with its ``close`` (and ``disconnect``) calling ``release()`` once.

    The release comes after the driver's close returns (it has sent QUIT and
    closed the socket), even when the close raises: a slot handed on while
    the server still counts the old connection is refused (spec 6, the close
    race). A connection dropped without close is released when it is collected.
    """
    pending = [release]  # emptied by the first report: list.pop is atomic
    watch: weakref.ref[Any] | None = None

    def once(_collected: Any = None) -> None:
        try:
            report = pending.pop()
        except IndexError:
            return
        _watched.discard(watch)
        report()

    for name in _CLOSES:
        original: Any = getattr(conn, name, None)
        if original is not None:

            def closing(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                try:
                    return _original(*args, **kwargs)
                finally:
                    once()

            setattr(conn, name, closing)
    with contextlib.suppress(TypeError):  # not weak-referenceable: close() still reports
        # A weak reference kept alive here, not weakref.finalize: a tenth of the cost.
        watch = weakref.ref(conn, once)
        _watched.add(watch)
    return conn


_watched: set[weakref.ref[Any]] = set()  # the references whose callback frees a slot
_CLOSES = ("close", "disconnect")
