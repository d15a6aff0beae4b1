"""connguard for aiomysql: ``connect`` and ``create_pool`` that retry refused connections.

``await connguard.aiomysql.connect(...)`` / ``async with connguard.aiomysql.connect(...)``
where you had ``aiomysql.connect(...)``; ``connguard.aiomysql.create_pool(...)``
where you had ``aiomysql.create_pool(...)``. aiomysql's pool already queues
callers for a free connection; connguard adds the retry when the pool must
open a new one (its creation, and ``acquire()`` while below ``maxsize``).
Cancelling the task stops a retry at once: the backoff is an ``asyncio.sleep``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, Generic, TypeVar

import aiomysql

from connguard import registry
from connguard._native import Policy
from connguard.connector import AsyncConnector
from connguard.dsn import mask_dsn

__all__ = ["Pool", "connect", "create_pool"]

T = TypeVar("T")


class _Pending(Generic[T]):
    """Awaitable, or an ``async with`` that ends with ``finish(result)``: aiomysql's idiom."""

    def __init__(
        self, coro: Coroutine[Any, Any, T], finish: Callable[[T, bool], Awaitable[None]]
    ) -> None:
        self._coro = coro
        self._finish = finish
        self._result: T | None = None

    def __await__(self) -> Generator[Any, None, T]:
        return self._coro.__await__()

    async def __aenter__(self) -> T:
        self._result = await self._coro
        return self._result

    async def __aexit__(self, exc_type: object, *_: object) -> None:
        if self._result is not None:
            result, self._result = self._result, None
            await self._finish(result, exc_type is not None)


async def _close_connection(conn: Any, failed: bool) -> None:
    if failed:
        conn.close()  # as aiomysql does: no QUIT round trip on the error path
    else:
        await conn.ensure_closed()


def connect(
    *, policy: Policy | None = None, service: str | None = None, **kwargs: Any
) -> _Pending[Any]:
    """``aiomysql.connect(**kwargs)``, retried per the policy; the driver's connection.

    ``policy=None``: the file named by ``$CONNGUARD_POLICY`` for ``service``
    (or ``$CONNGUARD_SERVICE``), else the built-in defaults. Its
    ``ensure_closed()`` waits for the server to close its end (see
    :mod:`connguard.drivers.aiomysql`), so its slot is free when the gate hands it on.
    """
    connector: AsyncConnector[Any] = AsyncConnector(aiomysql.connect, kwargs, policy, service, None)
    return _Pending(connector(), _close_connection)


class Pool:
    """aiomysql's pool, whose ``acquire()`` retries a refused new connection.

    Everything else (``release``, ``close``, ``wait_closed``, ``size``,
    ``freesize``...) is aiomysql's own.
    """

    def __init__(self, pool: aiomysql.Pool, connector: AsyncConnector[Any]) -> None:
        self.pool = pool
        self.policy = connector.policy
        self.service = connector.service
        self.target = connector.target
        registry.register(self)

    def acquire(self) -> _Pending[Any]:
        """A connection: ``await pool.acquire()`` or ``async with pool.acquire() as conn``."""
        retrying: AsyncConnector[Any] = AsyncConnector(
            self.pool.acquire, {}, self.policy, self.service, self.target
        )
        return _Pending(retrying(), self._release)

    async def _release(self, conn: Any, _failed: bool) -> None:
        await self.pool.release(conn)

    def stats(self) -> registry.PoolStats:
        pool = self.pool
        return registry.PoolStats(
            mask_dsn(self.target), self.service, pool.maxsize, pool.size - pool.freesize
        )

    def close(self) -> None:
        self.pool.close()
        registry.unregister(self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pool, name)


async def _close_pool(pool: Pool, _failed: bool) -> None:
    pool.close()
    await pool.pool.wait_closed()


def create_pool(
    minsize: int = 1,
    maxsize: int = 10,
    *,
    policy: Policy | None = None,
    service: str | None = None,
    **kwargs: Any,
) -> _Pending[Pool]:
    """``aiomysql.create_pool(...)``, its creation and its new connections retried.

    ``await create_pool(...)`` or ``async with create_pool(...) as pool``.
    """
    connector: AsyncConnector[Any] = AsyncConnector(aiomysql.connect, kwargs, policy, service, None)

    async def create() -> Pool:
        # The pool's own connects get the policy's connect timeout; the whole
        # creation (its minsize connections) is what is retried.
        creating: AsyncConnector[Any] = AsyncConnector(
            aiomysql.create_pool,
            {"minsize": minsize, "maxsize": maxsize, **connector.kwargs},
            connector.policy,
            connector.service,
            connector.target,
        )
        return Pool(await creating(), connector)

    return _Pending(create(), _close_pool)
