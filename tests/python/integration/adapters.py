"""The ways a Python service connects, plain and through connguard, for parametrized tests."""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import mariadb

import connguard.mariadb
import connguard.mysql_connector
import connguard.pymysql
from connguard import Policy
from connguard.pool import Pool
from connguard.testing import MariaDBServer, ServerUnderTest


def driver_kwargs(server: ServerUnderTest, driver: str, **overrides: Any) -> dict[str, Any]:
    """Connect keyword arguments for ``driver`` (aiomysql calls the database ``db``)."""
    kwargs: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "password": server.password,
        ("db" if driver == "aiomysql" else "database"): server.database,
    }
    if "database" in overrides and driver == "aiomysql":
        overrides["db"] = overrides.pop("database")
    return {**kwargs, **overrides}


@dataclass(frozen=True)
class SyncAdapter:
    name: str
    driver: str  # the module whose ``connect`` the plain client calls
    guarded: Callable[..., Any]  # (**kwargs, policy=..., service=...) -> connection

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(self.driver)

    def plain(self, **kwargs: Any) -> Any:
        return self.module.connect(**kwargs)  # looked up per call, so a test may wrap it


SYNC_ADAPTERS = [
    SyncAdapter("mariadb", "mariadb", connguard.mariadb.connect),
    SyncAdapter("mysql-connector", "mysql.connector", connguard.mysql_connector.connect),
    SyncAdapter("pymysql", "pymysql", connguard.pymysql.connect),
]


def pool_connect(
    server: ServerUnderTest, *, policy: Policy | None = None, size: int = 5, **overrides: Any
) -> Pool:
    """A connguard Pool over mariadb.connect."""
    connect = functools.partial(mariadb.connect, **driver_kwargs(server, "mariadb", **overrides))
    return Pool(connect, size, policy=policy)


@contextmanager
def server_down_for(server: MariaDBServer, seconds: float) -> Iterator[None]:
    """The (embedded) server is stopped on entry and started again ``seconds`` later,
    in the background."""
    down = server.down()
    down.__enter__()
    timer = threading.Timer(seconds, down.__exit__, (None, None, None))
    timer.start()
    try:
        yield
    finally:
        timer.join()


@contextmanager
def held_connections(server: ServerUnderTest, count: int) -> Iterator[list[Any]]:
    """``count`` connections of the test account, closed on exit."""
    held = [mariadb.connect(**driver_kwargs(server, "mariadb")) for _ in range(count)]
    try:
        yield held
    finally:
        for conn in held:
            conn.close()
        server.wait_for_connections(0)
