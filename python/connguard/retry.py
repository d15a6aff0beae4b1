"""Retrying a connect call per a policy: ``retry_call`` (threads) and ``retry_call_async``.

Only connection establishment should go through these: connguard retries a
connect, never a statement whose outcome is unknown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from time import monotonic, sleep
from typing import Any, TypeVar

from connguard._native import Decision, Policy
from connguard.classification import error_code, is_network_error
from connguard.decision import new_decision
from connguard.report import GiveUp, log_retry, report_give_up

__all__ = ["call", "call_async", "retry_call", "retry_call_async"]

T = TypeVar("T")


class _Call:
    """The failure path of one call; built only after a first failure so the
    success path costs nothing but a clock read."""

    __slots__ = ("decision", "policy", "service", "start", "target")

    def __init__(self, policy: Policy, target: str | None, service: str, start: float) -> None:
        self.policy = policy
        self.target = target
        self.service = service
        self.start = start
        self.decision: Decision = new_decision(policy)

    def failed(self, exc: Exception) -> float | None:
        """The delay before the next attempt, or ``None``: re-raise ``exc``."""
        code = error_code(exc)
        if code is None and not is_network_error(exc):
            return None  # not a connection failure: not ours to retry or annotate
        elapsed = monotonic() - self.start
        verdict = self.decision.after_failure(code, elapsed)
        if verdict.retry:
            log_retry(self.service, self.target, code, verdict, self.policy.max_attempts, exc)
            return verdict.delay
        info = GiveUp(verdict.attempt, elapsed, verdict.reason or "", code, verdict.error_class)
        report_give_up(self.service, self.target, code, info, exc)
        return None


def call(
    policy: Policy,
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    target: str | None,
    service: str,
) -> T:
    """The retry loop behind :func:`retry_call` and the driver adapters."""
    start = monotonic()
    attempt: _Call | None = None
    while True:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            attempt = attempt or _Call(policy, target, service, start)
            delay = attempt.failed(exc)
            if delay is None:
                raise
        sleep(delay)


async def call_async(
    policy: Policy,
    fn: Callable[..., Awaitable[T]],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    target: str | None,
    service: str,
) -> T:
    """The retry loop behind :func:`retry_call_async` and the asyncio adapters."""
    start = monotonic()
    attempt: _Call | None = None
    while True:
        try:
            return await fn(*args, **kwargs)
        except Exception as exc:
            attempt = attempt or _Call(policy, target, service, start)
            delay = attempt.failed(exc)
            if delay is None:
                raise
        await asyncio.sleep(delay)


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
    return call(policy, fn, args, kwargs, target=target, service=policy.service)


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
    return await call_async(policy, fn, args, kwargs, target=target, service=policy.service)
