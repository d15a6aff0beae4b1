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
from connguard.limiter import async_gate, gate
from connguard.policy import resolve_policy, service_name
from connguard.retry import call, call_async, call_gated, call_gated_async

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
        self.connect_fn = connect_fn
        self.args = args
        self.kwargs = driver.connect_kwargs(self.policy, merged) if driver else merged
        if target is None:
            name = getattr(connect_fn, "__qualname__", repr(connect_fn))
            target = describe_target(driver.scheme, merged) if driver else name
        self.target = target
        # A known driver names its server, so the process's limiter for that
        # server can queue this call; an unknown connect function is retried blind.
        self.gate_key: tuple[Any, ...] | None = None
        returns_connection = getattr(connect_fn, "__qualname__", "") != "create_pool"
        if driver is not None and returns_connection and self.policy.limiter.enabled:
            self.gate_key = (merged.get("host"), merged.get("port"), merged.get("unix_socket"))


class Connector(_Bound[T]):
    """``connector()`` connects, retrying per the policy; the driver's own connection."""

    def __call__(self) -> T:
        if self.gate_key is not None:
            return call_gated(
                self.policy,
                self.connect_fn,
                self.args,
                self.kwargs,
                target=self.target,
                service=self.service,
                gate=gate(self.gate_key, self.policy),
            )
        return call(
            self.policy,
            self.connect_fn,
            self.args,
            self.kwargs,
            target=self.target,
            service=self.service,
        )


class AsyncConnector(_Bound[Awaitable[T]]):
    """``await connector()`` connects, retrying per the policy (asyncio)."""

    async def __call__(self) -> T:
        if self.gate_key is not None:
            return await call_gated_async(
                self.policy,
                self.connect_fn,
                self.args,
                self.kwargs,
                target=self.target,
                service=self.service,
                gate=async_gate(self.gate_key, self.policy),
            )
        return await call_async(
            self.policy,
            self.connect_fn,
            self.args,
            self.kwargs,
            target=self.target,
            service=self.service,
        )
