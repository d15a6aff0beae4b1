"""connguard for aiomysql: ``connect`` and ``create_pool`` that retry refused connections.

``await connguard.aiomysql.connect(...)`` / ``async with connguard.aiomysql.connect(...)``
where you had ``aiomysql.connect(...)``; ``connguard.aiomysql.create_pool(...)``
where you had ``aiomysql.create_pool(...)``: a pool with aiomysql's API whose
new connections open through the server's gate, retried (:class:`Pool`).
Cancelling the task stops a retry at once: the backoff is an ``asyncio.sleep``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Generator
from time import monotonic
from typing import Any, Generic, TypeVar

import aiomysql

from connguard import registry
from connguard._native import Policy
from connguard.connector import AsyncConnector
from connguard.drivers import catchable
from connguard.dsn import mask_dsn
from connguard.errors import PoolTimeout
from connguard.gate import Interrupted
from connguard.pool_state import PoolState, Waiter
from connguard.runner import resume_async, unpin

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
    """An asyncio pool of aiomysql connections that shares one queue with the gate.

    aiomysql's own pool opens its connections out of the gate's sight, and a
    task waiting in its connect never receives a connection another task
    returns. This one keeps the bookkeeping of :class:`connguard.pool.Pool`
    (:mod:`connguard.pool_state`): a task that finds no free connection opens
    one through a call at the server's gate (below ``maxsize``) and takes
    whichever comes first, a slot from the limiter or a connection another
    task releases; else it waits FIFO for a release, up to the policy's
    deadline (:class:`connguard.PoolTimeout`). aiomysql's pool API:
    ``acquire()`` (awaited or ``async with``), ``release``, ``close``,
    ``terminate``, ``wait_closed``, ``size``, ``freesize``, ``minsize``,
    ``maxsize``; ``pool_recycle`` as aiomysql's.
    """

    def __init__(
        self, connector: AsyncConnector[Any], minsize: int, maxsize: int, pool_recycle: float
    ) -> None:
        if not 0 <= minsize <= maxsize:
            raise ValueError(f"a pool needs 0 <= minsize <= maxsize, not {minsize} and {maxsize}")
        self._state = PoolState(maxsize)
        self._attempt = connector.attempt
        self._loop = asyncio.get_running_loop()
        self._emptied = asyncio.Event()
        self._retiring: set[asyncio.Task[None]] = set()
        self.policy = connector.policy
        self.service = connector.service
        self.target = connector.target
        self.minsize = minsize
        self.maxsize = maxsize
        self.pool_recycle = pool_recycle
        if self._attempt.gate is not None:
            self._attempt.gate.add_reclaimer(self)
        registry.register(self)

    @property
    def size(self) -> int:
        """Connections of the pool: free, in use, or being opened."""
        return self._state.count

    @property
    def freesize(self) -> int:
        return len(self._state.idle)

    @property
    def closed(self) -> bool:
        return self._state.closed

    async def _fill(self) -> None:
        while self.size < self.minsize:
            self._state.keep(await self._acquire())

    def acquire(self) -> _Pending[Any]:
        """A connection: ``await pool.acquire()`` or ``async with pool.acquire() as conn``."""
        return _Pending(self._acquire(), self._release_after)

    async def _acquire(self) -> Any:
        state, gate, start = self._state, self._attempt.gate, monotonic()
        while True:
            conn = state.take()
            if conn is None:
                opening = state.may_open()
                ticket = gate.ticket(self._loop) if opening and gate is not None else None
                me = Waiter(ticket, self._loop.create_future())
                if ticket is not None or not opening:
                    state.wait(me)
                if opening:
                    return await self._open(me, start)
                return await self._await_release(me, start)
            opened = state.opened_at.get(id(conn), 0.0)
            stale = self.pool_recycle >= 0 and monotonic() - opened >= self.pool_recycle
            if not stale and not conn.closed:
                return conn
            state.discarded(conn)
            await _close_connection(conn, conn.closed)

    async def _await_release(self, me: Waiter, start: float) -> Any:
        try:
            async with asyncio.timeout(start + self.policy.deadline - monotonic()):
                await me.wake
        except TimeoutError:
            pass
        except BaseException:  # cancelled: a connection handed meanwhile goes on
            handed = self._state.handed(me)
            if handed is not None:
                self._give_back(handed)
            raise
        conn = self._state.handed(me)
        if conn is None:
            raise catchable(self._attempt.driver, PoolTimeout)(
                size=self.maxsize,
                target=self.target,
                waited=monotonic() - start,
                deadline=self.policy.deadline,
            )
        return conn

    async def _open(self, me: Waiter, start: float) -> Any:
        """A new connection through a call, unless a released one interrupts its wait."""
        try:
            conn = await resume_async(self._attempt, start, None, me.ticket)
        except Interrupted:
            return self._state.interrupted(me)
        except BaseException as exc:
            handed = self._state.failed(me)
            if handed is not None:
                self._give_back(handed, lent=False)
            unpin(exc)
            raise
        handed = self._state.opened(me, conn, monotonic())
        if handed is not None:
            self._give_back(handed, lent=False)
        return conn

    async def _release_after(self, conn: Any, failed: bool) -> None:
        if failed:
            conn.close()  # as aiomysql does: a connection that raised is not reused
        await self.release(conn)

    async def release(self, conn: Any) -> None:
        """Gives ``conn`` back: to the longest waiter, else kept free or closed."""
        if not conn.closed and conn.get_transaction_status():
            conn.close()  # mid-transaction: never lent on, as aiomysql does
        if conn.closed:
            self._state.discarded(conn)
            self._settled()
            return
        self._give_back(conn)

    def _give_back(self, conn: Any, lent: bool = True) -> None:
        gate = self._attempt.gate
        queued = gate.state()[3] if gate is not None else 0
        to = self._state.given_back(conn, queued, lent)
        if isinstance(to, Waiter):
            if to.ticket is not None:
                to.ticket.interrupt()
            elif not to.wake.done():
                to.wake.set_result(None)
        elif to == "close":
            self._retire(conn)
        self._settled()

    def _retire(self, conn: Any) -> None:
        """Closes ``conn`` politely (QUIT, the server's end of stream: then its slot is
        free at the server too), in the background."""
        task = self._loop.create_task(_close_connection(conn, False))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    def _settled(self) -> None:
        if self._state.closed and self._state.count == 0:
            self._emptied.set()

    def reclaim_idle(self) -> bool:
        """Closes the oldest free connection for a caller waiting at the gate (from any
        thread: the close runs on the pool's loop)."""
        conn = self._state.reclaim() if self._on_loop() else None
        if conn is None:
            return False
        self._retire(conn)
        return True

    def _on_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def stats(self) -> registry.PoolStats:
        return registry.PoolStats(
            mask_dsn(self.target), self.service, self.maxsize, self._state.lent
        )

    def close(self) -> None:
        """No more acquires; free connections close now, those in use when released."""
        for conn in self._state.close():
            self._retire(conn)
        self._settled()
        registry.unregister(self)

    def terminate(self) -> None:
        self.close()

    async def wait_closed(self) -> None:
        """Returns once every connection of a closed pool has closed."""
        if not self._state.closed:
            raise RuntimeError("wait_closed() before close()")
        await self._emptied.wait()
        while self._retiring:
            await asyncio.wait(set(self._retiring))


async def _close_pool(pool: Pool, _failed: bool) -> None:
    pool.close()
    await pool.wait_closed()


def create_pool(
    minsize: int = 1,
    maxsize: int = 10,
    *,
    policy: Policy | None = None,
    service: str | None = None,
    pool_recycle: float = -1,
    **kwargs: Any,
) -> _Pending[Pool]:
    """A pool in place of ``aiomysql.create_pool(...)``: its ``minsize`` connections, and
    every new one, open through calls at the server's gate.

    ``await create_pool(...)`` or ``async with create_pool(...) as pool``.
    """
    connector: AsyncConnector[Any] = AsyncConnector(aiomysql.connect, kwargs, policy, service, None)

    async def create() -> Pool:
        pool = Pool(connector, minsize, maxsize, pool_recycle)
        try:
            await pool._fill()
        except BaseException:
            pool.close()
            raise
        return pool

    return _Pending(create(), _close_pool)
