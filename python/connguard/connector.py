"""A driver's connect function bound to its arguments and retried per a policy.

The driver adapters, ``connguard.sqlalchemy.creator`` and ``connguard.pool.Pool``
all connect through this, so they log, time out and give up alike.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

from connguard._native import Policy
from connguard.drivers import describe_target, driver_of
from connguard.gate import gate_for
from connguard.policy import resolve_policy, service_name
from connguard.runner import Attempt, run, run_async, unpin

__all__ = ["AsyncConnector", "Connector"]

T = TypeVar("T")


class _Bound(Generic[T]):
    def __init__(
        self,
        connect_fn: Callable[..., T],
        kwargs: Mapping[str, Any],
        policy: Policy | None,
        service: str | None,
        target: str | None,
    ) -> None:
        # A functools.partial of a driver's connect is unwrapped so the driver is
        # recognised and its keyword arguments name the target.
        args: tuple[Any, ...] = ()
        merged = dict(kwargs)
        while isinstance(connect_fn, functools.partial):
            args = connect_fn.args + args
            merged = {**connect_fn.keywords, **merged}
            connect_fn = connect_fn.func
        self.policy = resolve_policy(policy, service)
        self.service = service_name(self.policy, service)
        driver = driver_of(connect_fn)
        if target is None:
            name = getattr(connect_fn, "__qualname__", repr(connect_fn))
            target = describe_target(driver.scheme, merged) if driver else name
        self.target = target
        self.kwargs = merged
        # A known driver names its server, so the process's gate for that server
        # can queue this call; an unknown connect function is retried blind.
        gate = None
        if (
            driver is not None
            and driver.returns_connection(connect_fn)
            and self.policy.limiter.enabled
        ):
            gate = gate_for(driver.target_key(merged), self.policy)
        self.attempt = Attempt(
            connect_fn, args, merged, driver, self.policy, self.service, target, gate
        )


class Connector(_Bound[T]):
    """``connector()`` connects, retrying per the policy; the driver's own connection."""

    def __call__(self) -> T:
        result: T = run(self.attempt)
        return result

    @classmethod
    def once(
        cls,
        connect_fn: Callable[..., T],
        kwargs: dict[str, Any],
        policy: Policy | None,
        service: str | None,
    ) -> T:
        """One call of a one-line adapter. ``kwargs`` is the adapter's own ``**kwargs``:
        emptied, and the call's frames cleared on failure, so that a failed call's error
        keeps neither the password nor the call alive."""
        connector = cls(connect_fn, dict(kwargs), policy, service, None)
        kwargs.clear()
        try:
            return connector()
        except BaseException as exc:
            unpin(exc)
            raise
        finally:
            del connector


class AsyncConnector(_Bound[Awaitable[T]]):
    """``await connector()`` connects, retrying per the policy (asyncio)."""

    async def __call__(self) -> T:
        result: T = await run_async(self.attempt)
        return result
