"""A blocking connection pool whose new connections retry per the policy.

Built on SQLAlchemy's ``QueuePool`` (no ORM needed), which already queues
callers FIFO with a timeout: connguard gives it a retrying creator, no
overflow, the policy's deadline as its timeout and a ping on checkout. The
drivers' own pools (``mariadb.ConnectionPool``, mysql-connector's pooling)
raise at once when exhausted; this one waits.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from time import monotonic
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import PoolProxiedConnection, QueuePool

from connguard import registry
from connguard._native import Policy
from connguard.connector import Connector
from connguard.dsn import mask_dsn, parse_dsn
from connguard.errors import PoolTimeout
from connguard.registry import PoolStats, configure, stats

__all__ = ["Pool", "PoolStats", "PoolTimeout", "configure", "get_pool", "stats"]


def _ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    # SQLAlchemy's pre_ping needs an Engine's dialect; raising DisconnectionError
    # from a checkout listener is its documented dialect-free equivalent: the
    # pool drops the connection and opens a new one (through our creator).
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
            cursor.fetchall()
        finally:
            cursor.close()
    except Exception as exc:
        raise sa_exc.DisconnectionError(f"connection failed its ping: {exc}") from exc


class Pool:
    """``size`` connections made by ``connect_fn``, shared by threads.

    ``connect_fn`` takes no arguments, e.g. ``functools.partial(mariadb.connect,
    host=..., user=..., password=...)``; it is retried per the policy when the
    server refuses a new connection. :meth:`acquire` waits FIFO for a free
    connection up to the policy's deadline, then raises :class:`PoolTimeout`.
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
        self.policy = connector.policy
        self.service = connector.service
        self.target = connector.target
        self.size = size
        self.closed = False
        self._queue = QueuePool(
            connector,
            pool_size=size,
            max_overflow=0,
            timeout=self.policy.deadline,
            recycle=recycle,
        )
        if pre_ping:
            event.listen(self._queue, "checkout", _ping)
        registry.register(self)

    @contextmanager
    def acquire(self) -> Iterator[PoolProxiedConnection]:
        """A connection for the ``with`` block, returned to the pool after it.

        The connection is SQLAlchemy's proxy of the driver's connection (its
        ``cursor()``, ``commit()``... are the driver's; ``.dbapi_connection`` is
        the driver's object itself).
        """
        start = monotonic()
        try:
            connection = self._queue.connect()
        except sa_exc.TimeoutError as exc:
            raise PoolTimeout(
                size=self.size,
                target=self.target,
                waited=monotonic() - start,
                deadline=self.policy.deadline,
            ) from exc
        try:
            yield connection
        finally:
            connection.close()

    def stats(self) -> PoolStats:
        return PoolStats(mask_dsn(self.target), self.service, self.size, self._queue.checkedout())

    def close(self) -> None:
        """Close the idle connections; ones still checked out close when returned."""
        self.closed = True
        self._queue.dispose()
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
