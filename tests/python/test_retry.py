"""retry_call / retry_call_async against scripted failures, on a fake clock."""

from __future__ import annotations

import asyncio
import logging
import traceback

import pymysql
import pytest

import connguard.pymysql
import connguard.runner
from conftest import SEED, FakeClock
from connguard import Policy, _native, give_up_info, retry_call, retry_call_async

# The limiter off: these tests script the retry schedule on a fake clock, which a
# gate's real-time waits would not follow (test_retry_call_with_a_dsn_goes_through_the_gate).
POLICY = Policy.from_dict(
    {
        "initial_delay": "100ms",
        "max_delay": "1s",
        "deadline": "10s",
        "max_attempts": 5,
        "limiter": {"enabled": False},
    }
)
TARGET = "mariadb://app:hunter2@127.0.0.1:3306/main"


def too_many() -> pymysql.err.OperationalError:
    return pymysql.err.OperationalError(1040, "Too many connections")


class Flaky:
    """Fails with the given exceptions in turn, then returns 'connected'."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self, *args: object, **kwargs: object) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "connected"


def expected_delays(policy: Policy, count: int) -> list[float]:
    schedule = _native.Schedule(policy, SEED)
    return [schedule.next() for _ in range(count)]


def test_success_needs_no_decision(clock: FakeClock) -> None:
    assert retry_call(POLICY, Flaky()) == "connected"
    assert clock.sleeps == []


def test_retries_with_the_schedule_then_succeeds(clock: FakeClock) -> None:
    fn = Flaky(too_many(), too_many(), ConnectionRefusedError(111, "refused"))
    assert retry_call(POLICY, fn, "arg", target=TARGET, kw=1) == "connected"
    assert fn.calls == 4
    assert clock.sleeps == expected_delays(POLICY, 3)


def test_gives_up_after_max_attempts_with_the_drivers_own_error(clock: FakeClock) -> None:
    failures = [too_many() for _ in range(5)]
    with pytest.raises(pymysql.err.OperationalError) as raised:
        retry_call(POLICY, Flaky(*failures))
    assert raised.value is failures[-1]
    info = give_up_info(raised.value)
    assert info is not None
    assert (info.attempts, info.reason, info.code, info.error_class) == (
        5,
        "attempts",
        1040,
        "capacity",
    )
    assert info.elapsed == pytest.approx(sum(clock.sleeps))
    assert "gave up after 5 attempts" in "\n".join(raised.value.__notes__)


def test_deadline_stops_before_a_sleep_would_cross_it(clock: FakeClock) -> None:
    policy = Policy.from_dict(
        {"initial_delay": "1s", "max_delay": "1s", "jitter": "none", "deadline": "2.5s"}
    )
    with pytest.raises(pymysql.err.OperationalError) as raised:
        retry_call(policy, Flaky(*[too_many() for _ in range(10)]))
    assert clock.sleeps == [1.0, 1.0]  # a third sleep would end at 3.0s >= 2.5s
    info = give_up_info(raised.value)
    assert info is not None and info.reason == "deadline"


def test_fatal_error_fails_on_first_attempt_with_advice(clock: FakeClock) -> None:
    blocked = pymysql.err.OperationalError(1129, "Host is blocked")
    with pytest.raises(pymysql.err.OperationalError) as raised:
        retry_call(POLICY, Flaky(blocked))
    assert clock.sleeps == []
    info = give_up_info(raised.value)
    assert info is not None and (info.attempts, info.reason) == (1, "fatal")
    assert "FLUSH HOSTS" in "\n".join(raised.value.__notes__)


def test_other_exceptions_pass_through_untouched(clock: FakeClock) -> None:
    with pytest.raises(KeyError) as raised:
        retry_call(POLICY, Flaky(KeyError("host")))
    assert give_up_info(raised.value) is None
    assert not getattr(raised.value, "__notes__", None)
    assert clock.sleeps == []


def test_logs_one_warning_per_retry_and_an_error_without_the_password(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="connguard")
    with pytest.raises(pymysql.err.OperationalError) as raised:
        retry_call(POLICY, Flaky(*[too_many() for _ in range(5)]), target=TARGET)
    levels = [record.levelname for record in caplog.records]
    assert levels == ["WARNING"] * 4 + ["ERROR"]
    assert "attempt 1/5" in caplog.records[0].getMessage()
    assert "1040 ER_CON_COUNT_ERROR" in caplog.records[0].getMessage()
    shown = caplog.text + "\n".join(raised.value.__notes__)
    assert "hunter2" not in shown
    assert "app:***@127.0.0.1" in shown


def test_async_retries_then_succeeds() -> None:
    policy = Policy.from_dict({"initial_delay": "1ms", "max_delay": "5ms"})
    fn = Flaky(too_many(), too_many())

    async def connect() -> str:
        return fn()

    assert asyncio.run(retry_call_async(policy, connect)) == "connected"
    assert fn.calls == 3


def test_async_cancellation_propagates_at_once() -> None:
    policy = Policy.from_dict(
        {"initial_delay": "30s", "max_delay": "30s", "jitter": "none", "deadline": "5m"}
    )
    fn = Flaky(*[too_many() for _ in range(3)])

    async def connect() -> str:
        return fn()

    async def main() -> None:
        task = asyncio.create_task(retry_call_async(policy, connect))
        await asyncio.sleep(0.01)  # the task is now in its 30 s backoff sleep
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=1)

    asyncio.run(main())
    assert fn.calls == 1


def test_no_frame_of_a_give_up_keeps_the_password() -> None:
    """An error tracker shows a traceback's locals: none of them may hold the password,
    though every attempt passed it to the driver (a real PyMySQL, refused on a closed port)."""
    password = "Tr4ceback-S3cret"
    policy = Policy.from_dict({"max_attempts": 2, "initial_delay": "1ms", "max_delay": "1ms"})
    with pytest.raises(pymysql.err.OperationalError) as raised:
        connguard.pymysql.connect(
            policy=policy, host="127.0.0.1", port=1, user="app", password=password
        )
    frames = [frame for frame, _ in traceback.walk_tb(raised.value.__traceback__)][1:]  # not ours
    assert len(frames) > 3  # the adapter's, the runner's and the driver's
    for frame in frames:
        assert password not in repr(frame.f_locals), frame.f_code.co_name


def test_retry_call_with_a_dsn_goes_through_the_gate_and_close_frees_the_slot() -> None:
    from connguard.gate import gate_for

    class Conn:
        def close(self) -> None:
            pass

    policy = Policy.from_dict({"limiter": {"initial_limit": 1, "max_limit": 1}})
    target = "mariadb://app:pw@retry-gate.invalid:3399/main"
    conn = retry_call(policy, Conn, target=target)
    gate = gate_for(("tcp", "retry-gate.invalid", 3399), policy)
    assert gate.state()[1] == 1  # holding: the call went through this gate
    conn.close()
    assert gate.state()[1] == 0
    # No DSN and no driver: no server to queue for, so no gate.
    assert retry_call(policy, Conn).__class__ is Conn
    assert gate.state()[1] == 0
