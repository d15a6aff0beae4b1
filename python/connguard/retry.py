"""``retry_call`` (threads) and ``retry_call_async``: any connect function, retried per a policy.

Only connection establishment should go through these: connguard retries a
connect, never a statement whose outcome is unknown. They run the same call
(docs/spec.md section 7) as the driver adapters, without a gate: an arbitrary
function names no server, so it cannot be queued with the others.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Any, TypeVar

from connguard._native import Policy
from connguard.runner import Attempt, resume, resume_async, unpin

__all__ = ["retry_call", "retry_call_async"]

T = TypeVar("T")


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
    # The success path is inline (one clock read, no further call before fn): it is the hot one.
    start = monotonic()
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        first = exc
    result: T = resume(
        Attempt(fn, args, kwargs, None, policy, policy.service, target), start, first
    )
    return result


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
    try:
        return await fn(*args, **kwargs)
    except Exception as exc:
        first = exc
    attempt = Attempt(fn, args, kwargs, None, policy, policy.service, target)
    del args, kwargs  # as in retry_call
    try:
        result: T = await resume_async(attempt, start, first)
        return result
    except BaseException as exc:
        unpin(exc)
        raise
    finally:
        del attempt
