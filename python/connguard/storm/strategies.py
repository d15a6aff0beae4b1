"""How a client connects under each strategy: none, tenacity (the best peer), connguard.

``tenacity`` is what a careful user writes today:
``wait_random_exponential(multiplier=0.05, max=5)`` and
``stop_after_delay(deadline)``, retrying on 1040.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiomysql
import mariadb
import tenacity

import connguard.aiomysql
import connguard.mariadb
from connguard import Policy, error_code
from connguard.storm.scenario import STRATEGIES


def _tenacity_kwargs(deadline: float) -> dict[str, Any]:
    return {
        "wait": tenacity.wait_random_exponential(multiplier=0.05, max=5),
        "stop": tenacity.stop_after_delay(deadline),
        "retry": tenacity.retry_if_exception(lambda exc: error_code(exc) == 1040),
        "reraise": True,
    }


def _policy(deadline: float) -> Policy:
    return Policy.from_dict({"deadline": f"{deadline}s", "max_attempts": 1000})


def sync_connect(strategy: str, kwargs: dict[str, Any], deadline: float) -> Callable[[], Any]:
    """A zero-argument connect for a thread client (the ``mariadb`` driver)."""
    if strategy == "none":
        return lambda: mariadb.connect(**kwargs)
    if strategy == "tenacity":
        retrying = tenacity.Retrying(**_tenacity_kwargs(deadline))
        return lambda: retrying(mariadb.connect, **kwargs)
    if strategy == "connguard":
        policy = _policy(deadline)
        return lambda: connguard.mariadb.connect(policy=policy, **kwargs)
    raise ValueError(f"unknown strategy {strategy!r}; one of {', '.join(STRATEGIES)}")


def async_connect(
    strategy: str, kwargs: dict[str, Any], deadline: float
) -> Callable[[], Awaitable[Any]]:
    """A zero-argument connect for an asyncio client (``aiomysql``)."""
    if strategy == "none":
        return lambda: aiomysql.connect(**kwargs)
    if strategy == "tenacity":

        async def tenacious() -> Any:
            async for attempt in tenacity.AsyncRetrying(**_tenacity_kwargs(deadline)):
                with attempt:
                    return await aiomysql.connect(**kwargs)
            raise AssertionError("unreachable: reraise=True")

        return tenacious
    if strategy == "connguard":
        policy = _policy(deadline)

        async def guarded() -> Any:
            return await connguard.aiomysql.connect(policy=policy, **kwargs)

        return guarded
    raise ValueError(f"unknown strategy {strategy!r}; one of {', '.join(STRATEGIES)}")
