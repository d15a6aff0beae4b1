"""What connguard knows of each driver: its connect timeout parameter and how to name a target.

Kept in one table so adapters stay thin: an adapter looks its driver up here
and hands the connect to the retry loop.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connguard._native import Policy

__all__ = ["DRIVERS", "Driver", "describe_target", "driver_of"]


@dataclass(frozen=True)
class Driver:
    module: str  # where the driver's connect function lives
    scheme: str  # URL scheme used to name targets in logs
    timeout_param: str  # the driver's own name for the connect timeout
    whole_seconds: bool  # the driver takes an integer number of seconds

    def connect_kwargs(self, policy: Policy, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """``kwargs`` with the policy's connect timeout, unless the caller set one."""
        merged = dict(kwargs)
        if self.timeout_param not in merged:
            timeout = policy.connect_timeout
            merged[self.timeout_param] = (
                max(1, math.ceil(timeout)) if self.whole_seconds else timeout
            )
        return merged


DRIVERS: dict[str, Driver] = {
    "mariadb": Driver("mariadb", "mariadb", "connect_timeout", whole_seconds=True),
    "mysql.connector": Driver(
        "mysql.connector", "mysql", "connection_timeout", whole_seconds=False
    ),
    "pymysql": Driver("pymysql", "mysql+pymysql", "connect_timeout", whole_seconds=False),
    "aiomysql": Driver("aiomysql", "mysql+aiomysql", "connect_timeout", whole_seconds=False),
}


# The entry points that take the timeout (pymysql.connect is its Connection class).
_CONNECT_NAMES = frozenset({"connect", "Connection", "create_pool"})


def driver_of(connect_fn: Callable[..., Any]) -> Driver | None:
    """The driver whose connect function this is (``mariadb.connect`` -> mariadb), if known."""
    if getattr(connect_fn, "__qualname__", None) not in _CONNECT_NAMES:
        return None
    module = getattr(connect_fn, "__module__", None) or ""
    for name, driver in DRIVERS.items():
        if module == name or module.startswith(name + "."):
            return driver
    return None


def describe_target(scheme: str, kwargs: Mapping[str, Any]) -> str:
    """``scheme://user@host:port/db`` from connect keyword arguments, never with a password."""
    user = kwargs.get("user") or kwargs.get("username") or ""
    socket = kwargs.get("unix_socket")
    host = kwargs.get("host") or ("localhost" if not socket else "")
    port = kwargs.get("port")
    database = kwargs.get("database") or kwargs.get("db") or ""
    where = f"{host}:{port}" if port else str(host)
    if socket:
        where += f"(socket {socket})"
    return f"{scheme}://{user + '@' if user else ''}{where}/{database}"
