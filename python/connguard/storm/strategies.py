"""How a client connects under each strategy: none, tenacity (the best peer), connguard, oracle.

``tenacity`` is what a careful user writes today:
``wait_random_exponential(multiplier=0.05, max=5)`` and
``stop_after_delay(deadline)``, retrying on 1040. ``oracle`` connects with the
plain driver, as ``none``; the worker puts a semaphore of the process's share
of the free slots around each client (connect, query, close), and closes
with :func:`close_after_the_server` / :func:`async_close_after_the_server`
so the semaphore lets the next client in only once the server has let the
connection go. Even so MariaDB frees a closed connection's slot a moment
after its end of stream (it closes the socket, then counts the connection
out), so a connect let in at once is sometimes refused: the oracle retries a
1040 after ``ORACLE_RETRY`` (1 ms) until the deadline; the server's refused
count shows how often.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import time
from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Any

import aiomysql
import mariadb
import tenacity

import connguard.aiomysql
import connguard.mariadb
from connguard import Policy, error_code
from connguard.drivers.aiomysql import DRIVER as AIOMYSQL
from connguard.drivers.aiomysql import SERVER_CLOSE_WAIT
from connguard.storm.scenario import STRATEGIES

# The oracle's pause before it tries a refused connect again (see above).
ORACLE_RETRY = 0.001
TOO_MANY_CONNECTIONS = 1040


def _tenacity_kwargs(deadline: float) -> dict[str, Any]:
    return {
        "wait": tenacity.wait_random_exponential(multiplier=0.05, max=5),
        "stop": tenacity.stop_after_delay(deadline),
        "retry": tenacity.retry_if_exception(lambda exc: error_code(exc) == 1040),
        "reraise": True,
    }


def guarded_policy(deadline: float) -> Policy:
    """The connguard strategy's policy: the storm's deadline, attempts enough for it."""
    return Policy.from_dict({"deadline": f"{deadline}s", "max_attempts": 1000})


def sync_connect(strategy: str, kwargs: dict[str, Any], deadline: float) -> Callable[[], Any]:
    """A zero-argument connect for a thread client (the ``mariadb`` driver)."""
    if strategy == "none":
        return lambda: mariadb.connect(**kwargs)
    if strategy == "oracle":

        def oracle() -> Any:
            until = monotonic() + deadline
            while True:
                try:
                    return mariadb.connect(**kwargs)
                except mariadb.Error as exc:
                    if error_code(exc) != TOO_MANY_CONNECTIONS or monotonic() >= until:
                        raise
                time.sleep(ORACLE_RETRY)

        return oracle
    if strategy == "tenacity":
        retrying = tenacity.Retrying(**_tenacity_kwargs(deadline))
        return lambda: retrying(mariadb.connect, **kwargs)
    if strategy == "connguard":
        policy = guarded_policy(deadline)
        return lambda: connguard.mariadb.connect(policy=policy, **kwargs)
    raise ValueError(f"unknown strategy {strategy!r}; one of {', '.join(STRATEGIES)}")


def async_connect(
    strategy: str, kwargs: dict[str, Any], deadline: float
) -> Callable[[], Awaitable[Any]]:
    """A zero-argument connect for an asyncio client (``aiomysql``)."""
    if strategy == "none":
        return lambda: aiomysql.connect(**kwargs)
    if strategy == "oracle":

        async def oracle() -> Any:
            until = monotonic() + deadline
            while True:
                try:
                    return await aiomysql.connect(**kwargs)
                except Exception as exc:
                    if error_code(exc) != TOO_MANY_CONNECTIONS or monotonic() >= until:
                        raise
                await asyncio.sleep(ORACLE_RETRY)

        return oracle
    if strategy == "tenacity":

        async def tenacious() -> Any:
            async for attempt in tenacity.AsyncRetrying(**_tenacity_kwargs(deadline)):
                with attempt:
                    return await aiomysql.connect(**kwargs)
            raise AssertionError("unreachable: reraise=True")

        return tenacious
    if strategy == "connguard":
        policy = guarded_policy(deadline)

        async def guarded() -> Any:
            return await connguard.aiomysql.connect(policy=policy, **kwargs)

        return guarded
    raise ValueError(f"unknown strategy {strategy!r}; one of {', '.join(STRATEGIES)}")


def wait_for_end_of_stream(fd: int, limit: float) -> None:
    """Read and drop what arrives on ``fd`` until the peer closes, the socket fails, or
    ``limit`` seconds pass (as the C++ engine's ``wait_for_end_of_stream``)."""
    until = monotonic() + limit
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while (left := until - monotonic()) > 0:
        if not poller.poll(left * 1000):
            return
        try:
            if not os.read(fd, 256):
                return  # the server's end of stream
        except OSError:
            return


def close_after_the_server(conn: Any) -> None:
    """Close a ``mariadb`` connection and return once the server has closed its end
    (after QUIT, at most ``SERVER_CLOSE_WAIT``): the rule of the C++ and aiomysql
    adapters, through a duplicate of Connector/C's socket that outlives the close."""
    server_end = -1
    with contextlib.suppress(mariadb.Error, OSError):
        socket = conn._get_socket()
        if isinstance(socket, int) and socket >= 0:
            server_end = os.dup(socket)
    try:
        conn.close()
    finally:
        if server_end >= 0:
            try:
                wait_for_end_of_stream(server_end, SERVER_CLOSE_WAIT)
            finally:
                os.close(server_end)


async def async_close_after_the_server(conn: Any) -> None:
    """QUIT an aiomysql connection and return once the server has closed its end:
    connguard.aiomysql's own close (at most ``SERVER_CLOSE_WAIT``)."""
    await AIOMYSQL.opened(conn, {}).ensure_closed()
