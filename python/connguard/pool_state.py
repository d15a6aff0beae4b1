"""The bookkeeping of a pool that shares one queue with its server's gate.

No I/O, no clock reads, no locks: the thread pool (:mod:`connguard.pool`) calls
it under its lock, the asyncio pool (:mod:`connguard.aiomysql`) on its loop,
and each carries out what it answers (lend, open through a call, wait, hand
over, close). The rules, in one place for both:

- a caller takes an idle connection (the most recent: likely still warm), or,
  below ``size``, opens one through a call at the gate, or waits, FIFO;
- a connection given back goes to the longest waiter: one waiting for a
  return, or one waiting at the gate to open (its wait is interrupted: what
  it waited for came another way);
- given back with nobody waiting in the pool, it is closed when callers wait
  at the gate (its slot is theirs: the pool shrinks to what the server gives,
  and grows back on demand), else kept idle;
- another pool's caller about to wait at the gate may take the oldest idle
  connection's slot (:meth:`reclaim`).
"""

from __future__ import annotations

from collections import deque
from typing import Any

__all__ = ["PoolState", "Waiter"]


class Waiter:
    """A caller waiting for a connection. ``ticket``: its place at the gate when it is
    opening one; ``wake``: what the runner waits on; ``conn``: the connection handed to it."""

    __slots__ = ("conn", "ticket", "wake")

    def __init__(self, ticket: Any = None, wake: Any = None) -> None:
        self.conn: Any = None
        self.ticket = ticket
        self.wake = wake


class PoolState:
    """What a pool holds: idle connections, how many it has, who waits."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a pool needs a size of at least 1, not {size}")
        self.size = size
        self.idle: deque[Any] = deque()  # oldest first
        self.opened_at: dict[int, float] = {}  # id(connection) -> when it opened
        self.count = 0  # idle, lent, or being opened
        self.lent = 0
        self.waiters: deque[Waiter] = deque()
        self.closed = False

    def take(self) -> Any:
        """An idle connection to lend (the runner checks it), or ``None``: then
        :meth:`may_open` says whether the caller opens one or waits."""
        if self.closed:
            raise RuntimeError("the pool is closed")
        if not self.idle:
            return None
        self.lent += 1
        return self.idle.pop()

    def may_open(self) -> bool:
        """Whether a caller that found nothing idle opens a connection (counted from now)."""
        if self.count < self.size:
            self.count += 1
            return True
        return False

    def wait(self, waiter: Waiter) -> None:
        """``waiter`` waits for a return (or, opening, may be handed one)."""
        self.waiters.append(waiter)

    def opened(self, waiter: Waiter, conn: Any, now: float) -> Any:
        """Its call opened ``conn``, now lent; answers a connection also handed to it
        (a return raced the grant), which the runner gives back."""
        self._forget_waiter(waiter)
        self.lent += 1
        self.opened_at[id(conn)] = now
        return waiter.conn

    def interrupted(self, waiter: Waiter) -> Any:
        """Its wait at the gate was cut short by a handed connection: that one, now lent."""
        self.count -= 1  # the connection handed over is counted already
        self.lent += 1
        return waiter.conn

    def failed(self, waiter: Waiter) -> Any:
        """Its call gave up or was cancelled; answers a connection handed to it meanwhile,
        which the runner gives back."""
        self.count -= 1
        self._forget_waiter(waiter)
        return waiter.conn

    def handed(self, waiter: Waiter) -> Any:
        """Its wait for a return ended: the connection handed to it, now lent, or ``None``
        (it timed out or was cancelled, and waits no more)."""
        if waiter.conn is None:
            self._forget_waiter(waiter)
            return None
        self.lent += 1
        return waiter.conn

    def given_back(self, conn: Any, gate_queued: int, lent: bool = True) -> Waiter | str:
        """A connection comes back: the waiter to hand it to (the runner wakes it),
        ``"close"`` (the runner closes it) or ``"idle"``."""
        if lent:
            self.lent -= 1
        if self.waiters and not self.closed:
            waiter = self.waiters.popleft()
            waiter.conn = conn
            return waiter
        if self.closed or gate_queued > 0:
            self.forget(conn)
            return "close"
        self.idle.append(conn)
        return "idle"

    def keep(self, conn: Any) -> None:
        """A lent connection goes idle whoever waits (the pool's minimum, filled at start)."""
        self.lent -= 1
        self.idle.append(conn)

    def discarded(self, conn: Any) -> None:
        """A lent connection failed its check: the runner closes it."""
        self.lent -= 1
        self.forget(conn)

    def reclaim(self) -> Any:
        """The oldest idle connection, for the runner to close, or ``None``."""
        if not self.idle:
            return None
        conn = self.idle.popleft()
        self.forget(conn)
        return conn

    def close(self) -> list[Any]:
        """Closed: the idle connections, for the runner to close (lent ones close when
        given back)."""
        self.closed = True
        idle = list(self.idle)
        self.idle.clear()
        for conn in idle:
            self.forget(conn)
        return idle

    def forget(self, conn: Any) -> None:
        self.count -= 1
        self.opened_at.pop(id(conn), None)

    def _forget_waiter(self, waiter: Waiter) -> None:
        if waiter in self.waiters:
            self.waiters.remove(waiter)
