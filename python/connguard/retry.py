"""``retry_call`` (threads) and ``retry_call_async``: any connect function, retried per a policy.

Only connection establishment should go through these: connguard retries a
connect, never a statement whose outcome is unknown. They run the same call
(docs/spec.md section 7) as the driver adapters. When the server is known
(``fn`` is a driver's connect, whose arguments name it, or ``target`` is a
DSN) the call goes through the process's gate for it, queued with every other
caller there, and the connection's ``close()`` frees its slot; an arbitrary
function with no DSN names no server and is retried without a gate.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Hashable, Mapping
from time import monotonic
from typing import Any, TypeVar

from connguard import events
from connguard._native import Policy
from connguard.drivers import Driver, describe_target, driver_of
from connguard.dsn import parse_dsn
from connguard.gate import gate_for
from connguard.runner import Attempt, emit, resume, resume_async, run, run_async, unpin

__all__ = ["retry_call", "retry_call_async"]

T = TypeVar("T")


@functools.lru_cache(maxsize=64)
def _dsn_key(location: str) -> Hashable:
    """The gate key of a DSN's ``host[:port]`` (cached: no password is in it)."""
    return Driver().target_key(parse_dsn(f"x://{location}")[1])


def _gated(
    policy: Policy,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    target: str | None,
) -> Attempt | None:
    """The call through the gate of the server ``fn`` reaches, when that is known."""
    if not policy.limiter.enabled:
        return None
    driver = driver_of(fn)
    if driver is not None and driver.returns_connection(fn):
        key = driver.target_key(kwargs)
        target = target or describe_target(driver.scheme, kwargs)
    elif target is not None and "://" in target:
        driver = None
        key = _dsn_key(target.partition("://")[2].rpartition("@")[2].partition("/")[0])
    else:
        return None
    gate = gate_for(key, policy)
    return Attempt(fn, args, kwargs, driver, policy, policy.service, target, gate)


def retry_call(
    policy: Policy,
    fn: Callable[..., T],
    /,
    *args: Any,
    target: str | None = None,
    **kwargs: Any,
) -> T:
    """``fn(*args, **kwargs)``, retried per ``policy`` while it fails to connect.

    ``target`` names the server in log lines (a DSN is masked) and, as a DSN,
    for the gate. On give-up the driver's own last exception is raised, with a
    note and :func:`connguard.give_up_info` telling attempts, elapsed time and
    reason.
    """
    gated = _gated(policy, fn, args, kwargs, target)
    if gated is not None:
        del args, kwargs
        try:
            result: T = run(gated)
            return result
        except BaseException as exc:
            unpin(exc)
            raise
        finally:
            del gated
    # The success path is inline (one clock read, no further call before fn): it is the hot one.
    start = monotonic()
    observed = _observed(policy, fn, args, kwargs, target)
    try:
        conn = fn(*args, **kwargs)
    except Exception as exc:
        first = exc
    else:
        if observed is not None:
            emit(observed, "connected", attempts=1, elapsed=monotonic() - start)
        return conn
    attempt = observed or Attempt(fn, args, kwargs, None, policy, policy.service, target)
    retried: T = resume(attempt, start, first)
    return retried


def _observed(
    policy: Policy,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    target: str | None,
) -> Attempt | None:
    """With hooks, the call's first attempt told (spec 8.1), and the call that tells it."""
    if not events.hooks:
        return None
    attempt = Attempt(fn, args, kwargs, None, policy, policy.service, target)
    emit(attempt, "attempt", attempt=1)
    return attempt


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
    gated = _gated(policy, fn, args, kwargs, target)
    if gated is not None:
        del args, kwargs
        try:
            result: T = await run_async(gated)
            return result
        except BaseException as exc:
            unpin(exc)
            raise
        finally:
            del gated
    start = monotonic()
    observed = _observed(policy, fn, args, kwargs, target)
    try:
        conn = await fn(*args, **kwargs)
    except Exception as exc:
        first = exc
    else:
        if observed is not None:
            emit(observed, "connected", attempts=1, elapsed=monotonic() - start)
        return conn
    attempt = observed or Attempt(fn, args, kwargs, None, policy, policy.service, target)
    del args, kwargs, observed  # as in retry_call
    try:
        retried: T = await resume_async(attempt, start, first)
        return retried
    except BaseException as exc:
        unpin(exc)
        raise
    finally:
        del attempt
