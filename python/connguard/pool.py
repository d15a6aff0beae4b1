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
import functools
import importlib
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from time import monotonic
from typing import Any

from connguard import registry
from connguard._native import Policy
from connguard.connector import Connector
from connguard.drivers import catchable
from connguard.dsn import mask_dsn, parse_dsn
from connguard.errors import PoolTimeout
from connguard.gate import Interrupted
from connguard.pool_state import PoolState, Waiter
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
        self._state = PoolState(size)
        connector = Connector(connect_fn, {}, policy, service, target)
        self._attempt = connector.attempt
        self.policy = connector.policy
        self.service = connector.service
        self.target = connector.target
        self.size = size
        self.pre_ping = pre_ping
        self.recycle = recycle
        self._lock = threading.Lock()
        if self._attempt.gate is not None:
            self._attempt.gate.add_reclaimer(self)
        registry.register(self)

    @property
    def closed(self) -> bool:
        return self._state.closed

    @contextmanager
    def acquire(self) -> Iterator[PooledConnection]:
        """A connection for the ``with`` block, returned to the pool after it."""
        conn = self._checkout(monotonic())
        try:
            yield PooledConnection(conn)
        finally:
            self._give_back(conn)

    def _checkout(self, start: float) -> Any:
        state, gate = self._state, self._attempt.gate
        while True:
            with self._lock:
                conn = state.take()
                if conn is None:
                    opening = state.may_open()
                    ticket = gate.ticket() if opening and gate is not None else None
                    me = Waiter(ticket, threading.Event())
                    if ticket is not None or not opening:
                        state.wait(me)
                else:
                    opened = state.opened_at.get(id(conn), 0.0)
            if conn is None:
                if opening:
                    return self._open(me, start)
                return self._await_return(me, start)
            fresh = self.recycle < 0 or monotonic() - opened < self.recycle
            if fresh and (not self.pre_ping or _alive(conn)):
                return conn
            with self._lock:
                state.discarded(conn)
            _close(conn)

    def _await_return(self, me: Waiter, start: float) -> Any:
        me.wake.wait(max(0.0, start + self.policy.deadline - monotonic()))
        with self._lock:
            conn = self._state.handed(me)
        if conn is None:
            raise catchable(self._attempt.driver, PoolTimeout)(
                size=self.size,
                target=self.target,
                waited=monotonic() - start,
                deadline=self.policy.deadline,
            )
        return conn

    def _open(self, me: Waiter, start: float) -> Any:
        """A new connection through a call, unless a returned one interrupts its wait."""
        try:
            conn = resume(self._attempt, start, None, me.ticket)
        except Interrupted:
            with self._lock:
                return self._state.interrupted(me)
        except BaseException as exc:
            with self._lock:
                handed = self._state.failed(me)
            if handed is not None:
                self._give_back(handed, lent=False)
            unpin(exc)
            raise
        with self._lock:
            handed = self._state.opened(me, conn, monotonic())
        if handed is not None:
            self._give_back(handed, lent=False)
        return conn

    def _give_back(self, conn: Any, lent: bool = True) -> None:
        gate = self._attempt.gate
        with self._lock:
            queued = gate.state()[3] if gate is not None else 0
            to = self._state.given_back(conn, queued, lent)
            if isinstance(to, Waiter):
                if to.ticket is not None:
                    to.ticket.interrupt()
                else:
                    to.wake.set()
        if to == "close":
            _close(conn)

    def reclaim_idle(self) -> bool:
        """Closes the oldest idle connection for a caller waiting at the gate."""
        with self._lock:
            conn = self._state.reclaim()
        if conn is None:
            return False
        _close(conn)
        return True

    def stats(self) -> PoolStats:
        with self._lock:
            lent = self._state.lent
        return PoolStats(mask_dsn(self.target), self.service, self.size, lent)

    def close(self) -> None:
        """Close the idle connections; ones still lent close when returned."""
        with self._lock:
            idle = self._state.close()
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
