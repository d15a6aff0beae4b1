"""``@connguard.retry(...)``: a connect function whose every call is retried per a policy.

The decorated function keeps its signature (for type checkers too) and goes
through :func:`connguard.retry_call` (a coroutine function through
:func:`connguard.retry_call_async`), so it logs, queues and gives up as they do.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar, cast

from connguard._native import Policy
from connguard.drivers import driver_of
from connguard.policy import resolve_policy
from connguard.retry import retry_call, retry_call_async

__all__ = ["retry"]

P = ParamSpec("P")
T = TypeVar("T")


def _is_async(fn: Callable[..., Any]) -> bool:
    """A coroutine function, or a driver's connect that returns an awaitable (aiomysql's)."""
    if inspect.iscoroutinefunction(fn):
        return True
    driver = driver_of(fn)
    return driver is not None and driver.asynchronous


def retry(
    policy: Policy | None = None, *, service: str | None = None, target: str | None = None
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorates a function that opens a connection: each call is retried per ``policy``.

    ``policy=None``: resolved at each call as the adapters do, from the file named by
    ``$CONNGUARD_POLICY`` for ``service`` (or ``$CONNGUARD_SERVICE``), else the built-in
    defaults; log lines and events name the policy's service. ``target`` names the server
    in log lines (a DSN is masked) and, as a DSN, puts the calls through the process's gate
    for it; so does decorating a driver's own ``connect``. A coroutine function (or
    ``aiomysql.connect``) is awaited, its sleeps are ``asyncio.sleep``. On give-up the
    driver's last error is raised, with a note and :func:`connguard.give_up_info`.
    Decorate only what connects: a statement is never retried.
    """
    if policy is not None and not isinstance(policy, Policy):
        raise TypeError(
            "connguard.retry takes a Policy (or none): write @connguard.retry() "
            f"with parentheses, not {policy!r}"
        )

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        if _is_async(fn):
            awaited = cast("Callable[..., Awaitable[Any]]", fn)

            @functools.wraps(fn)
            async def retried_async(*args: P.args, **kwargs: P.kwargs) -> Any:
                chosen = resolve_policy(policy, service)
                return await retry_call_async(chosen, awaited, *args, target=target, **kwargs)

            # Called, it returns the awaitable fn's callers await: the same T.
            return cast("Callable[P, T]", retried_async)

        @functools.wraps(fn)
        def retried(*args: P.args, **kwargs: P.kwargs) -> T:
            return retry_call(resolve_policy(policy, service), fn, *args, target=target, **kwargs)

        return retried

    return decorate
