"""connguard.retry_context / retry_context_async: the call's attempts as ``with`` blocks,
against scripted driver errors (a fake clock, or test mode where nothing waits)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

import connguard
import connguard.runner
from conftest import SEED, FakeClock, vector_cases
from connguard import Event, Policy, PolicySet, _native, give_up_info
from connguard.retry_context import Attempt

POLICY = Policy.from_dict(
    {"initial_delay": "100ms", "max_delay": "1s", "deadline": "10s", "max_attempts": 5}
)
TARGET = "mariadb://app:hunter2@127.0.0.1:3306/main"


@pytest.fixture
def seen() -> Iterator[list[Event]]:
    """Test mode (no real sleeps) and every event of the test."""
    found: list[Event] = []
    connguard.set_testing(True)
    connguard.set_hooks([found.append])
    yield found
    connguard.set_hooks(None)
    connguard.set_testing(False)


def failure(code: int | None) -> Exception:
    """What a driver raises for ``code`` (None: a network error)."""
    if code is None:
        return ConnectionRefusedError(111, "Connection refused")
    return pymysql.err.OperationalError(code, f"error {code}")


def expected_delays(policy: Policy, count: int) -> list[float]:
    schedule = _native.Schedule(policy, SEED)
    return [schedule.next() for _ in range(count)]


def connect_through(outcomes: list[Any], policy: Policy = POLICY, **context: Any) -> list[Attempt]:
    """Runs a retry context whose blocks end as ``outcomes`` say; the attempts it handed."""
    attempts: list[Attempt] = []
    for attempt in connguard.retry_context(policy, **context):
        with attempt:
            attempts.append(attempt)
            outcome = outcomes.pop(0)
            if isinstance(outcome, BaseException):
                raise outcome
    return attempts


def vector_form(event: Event) -> list[Any]:
    """An event as tests/vectors/events.json writes it (no times, spec 8.1)."""
    kept = {
        "attempt": ("attempt",),
        "failed": ("attempt", "code", "class"),
        "retry": ("attempt", "delay"),
        "give_up": ("reason", "attempts", "code", "class"),
        "connected": ("attempts",),
    }[event.name]
    fields = {name: getattr(event, "error_class" if name == "class" else name) for name in kept}
    if fields.get("delay") is not None:
        fields["delay"] = "sleep"
    return [event.name, fields]


UNGATED = [case for case in vector_cases("events") if not case["gated"]]


@pytest.mark.parametrize("case", UNGATED, ids=[case["name"] for case in UNGATED])
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_the_events_of_the_vectors(
    case: dict[str, Any], asynchronous: bool, seen: list[Event]
) -> None:
    """The context is a runner of the call: it emits what spec 8.1 says, as the others."""
    policy = PolicySet.parse(case["policy"], "vector.toml").defaults
    outcomes = [step for step in case["script"] if step != "close"]

    def make(attempt: Attempt) -> None:
        with attempt:
            outcome = outcomes.pop(0)
            if outcome != "ok":
                raise failure(outcome)

    async def run_async() -> None:
        async for attempt in connguard.retry_context_async(policy):
            make(attempt)

    try:
        if asynchronous:
            asyncio.run(run_async())
        else:
            for attempt in connguard.retry_context(policy):
                make(attempt)
    except (pymysql.err.OperationalError, ConnectionRefusedError) as exc:
        assert give_up_info(exc) is not None
    assert [vector_form(event) for event in seen] == case["events"]
    assert outcomes == []


def test_sleeps_the_schedule_between_attempts_capped_by_the_deadline(clock: FakeClock) -> None:
    policy = Policy.from_dict(
        {"initial_delay": "100ms", "max_delay": "1s", "deadline": "3s", "connect_timeout": "5s"}
    )
    attempts = connect_through([failure(1040), failure(1040), failure(None), "ok"], policy)
    assert [attempt.number for attempt in attempts] == [1, 2, 3, 4]
    delays = expected_delays(policy, 3)
    assert clock.sleeps == delays
    # Each attempt's cap is the time left to the deadline (less than connect_timeout here).
    started = [0.0, delays[0], delays[0] + delays[1], sum(delays)]
    assert [attempt.timeout for attempt in attempts] == pytest.approx([3 - t for t in started])


def test_a_block_that_ends_without_an_exception_ends_the_loop(clock: FakeClock) -> None:
    assert len(connect_through(["ok", "never reached"])) == 1
    assert clock.sleeps == []


def test_gives_up_after_max_attempts_with_the_drivers_last_error(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="connguard")
    failures = [failure(1040) for _ in range(5)]
    with pytest.raises(pymysql.err.OperationalError) as raised:
        connect_through(list(failures), target=TARGET, service="worker")
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
    # One WARNING per retry and the ERROR, naming the service as the adapters do, masked.
    assert [record.levelname for record in caplog.records] == ["WARNING"] * 4 + ["ERROR"]
    assert "service=worker target=mariadb://app:***@127.0.0.1:3306/main" in caplog.text
    assert "hunter2" not in caplog.text + "\n".join(raised.value.__notes__)


def test_gives_up_at_the_deadline(clock: FakeClock) -> None:
    policy = Policy.from_dict(
        {"initial_delay": "1s", "max_delay": "1s", "jitter": "none", "deadline": "2.5s"}
    )
    with pytest.raises(pymysql.err.OperationalError) as raised:
        connect_through([failure(1040) for _ in range(10)], policy)
    assert clock.sleeps == [1.0, 1.0]  # a third sleep would end at 3.0s >= 2.5s
    info = give_up_info(raised.value)
    assert info is not None and (info.attempts, info.reason) == (3, "deadline")


def test_a_fatal_error_leaves_the_first_block(clock: FakeClock) -> None:
    with pytest.raises(pymysql.err.OperationalError) as raised:
        connect_through([failure(1045), "ok"])
    info = give_up_info(raised.value)
    assert info is not None and (info.attempts, info.reason) == (1, "fatal")
    assert clock.sleeps == []


def test_an_error_that_is_not_a_failure_to_connect_leaves_at_once(clock: FakeClock) -> None:
    outcomes: list[Any] = [failure(1040), KeyError("host"), "ok"]
    with pytest.raises(KeyError) as raised:
        connect_through(outcomes)
    assert outcomes == ["ok"]
    assert give_up_info(raised.value) is None
    assert not getattr(raised.value, "__notes__", None)
    assert len(clock.sleeps) == 1  # after the 1040 only


def test_returning_from_the_block_ends_the_call(seen: list[Event]) -> None:
    def connect() -> str:
        for attempt in connguard.retry_context(POLICY):
            with attempt:
                return "connected"
        raise AssertionError("a retry context runs its first attempt")

    assert connect() == "connected"
    assert [event.name for event in seen] == ["attempt", "connected"]


def test_an_attempt_not_made_in_a_with_block_is_an_error(clock: FakeClock) -> None:
    attempts = connguard.retry_context(POLICY)
    next(attempts)
    with pytest.raises(RuntimeError, match="with attempt"):
        next(attempts)


def test_an_attempt_is_made_once(clock: FakeClock) -> None:
    attempts = connguard.retry_context(POLICY)
    first = next(attempts)
    with pytest.raises(pymysql.err.OperationalError), first:
        raise failure(1045)
    with pytest.raises(RuntimeError, match="once"), first:
        pass


def test_async_retries_then_connects(seen: list[Event]) -> None:
    outcomes: list[Any] = [failure(1040), failure(None), "ok"]

    async def connect() -> int:
        made = 0
        async for attempt in connguard.retry_context_async(POLICY):
            with attempt:
                made += 1
                outcome = outcomes.pop(0)
                if isinstance(outcome, Exception):
                    raise outcome
        return made

    assert asyncio.run(connect()) == 3
    assert [event.name for event in seen][-2:] == ["attempt", "connected"]


def test_async_gives_up_with_the_drivers_last_error() -> None:
    policy = Policy.from_dict({"initial_delay": "1s", "jitter": "none", "deadline": "500ms"})
    refused = failure(1040)

    async def connect() -> None:
        async for attempt in connguard.retry_context_async(policy):
            with attempt:
                raise refused

    with pytest.raises(pymysql.err.OperationalError) as raised:
        asyncio.run(connect())
    assert raised.value is refused
    info = give_up_info(raised.value)
    assert info is not None and (info.attempts, info.reason) == (1, "deadline")


def test_async_cancellation_stops_the_sleep_at_once() -> None:
    policy = Policy.from_dict(
        {"initial_delay": "30s", "max_delay": "30s", "jitter": "none", "deadline": "5m"}
    )
    made: list[int] = []

    async def connect() -> None:
        async for attempt in connguard.retry_context_async(policy):
            with attempt:
                made.append(attempt.number)
                raise failure(1040)

    async def main() -> None:
        task = asyncio.create_task(connect())
        await asyncio.sleep(0.01)  # the task is now in its 30 s backoff sleep
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=1)

    asyncio.run(main())
    assert made == [1]
