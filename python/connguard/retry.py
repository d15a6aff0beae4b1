"""Retrying a connect call per a policy: ``retry_call`` (threads) and ``retry_call_async``.

Only connection establishment should go through these: connguard retries a
connect, never a statement whose outcome is unknown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from time import monotonic, sleep
from typing import Any, TypeVar

from connguard._native import Decision, Policy
from connguard.classification import error_code, is_network_error
from connguard.decision import new_decision
from connguard.report import GiveUp, log_retry, report_give_up

__all__ = ["retry_call", "retry_call_async"]

T = TypeVar("T")


class _Call:
    """The failure path of one call; built only after a first failure so the
    success path costs nothing but a clock read."""

    __slots__ = ("decision", "policy", "start", "target")

    def __init__(self, policy: Policy, target: str | None, start: float) -> None:
        self.policy = policy
        self.target = target
        self.start = start
        self.decision: Decision = new_decision(policy)

    def failed(self, exc: Exception) -> float | None:
        """The delay before the next attempt, or ``None``: re-raise ``exc``."""
        code = error_code(exc)
        if code is None and not is_network_error(exc):
            return None  # not a connection failure: not ours to retry or annotate
        elapsed = monotonic() - self.start
        verdict = self.decision.after_failure(code, elapsed)
        service = self.policy.service
        if verdict.retry:
            log_retry(service, self.target, code, verdict, self.policy.max_attempts, exc)
            return verdict.delay
        info = GiveUp(verdict.attempt, elapsed, verdict.reason or "", code, verdict.error_class)
        report_give_up(service, self.target, code, info, exc)
        return None


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
    start = monotonic()
    call: _Call | None = None
    while True:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            call = call or _Call(policy, target, start)
            delay = call.failed(exc)
            if delay is None:
                raise
        sleep(delay)


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
    start = monotonic()
    call: _Call | None = None
    while True:
        try:
            return await fn(*args, **kwargs)
        except Exception as exc:
            call = call or _Call(policy, target, start)
            delay = call.failed(exc)
            if delay is None:
                raise
        await asyncio.sleep(delay)
