"""A SQLAlchemy ``creator`` whose new connections retry per the policy.

``create_engine("mariadb+mariadbconnector://", creator=connguard.sqlalchemy.creator(
mariadb.connect, host=..., user=..., password=...))`` or ``QueuePool(creator=...)``.

The pool's ``pool_timeout`` bounds the wait for a *checked-out* connection to be
returned; the creator's retries (bounded by the policy's ``deadline``) run
when the pool opens a *new* one. A caller can so wait up to both in the worst
case: keep ``pool_timeout`` no longer than your callers can wait, and the
policy's deadline no longer than that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from connguard._native import Policy
from connguard.connector import Connector

__all__ = ["creator"]

T = TypeVar("T")


def creator(
    connect_fn: Callable[..., T],
    /,
    *,
    policy: Policy | None = None,
    service: str | None = None,
    target: str | None = None,
    **kwargs: Any,
) -> Callable[[], T]:
    """A zero-argument callable that runs ``connect_fn(**kwargs)`` with retries.

    For a known driver (``mariadb``, ``mysql.connector``, ``pymysql``) the
    policy's ``connect_timeout`` is passed under the driver's own name.
    """
    return Connector(connect_fn, kwargs, policy, service, target)
