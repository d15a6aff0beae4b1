"""connguard's own errors as each driver's OperationalError (connguard.drivers): the class,
the fields the driver's handlers read, and that connguard never retries one."""

from __future__ import annotations

import traceback
from typing import Any

import aiomysql
import mariadb
import mysql.connector
import pymysql
import pytest

from connguard import (
    ConnguardError,
    Policy,
    PoolTimeout,
    QueueTimeout,
    error_code,
    is_network_error,
    retry_call,
)
from connguard.drivers import Driver, catchable, driver_of

TARGET = "mariadb://app:hunter2@db:3306/main"
# The driver's connect, its OperationalError, and what its handlers read from an error.
DRIVERS: dict[str, tuple[Any, type[Exception], Any]] = {
    "pymysql": (pymysql.connect, pymysql.err.OperationalError, lambda e: e.args),
    "aiomysql": (aiomysql.connect, aiomysql.OperationalError, lambda e: e.args),
    "mariadb": (
        mariadb.connect,
        mariadb.OperationalError,
        lambda e: (e.errno, e.sqlstate, e.errmsg, e.msg),
    ),
    "mysql.connector": (
        mysql.connector.connect,
        mysql.connector.errors.OperationalError,
        lambda e: (e.errno, e.sqlstate, e.msg),
    ),
}
FIELDS = {  # of an error whose message is "M"
    "pymysql": (0, "M"),
    "aiomysql": (0, "M"),
    "mariadb": (0, "HY000", "M", "M"),
    "mysql.connector": (-1, None, "M"),
}


def driver(name: str) -> Driver:
    found = driver_of(DRIVERS[name][0])
    assert found is not None
    return found


def queue_timeout(name: str) -> QueueTimeout:
    return catchable(driver(name), QueueTimeout)(target=TARGET, waited=1.5, limit=2, holding=2)


@pytest.mark.parametrize("name", DRIVERS)
def test_a_queue_timeout_is_the_drivers_operational_error(name: str) -> None:
    _, operational, read = DRIVERS[name]
    exc = queue_timeout(name)
    assert isinstance(exc, operational)
    assert isinstance(exc, QueueTimeout) and isinstance(exc, ConnguardError)
    assert (exc.target, exc.waited) == (TARGET, 1.5)
    message = str(exc)
    assert message.startswith("connguard waited 1.50s (the policy deadline)")
    assert read(exc) == tuple(message if f == "M" else f for f in FIELDS[name])


@pytest.mark.parametrize("name", DRIVERS)
def test_a_pool_timeout_is_the_drivers_operational_error(name: str) -> None:
    _, operational, read = DRIVERS[name]
    exc = catchable(driver(name), PoolTimeout)(size=3, target=TARGET, waited=1, deadline=1)
    assert isinstance(exc, operational) and isinstance(exc, PoolTimeout)
    assert exc.size == 3
    message = str(exc)
    assert "hunter2" not in message and "(size 3)" in message
    assert read(exc) == tuple(message if f == "M" else f for f in FIELDS[name])


@pytest.mark.parametrize("name", DRIVERS)
def test_one_class_per_driver_named_as_connguards(name: str) -> None:
    made = catchable(driver(name), QueueTimeout)
    assert catchable(driver(name), QueueTimeout) is made
    assert (made.__module__, made.__qualname__) == ("connguard.errors", "QueueTimeout")
    assert made.__doc__ == QueueTimeout.__doc__
    shown = traceback.format_exception_only(queue_timeout(name))[0]
    assert shown.startswith("connguard.errors.QueueTimeout: connguard waited")


def test_an_unknown_connect_function_gets_connguards_own() -> None:
    assert catchable(None, QueueTimeout) is QueueTimeout
    assert catchable(Driver(), PoolTimeout) is PoolTimeout


@pytest.mark.parametrize("name", DRIVERS)
def test_connguard_never_retries_one(name: str) -> None:
    """No server code and no network cause: an outer call lets it through at once."""
    exc = queue_timeout(name)
    assert error_code(exc) is None and not is_network_error(exc)
    calls = 0

    def connect() -> None:
        nonlocal calls
        calls += 1
        raise exc

    with pytest.raises(QueueTimeout):
        retry_call(Policy(), connect)
    assert calls == 1
