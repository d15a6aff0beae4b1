"""Retrying a connect call per a policy: ``retry_call`` (threads) and ``retry_call_async``.

Only connection establishment should go through these: connguard retries a
connect, never a statement whose outcome is unknown. With a limiter gate (the
driver adapters' known targets) a caller refused for capacity waits in the
gate's queue for a freed slot instead of sleeping blind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from time import monotonic, sleep
from typing import Any, TypeVar

from connguard._native import Decision, Policy, Verdict
from connguard.classification import classify, error_code, is_network_error
from connguard.decision import new_decision
from connguard.dsn import mask_dsn
from connguard.errors import QueueTimeout
from connguard.limiter import AsyncGate, Gate, new_waiter, track_close
from connguard.report import GiveUp, log_retry, logger, report_give_up

__all__ = ["call", "call_async", "retry_call", "retry_call_async"]

T = TypeVar("T")


class _Call:
    """The failure path of one call; built only after a first failure so the
    success path costs nothing but a clock read."""

    __slots__ = ("decision", "last", "policy", "service", "start", "target")

    def __init__(
        self, policy: Policy, target: str | None, service: str | None, start: float
    ) -> None:
        self.policy = policy
        self.target = target
        self.service = policy.service if service is None else service
        self.start = start
        self.decision: Decision = new_decision(policy)
        self.last: Exception | None = None

    def failed(self, exc: Exception, *, queue: bool = False) -> Verdict | None:
        """The verdict on a failed attempt; ``None``: not a connection failure (re-raise).

        Logs the retry, or reports the give-up on ``exc``. ``queue``: a capacity
        refusal will wait in the limiter's queue rather than sleep.
        """
        code = error_code(exc)
        if code is None and not is_network_error(exc):
            return None  # not a connection failure: not ours to retry or annotate
        self.last = exc
        elapsed = monotonic() - self.start
        verdict = self.decision.after_failure(code, elapsed)
        if verdict.retry:
            queued = queue and verdict.error_class == "capacity"
            log_retry(
                self.service,
                self.target,
                code,
                verdict,
                self.policy.max_attempts,
                exc,
                queued=queued,
            )
        else:
            info = GiveUp(verdict.attempt, elapsed, verdict.reason or "", code, verdict.error_class)
            report_give_up(self.service, self.target, code, info, exc)
        return verdict

    def waited_out(self, gate: Gate | AsyncGate) -> Exception:
        """What to raise when the deadline passed in the queue."""
        elapsed = monotonic() - self.start
        if self.last is None:
            limiter = gate.limiter
            timeout = QueueTimeout(
                target=mask_dsn(self.target or "-"),
                waited=elapsed,
                limit=limiter.limit,
                holding=limiter.holding,
            )
            logger.error("%s", timeout)
            return timeout
        code = error_code(self.last)
        info = GiveUp(
            self.decision.attempts, elapsed, "deadline", code, classify(code, self.policy)
        )
        report_give_up(self.service, self.target, code, info, self.last)
        return self.last


def _retrying(attempt: _Call, exc: Exception, fn: Callable[..., T], args: Any, kwargs: Any) -> T:
    """After a failed attempt: judge it, sleep, try again, until a success or a give-up."""
    while True:
        verdict = attempt.failed(exc)
        if verdict is None or not verdict.retry:
            raise exc
        sleep(verdict.delay)
        try:
            return fn(*args, **kwargs)
        except Exception as failure:
            exc = failure


def call(
    policy: Policy,
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    target: str | None,
    service: str | None,
) -> T:
    """The retry loop behind the driver adapters: sleeps between attempts.

    ``service=None``: the policy's, read only if an attempt fails.
    """
    start = monotonic()
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        first = exc
    return _retrying(_Call(policy, target, service, start), first, fn, args, kwargs)


async def call_async(
    policy: Policy,
    fn: Callable[..., Awaitable[T]],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    target: str | None,
    service: str | None,
) -> T:
    """The retry loop behind :func:`retry_call_async`: ``asyncio.sleep`` between attempts."""
    start = monotonic()
    attempt: _Call | None = None
    while True:
        try:
            return await fn(*args, **kwargs)
        except Exception as exc:
            attempt = attempt or _Call(policy, target, service, start)
            verdict = attempt.failed(exc)
            if verdict is None or not verdict.retry:
                raise
        await asyncio.sleep(verdict.delay)


def call_gated(
    policy: Policy,
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    target: str | None,
    service: str,
    gate: Gate,
) -> T:
    """:func:`call` through a limiter gate: the connection it returns reports its close."""
    start = monotonic()
    waiter = new_waiter()
    attempt = _Call(policy, target, service, start)
    gate.join(waiter)
    while True:
        if not gate.wait(waiter, policy.deadline - (monotonic() - start)):
            raise attempt.waited_out(gate)
        try:
            conn = fn(*args, **kwargs)
        except BaseException as exc:  # also KeyboardInterrupt: the slot must be given back
            verdict = attempt.failed(exc, queue=True) if isinstance(exc, Exception) else None
            if verdict is not None and verdict.error_class == "capacity":
                gate.rejected(waiter)  # the limit learns; back to the queue's head, no sleep
                if verdict.retry:
                    continue
            gate.left(waiter)
            if verdict is None or not verdict.retry:
                raise
            sleep(verdict.delay)
            gate.join(waiter)
            continue
        gate.connected(waiter)
        return track_close(conn, gate.released)


async def call_gated_async(
    policy: Policy,
    fn: Callable[..., Awaitable[T]],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    target: str | None,
    service: str,
    gate: AsyncGate,
) -> T:
    """:func:`call_async` through a limiter gate; cancellation leaves the queue at once."""
    start = monotonic()
    waiter = new_waiter()
    attempt = _Call(policy, target, service, start)
    gate.join(waiter)
    while True:
        if not await gate.wait(waiter, policy.deadline - (monotonic() - start)):
            raise attempt.waited_out(gate)
        try:
            conn = await fn(*args, **kwargs)
        except BaseException as exc:
            verdict = attempt.failed(exc, queue=True) if isinstance(exc, Exception) else None
            if verdict is not None and verdict.error_class == "capacity":
                gate.rejected(waiter)
                if verdict.retry:
                    continue
            gate.left(waiter)
            if verdict is None or not verdict.retry:
                raise
            await asyncio.sleep(verdict.delay)
            gate.join(waiter)
            continue
        gate.connected(waiter)
        return track_close(conn, gate.released)


def retry_call(
    policy: Policy,
    fn: Callable[..., T],
    /,
    *args: Any,
    target: str | None = None,
    **kwargs: Any,
) -> T:
    """``fn(*args, **kwargs)``, retried per ``policy`` while it fails to connect.

    ``target`` names the server in log lines (a DSN is masked). On give-up the
    driver's own last exception is raised, with a note and
    :func:`connguard.give_up_info` telling attempts, elapsed time and reason.
    """
    # The success path is inline (no further call before fn): it is the hot one.
    start = monotonic()
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        first = exc
    return _retrying(_Call(policy, target, None, start), first, fn, args, kwargs)


async def retry_call_async(
    policy: Policy,
    fn: Callable[..., Awaitable[T]],
    /,
    *args: Any,
    target: str | None = None,
    **kwargs: Any,
) -> T:
    """``await fn(*args, **kwargs)``, retried like :func:`retry_call`.

    Sleeps with ``asyncio.sleep``, so cancelling the task stops it at once.
    """
    return await call_async(policy, fn, args, kwargs, target=target, service=None)
