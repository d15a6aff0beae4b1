"""A blocking connection pool that shares one queue with the server's gate.

The drivers' own pools (``mariadb.ConnectionPool``, mysql-connector's
pooling) raise at once when exhausted; this one waits, FIFO, up to the
policy's deadline. A caller that finds no idle connection and room in the
pool opens one through a call (spec 7) at the process's gate for the server,
and takes whichever comes first: a slot from the limiter, or a connection
another caller returns to the pool. A connection returned while nobody in
the pool waits is closed instead of kept idle when callers wait at the gate
(pools shrink to what the server gives, and grow back on demand), and a
caller that must wait at the gate first has another pool give up an idle
connection: an oversubscribed set of pools never strands a caller while
connections sit idle.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from time import monotonic
from typing import Any

from connguard import registry
from connguard._native import Policy
from connguard.connector import Connector
from connguard.dsn import mask_dsn, parse_dsn
from connguard.errors import PoolTimeout
from connguard.gate import Interrupted
from connguard.registry import PoolStats, configure, stats
from connguard.runner import resume, unpin

__all__ = ["Pool", "PoolStats", "PoolTimeout", "configure", "get_pool", "stats"]


def _alive(conn: Any) -> bool:
    """A ``SELECT 1`` round trip: whether an idle connection still works."""
    try:
        cursor = conn.cursor()
        try:
            cursor.execute("SELECT 1")
            cursor.fetchall()
        finally:
            cursor.close()
    except Exception:
        return False
    return True


def _close(conn: Any) -> None:
    with contextlib.suppress(Exception):  # a dead connection's close may raise; its slot is freed
        conn.close()


class _Waiter:
    """A caller waiting for a connection: handed one returned to the pool, or opening one
    (``ticket``: its place at the gate, whose wait a handed connection interrupts)."""

    __slots__ = ("conn", "event", "ticket")

    def __init__(self, ticket: Any = None) -> None:
        self.conn: Any = None
        self.event = threading.Event()
        self.ticket = ticket


class PooledConnection:
    """The driver's connection, lent for one ``with pool.acquire()`` block.

    Attributes are the driver connection's (``cursor()``, ``commit()``...);
    ``.dbapi_connection`` is the driver's object itself. ``close()`` ends
    nothing: the pool takes the connection back after the block.
    """

    __slots__ = ("dbapi_connection",)

    def __init__(self, conn: Any) -> None:
        self.dbapi_connection = conn

    def close(self) -> None:
        """The pool's connection outlives the block: nothing to close here."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.dbapi_connection, name)


class Pool:
    """``size`` connections made by ``connect_fn``, shared by threads.

    ``connect_fn`` takes no arguments, e.g. ``functools.partial(mariadb.connect,
    host=..., user=..., password=...)``; it is retried per the policy when the
    server refuses a new connection. :meth:`acquire` waits FIFO for a
    connection up to the policy's deadline, then raises :class:`PoolTimeout`
    (or, opening a new one, the call's give-up). ``pre_ping`` checks an idle
    connection with ``SELECT 1`` before lending it; ``recycle`` (seconds, < 0:
    never) closes connections older than that instead of lending them.
    """

    def __init__(
        self,
        connect_fn: Callable[[], Any],
        size: int = 5,
        *,
        policy: Policy | None = None,
        service: str | None = None,
        target: str | None = None,
        pre_ping: bool = True,
        recycle: float = -1,
    ) -> None:
        if size < 1:
            raise ValueError(f"a pool needs a size of at least 1, not {size}")
        connector = Connector(connect_fn, {}, policy, service, target)
        self._attempt = connector.attempt
        self.policy = connector.policy
        self.service = connector.service
        self.target = connector.target
        self.size = size
        self.pre_ping = pre_ping
        self.recycle = recycle
        self.closed = False
        self._lock = threading.Lock()
        self._idle: deque[Any] = deque()  # oldest first
        self._opened: dict[int, float] = {}  # id(connection) -> when it opened, for recycle
        self._count = 0  # connections of the pool: idle, lent, or being opened
        self._lent = 0
        self._waiters: deque[_Waiter] = deque()
        if self._attempt.gate is not None:
            self._attempt.gate.add_reclaimer(self)
        registry.register(self)

    @contextmanager
    def acquire(self) -> Iterator[PooledConnection]:
        """A connection for the ``with`` block, returned to the pool after it."""
        conn = self._checkout(monotonic())
        try:
            yield PooledConnection(conn)
        finally:
            self._checkin(conn)

    def _checkout(self, start: float) -> Any:
        until = start + self.policy.deadline
        while True:
            with self._lock:
                if self.closed:
                    raise RuntimeError(f"{self!r} is closed")
                if self._idle:
                    conn = self._idle.pop()  # the most recent: likely still warm
                    opened = self._opened.get(id(conn), 0.0)
                    self._lent += 1
                    me = None
                else:
                    gate = self._attempt.gate
                    opening = self._count < self.size
                    if opening:
                        self._count += 1
                    me = _Waiter(gate.ticket() if opening and gate is not None else None)
                    if me.ticket is not None or not opening:
                        self._waiters.append(me)
            if me is None:
                if self._usable(opened) and (not self.pre_ping or _alive(conn)):
                    return conn
                self._discard(conn)
                continue
            if me.ticket is None and not opening:
                return self._await_return(me, start, until)
            return self._open(me, start)

    def _usable(self, opened: float) -> bool:
        return self.recycle < 0 or monotonic() - opened < self.recycle

    def _await_return(self, me: _Waiter, start: float, until: float) -> Any:
        me.event.wait(max(0.0, until - monotonic()))
        with self._lock:
            if me.conn is None:
                self._waiters.remove(me)
                raise PoolTimeout(
                    size=self.size,
                    target=self.target,
                    waited=monotonic() - start,
                    deadline=self.policy.deadline,
                )
            self._lent += 1
            return me.conn

    def _open(self, me: _Waiter, start: float) -> Any:
        """A new connection through a call, unless a returned one interrupts its wait."""
        try:
            conn = resume(dataclasses.replace(self._attempt, ticket=me.ticket), start, None)
        except Interrupted:
            with self._lock:
                self._count -= 1  # the connection handed over is counted already
                self._lent += 1
                return me.conn
        except BaseException as exc:
            with self._lock:
                self._count -= 1
                with contextlib.suppress(ValueError):
                    self._waiters.remove(me)
                handed = me.conn
            if handed is not None:
                self._checkin(handed, lent=False)
            unpin(exc)
            raise
        with self._lock:
            with contextlib.suppress(ValueError):
                self._waiters.remove(me)
            handed = me.conn  # a return raced the grant: that one goes back
            self._lent += 1
            self._opened[id(conn)] = monotonic()
        if handed is not None:
            self._checkin(handed, lent=False)
        return conn

    def _checkin(self, conn: Any, lent: bool = True) -> None:
        close = False
        with self._lock:
            if lent:
                self._lent -= 1
            waiter = self._waiters.popleft() if self._waiters and not self.closed else None
            if waiter is not None:
                waiter.conn = conn
                if waiter.ticket is not None:
                    waiter.ticket.interrupt()
                else:
                    waiter.event.set()
                return
            gate = self._attempt.gate
            if self.closed or (gate is not None and gate.state()[3] > 0):
                # Callers wait at the gate (of other pools, or plain connects): the slot is theirs.
                self._forget(conn)
                close = True
            else:
                self._idle.append(conn)
        if close:
            _close(conn)

    def _forget(self, conn: Any) -> None:  # under the lock
        self._count -= 1
        self._opened.pop(id(conn), None)

    def _discard(self, conn: Any) -> None:
        with self._lock:
            self._lent -= 1
            self._forget(conn)
        _close(conn)

    def reclaim_idle(self) -> bool:
        """Closes the oldest idle connection for a caller waiting at the gate."""
        with self._lock:
            if not self._idle:
                return False
            conn = self._idle.popleft()
            self._forget(conn)
        _close(conn)
        return True

    def stats(self) -> PoolStats:
        with self._lock:
            lent = self._lent
        return PoolStats(mask_dsn(self.target), self.service, self.size, lent)

    def close(self) -> None:
        """Close the idle connections; ones still lent close when returned."""
        with self._lock:
            self.closed = True
            idle = list(self._idle)
            self._idle.clear()
            for conn in idle:
                self._forget(conn)
        for conn in idle:
            _close(conn)
        registry.unregister(self)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<connguard.pool.Pool {mask_dsn(self.target)} size={self.size}>"


# URL scheme -> driver module, for get_pool's DSNs.
_SCHEMES = {
    "mariadb": "mariadb",
    "mariadb+mariadbconnector": "mariadb",
    "mysql": "mysql.connector",
    "mysql+mysqlconnector": "mysql.connector",
    "mysql+pymysql": "pymysql",
    "pymysql": "pymysql",
}

_shared: dict[tuple[Any, ...], Pool] = {}
_shared_lock = threading.Lock()


def get_pool(
    target: str | Mapping[str, Any],
    *,
    size: int = 5,
    service: str | None = None,
    policy: Policy | None = None,
    driver: str = "mariadb",
) -> Pool:
    """The process's one pool for ``target`` and these settings, created on first use.

    ``target`` is a DSN (``mariadb://user:pw@host:port/db``; the scheme picks
    the driver: ``mariadb``, ``mysql`` for mysql-connector, ``mysql+pymysql``)
    or a dict of the driver's connect keyword arguments (``driver`` names it).
    """
    if isinstance(target, str):
        scheme, kwargs = parse_dsn(target)
        if scheme not in _SCHEMES:
            raise ValueError(f"get_pool: unknown scheme {scheme!r}; use one of {sorted(_SCHEMES)}")
        driver = _SCHEMES[scheme]
    else:
        kwargs = dict(target)
    if driver not in _SCHEMES.values():
        raise ValueError(
            f"get_pool: driver must be mariadb, mysql.connector or pymysql, not {driver!r}"
        )
    key = (driver, tuple(sorted((k, repr(v)) for k, v in kwargs.items())), size, service, policy)
    with _shared_lock:
        pool = _shared.get(key)
        if pool is None or pool.closed:
            connect_fn = importlib.import_module(driver).connect
            pool = Pool(
                functools.partial(connect_fn, **kwargs), size, policy=policy, service=service
            )
            _shared[key] = pool
        return pool
