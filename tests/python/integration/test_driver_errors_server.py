"""On a real server: connguard's own errors for a driver's calls are that driver's
``OperationalError`` too, so a service's existing ``except <driver>.OperationalError``
catches a caller that waited out its deadline at a full gate or pool."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator
from typing import Any

import aiomysql
import mariadb
import pytest
import sqlalchemy
from adapters import SYNC_ADAPTERS, SyncAdapter, driver_kwargs

import connguard
import connguard.aiomysql
import connguard.mariadb
import connguard.sqlalchemy
from connguard import ConnguardError, Policy, PoolTimeout, QueueTimeout
from connguard.pool import Pool
from connguard.testing import ServerUnderTest

pytestmark = pytest.mark.integration

# One slot per process at the server, which the test holds: the next caller waits its
# whole deadline in the gate's queue without an attempt (no probe goes at max_limit).
FULL_GATE = Policy.from_dict({"deadline": "300ms", "limiter": {"initial_limit": 1, "max_limit": 1}})
SHORT = Policy.from_dict({"deadline": "300ms"})


def _pymysql_fields(exc: Any) -> object:
    code, message = exc.args  # as handlers of PyMySQL's errors unpack them
    return (code, message)


# What each driver's handlers read from its errors, and what connguard's carry there.
FIELDS: dict[str, tuple[Callable[[Any], object], Callable[[str], object]]] = {
    "pymysql": (_pymysql_fields, lambda message: (0, message)),
    "aiomysql": (_pymysql_fields, lambda message: (0, message)),
    "mariadb": (
        lambda exc: (exc.errno, exc.sqlstate, exc.errmsg, exc.msg),
        lambda message: (0, "HY000", message, message),
    ),
    "mysql.connector": (
        lambda exc: (exc.errno, exc.sqlstate, exc.msg),
        lambda message: (-1, None, message),
    ),
}


def assert_catchable(exc: BaseException, driver: str, server: ServerUnderTest) -> None:
    read, expected = FIELDS[driver]
    assert isinstance(exc, ConnguardError)
    assert read(exc) == expected(str(exc))
    assert server.password not in str(exc)


@pytest.fixture
def fresh_gates() -> Iterator[None]:
    """The first policy to reach a server sets its gate's limits: this test's."""
    connguard.reset_gates()
    yield
    connguard.reset_gates()


@pytest.mark.parametrize("adapter", SYNC_ADAPTERS, ids=[a.name for a in SYNC_ADAPTERS])
def test_a_queue_timeout_is_the_drivers_operational_error(
    adapter: SyncAdapter, mariadb_server: ServerUnderTest, fresh_gates: None
) -> None:
    kwargs = driver_kwargs(mariadb_server, adapter.driver)
    held = adapter.guarded(policy=FULL_GATE, **kwargs)  # the gate's only slot
    try:
        with pytest.raises(adapter.module.OperationalError) as raised:
            adapter.guarded(policy=FULL_GATE, **kwargs)
    finally:
        held.close()
    assert isinstance(raised.value, QueueTimeout)
    assert "waited" in str(raised.value)
    assert_catchable(raised.value, adapter.driver, mariadb_server)


def test_an_aiomysql_queue_timeout_is_its_operational_error(
    mariadb_server: ServerUnderTest, fresh_gates: None
) -> None:
    kwargs = driver_kwargs(mariadb_server, "aiomysql")

    async def wait_behind_a_held_connection() -> BaseException:
        held = await connguard.aiomysql.connect(policy=FULL_GATE, **kwargs)
        try:
            try:
                await connguard.aiomysql.connect(policy=FULL_GATE, **kwargs)
            except aiomysql.OperationalError as exc:  # the service's existing handler
                caught: BaseException = exc
                return caught
            raise AssertionError("a second connection had no slot to take")
        finally:
            await held.ensure_closed()

    caught = asyncio.run(wait_behind_a_held_connection())
    assert isinstance(caught, QueueTimeout)
    assert_catchable(caught, "aiomysql", mariadb_server)


def test_an_engine_wraps_a_queue_timeout_as_it_wraps_the_drivers_errors(
    mariadb_server: ServerUnderTest, fresh_gates: None
) -> None:
    kwargs = driver_kwargs(mariadb_server, "mariadb")
    creator = connguard.sqlalchemy.creator(mariadb.connect, policy=FULL_GATE, **kwargs)
    engine = sqlalchemy.create_engine("mariadb+mariadbconnector://", creator=creator)
    held = connguard.mariadb.connect(policy=FULL_GATE, **kwargs)
    try:
        with pytest.raises(sqlalchemy.exc.OperationalError) as raised:
            engine.connect()
    finally:
        held.close()
        engine.dispose()
    assert isinstance(raised.value.orig, QueueTimeout)
    assert isinstance(raised.value.orig, mariadb.OperationalError)


@pytest.mark.parametrize("adapter", SYNC_ADAPTERS, ids=[a.name for a in SYNC_ADAPTERS])
def test_a_pool_timeout_is_the_drivers_operational_error(
    adapter: SyncAdapter, mariadb_server: ServerUnderTest
) -> None:
    connect = functools.partial(
        adapter.module.connect, **driver_kwargs(mariadb_server, adapter.driver)
    )
    with (
        Pool(connect, size=1, policy=SHORT) as pool,
        pool.acquire(),
        pytest.raises(adapter.module.OperationalError) as raised,
        pool.acquire(),
    ):
        pass
    assert isinstance(raised.value, PoolTimeout)
    assert_catchable(raised.value, adapter.driver, mariadb_server)


def test_an_aiomysql_pool_timeout_is_its_operational_error(
    mariadb_server: ServerUnderTest,
) -> None:
    kwargs = driver_kwargs(mariadb_server, "aiomysql")

    async def wait_for_the_only_connection() -> BaseException:
        pool = await connguard.aiomysql.create_pool(minsize=0, maxsize=1, policy=SHORT, **kwargs)
        try:
            async with pool.acquire():
                try:
                    await pool.acquire()
                except aiomysql.OperationalError as exc:
                    caught: BaseException = exc
                    return caught
            raise AssertionError("a second connection came from a pool of one")
        finally:
            pool.close()
            await pool.wait_closed()

    caught = asyncio.run(wait_for_the_only_connection())
    assert isinstance(caught, PoolTimeout)
    assert_catchable(caught, "aiomysql", mariadb_server)
