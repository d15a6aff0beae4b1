"""retry_call against the real embedded MariaDB at max_connections=10 (issue 2's proof)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import mariadb
import mysql.connector
import pymysql
import pytest

from connguard import Policy, give_up_info, retry_call
from connguard.testing import ServerUnderTest

pytestmark = pytest.mark.integration

Connect = Callable[..., Any]

DRIVERS: dict[str, Connect] = {
    "mariadb": lambda s, **kw: mariadb.connect(
        host=s.host, port=s.port, user=s.user, database=s.database, **{"password": s.password, **kw}
    ),
    "mysql-connector": lambda s, **kw: mysql.connector.connect(
        host=s.host, port=s.port, user=s.user, database=s.database, **{"password": s.password, **kw}
    ),
    "pymysql": lambda s, **kw: pymysql.connect(
        host=s.host, port=s.port, user=s.user, database=s.database, **{"password": s.password, **kw}
    ),
}


@pytest.fixture
def full_server(mariadb_server: ServerUnderTest) -> Iterator[list[Any]]:
    """The shared server with all max_connections connections held by this test."""
    held = [DRIVERS["mariadb"](mariadb_server) for _ in range(mariadb_server.max_connections)]
    try:
        yield held
    finally:
        for conn in held:
            conn.close()


class Counting:
    def __init__(self, fn: Connect) -> None:
        self.fn = fn
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.fn(*args, **kwargs)


@pytest.mark.parametrize("driver", DRIVERS)
def test_waits_and_succeeds_when_a_held_connection_is_released(
    driver: str, mariadb_server: ServerUnderTest, full_server: list[Any]
) -> None:
    with pytest.raises(Exception) as refused:
        DRIVERS[driver](mariadb_server)
    assert "Too many connections" in str(refused.value)

    policy = Policy.from_dict(
        {"initial_delay": "20ms", "max_delay": "200ms", "deadline": "10s", "max_attempts": 1000}
    )
    connect = Counting(DRIVERS[driver])
    threading.Timer(0.5, full_server.pop().close).start()
    start = time.monotonic()
    conn = retry_call(policy, connect, mariadb_server, target=mariadb_server.dsn)
    waited = time.monotonic() - start
    try:
        assert connect.calls > 1
        assert waited >= 0.45  # nothing could succeed before the release
    finally:
        conn.close()


def test_wrong_password_fails_on_first_attempt_without_leaking_it(
    mariadb_server: ServerUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="connguard")
    secret = "not-the-password-" + mariadb_server.password[:6]
    dsn = f"mariadb://{mariadb_server.user}:{secret}@{mariadb_server.host}:{mariadb_server.port}/x"
    connect = Counting(DRIVERS["mariadb"])
    with pytest.raises(mariadb.Error) as raised:
        retry_call(Policy(), connect, mariadb_server, target=dsn, password=secret)
    assert raised.value.errno == 1045
    assert connect.calls == 1
    info = give_up_info(raised.value)
    assert info is not None and (info.attempts, info.reason) == (1, "fatal")
    assert info.elapsed < Policy().initial_delay  # no sleep happened
    shown = "\n".join([str(raised.value), *raised.value.__notes__, caplog.text])
    assert secret not in shown
    assert mariadb_server.password not in shown
    assert f"{mariadb_server.user}:***@" in shown


def test_deadline_is_respected(mariadb_server: ServerUnderTest, full_server: list[Any]) -> None:
    deadline = 1.0
    policy = Policy.from_dict(
        {
            "initial_delay": "20ms",
            "max_delay": "300ms",
            "deadline": f"{deadline}s",
            "max_attempts": 1000,
        }
    )
    start = time.monotonic()
    with pytest.raises(mariadb.Error) as raised:
        retry_call(policy, DRIVERS["mariadb"], mariadb_server)
    elapsed = time.monotonic() - start
    assert raised.value.errno == 1040
    info = give_up_info(raised.value)
    assert info is not None and info.reason == "deadline"
    assert info.attempts > 1
    assert elapsed <= deadline * 1.1
