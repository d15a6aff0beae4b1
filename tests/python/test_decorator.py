"""@connguard.retry: a decorated connect function, sync or async, against scripted driver
errors on a fake clock; and decorating a real driver's connect (a closed loopback port)."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import aiomysql
import pymysql
import pytest

import connguard
import connguard.runner
from conftest import SEED, FakeClock
from connguard import Policy, _native, give_up_info
from connguard.policy import POLICY_ENV

POLICY = Policy.from_dict(
    {
        "initial_delay": "100ms",
        "max_delay": "1s",
        "deadline": "10s",
        "max_attempts": 4,
        "limiter": {"enabled": False},
    }
)


def too_many() -> pymysql.err.OperationalError:
    return pymysql.err.OperationalError(1040, "Too many connections")


class Script:
    """Raises the given exceptions in turn, then returns a connection for its arguments."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls: list[tuple[str, int]] = []

    def connect(self, host: str, *, port: int = 3306) -> str:
        """Opens a connection to host:port."""
        self.calls.append((host, port))
        if self.failures:
            raise self.failures.pop(0)
        return f"connection to {host}:{port}"


def test_a_decorated_function_retries_with_the_schedule(clock: FakeClock) -> None:
    script = Script(too_many(), ConnectionRefusedError(111, "refused"))
    connect = connguard.retry(POLICY)(script.connect)
    assert connect("db", port=3307) == "connection to db:3307"
    assert script.calls == [("db", 3307)] * 3
    schedule = _native.Schedule(POLICY, SEED)
    assert clock.sleeps == [schedule.next(), schedule.next()]


def test_gives_up_with_the_drivers_last_error(clock: FakeClock) -> None:
    failures = [too_many() for _ in range(4)]
    connect = connguard.retry(POLICY, target="mariadb://app:pw@db/main")(Script(*failures).connect)
    with pytest.raises(pymysql.err.OperationalError) as raised:
        connect("db")
    assert raised.value is failures[-1]
    info = give_up_info(raised.value)
    assert info is not None and (info.attempts, info.reason) == (4, "attempts")
    assert "target=mariadb://app:***@db/main" in "\n".join(raised.value.__notes__)


def test_a_fatal_error_raises_on_the_first_attempt(clock: FakeClock) -> None:
    script = Script(pymysql.err.OperationalError(1045, "Access denied"))
    with pytest.raises(pymysql.err.OperationalError) as raised:
        connguard.retry(POLICY)(script.connect)("db")
    info = give_up_info(raised.value)
    assert info is not None and (info.attempts, info.reason) == (1, "fatal")
    assert len(script.calls) == 1
    assert clock.sleeps == []


def test_other_errors_propagate_at_once(clock: FakeClock) -> None:
    script = Script(KeyError("host"))
    with pytest.raises(KeyError) as raised:
        connguard.retry(POLICY)(script.connect)("db")
    assert give_up_info(raised.value) is None
    assert len(script.calls) == 1


def test_the_signature_and_metadata_are_kept() -> None:
    script = Script()
    connect = connguard.retry(POLICY)(script.connect)
    assert inspect.signature(connect) == inspect.signature(script.connect)
    assert (connect.__name__, connect.__doc__) == ("connect", "Opens a connection to host:port.")
    assert connect.__wrapped__ == script.connect  # type: ignore[attr-defined]
    host: str = connect("db", port=1)  # mypy checks the decorated signature here...
    assert host == "connection to db:1"

    def wrong() -> None:
        connect("db", port="1")  # type: ignore[arg-type]  # ...and here (an unused ignore fails)


def test_a_decorator_needs_its_parentheses() -> None:
    with pytest.raises(TypeError, match=r"@connguard.retry\(\)"):
        connguard.retry(Script().connect)  # type: ignore[arg-type]


def test_no_policy_reads_the_policy_file_for_the_service_at_each_call(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    policy_file = tmp_path / "connguard.toml"
    policy_file.write_text(
        "[default]\nmax_attempts = 5\n[default.limiter]\nenabled = false\n"
        "[service.worker]\nmax_attempts = 2\n"
    )
    script = Script(*[too_many() for _ in range(10)])
    connect = connguard.retry(service="worker")(script.connect)
    monkeypatch.setenv(POLICY_ENV, str(policy_file))
    with pytest.raises(pymysql.err.OperationalError) as raised:
        connect("db")
    info = give_up_info(raised.value)
    assert info is not None and info.attempts == 2
    assert "service=worker" in "\n".join(raised.value.__notes__)
    assert len(script.calls) == 2
    # Resolved again at the next call: without the file, the built-in 10 attempts.
    monkeypatch.delenv(POLICY_ENV)
    script.failures = [too_many(), too_many()]
    assert connect("db") == "connection to db:3306"


def test_a_coroutine_function_is_awaited_and_retried() -> None:
    policy = Policy.from_dict({"initial_delay": "1ms", "max_delay": "5ms"})
    script = Script(too_many(), too_many())

    @connguard.retry(policy)
    async def connect(host: str) -> str:
        return script.connect(host)

    assert inspect.iscoroutinefunction(connect)
    assert asyncio.run(connect("db")) == "connection to db:3306"
    assert len(script.calls) == 3


def test_a_coroutine_function_gives_up_with_the_drivers_last_error() -> None:
    policy = Policy.from_dict({"initial_delay": "1s", "jitter": "none", "deadline": "500ms"})
    refused = too_many()

    @connguard.retry(policy)
    async def connect() -> str:
        raise refused

    with pytest.raises(pymysql.err.OperationalError) as raised:
        asyncio.run(connect())
    assert raised.value is refused
    info = give_up_info(raised.value)
    assert info is not None and (info.attempts, info.reason) == (1, "deadline")


def test_a_drivers_async_connect_is_awaited() -> None:
    """aiomysql.connect is no coroutine function, but returns what must be awaited."""
    policy = Policy.from_dict({"max_attempts": 2, "initial_delay": "1ms", "max_delay": "1ms"})
    connect = connguard.retry(policy)(aiomysql.connect)
    with pytest.raises(pymysql.err.OperationalError) as raised:
        asyncio.run(connect(host="127.0.0.1", port=1, user="app", password="pw"))
    assert raised.value.args[0] == 2003  # refused: nothing listens on port 1
    info = give_up_info(raised.value)
    assert info is not None and (info.attempts, info.reason) == (2, "attempts")
