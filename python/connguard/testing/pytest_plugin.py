"""pytest fixtures that provide a throwaway real MariaDB server.

Opt-in: nothing is registered for every pytest run of every user. Load it with
``-p connguard.testing.pytest_plugin`` (or ``addopts`` in your pytest
configuration, as connguard's own pyproject.toml does).

Fixtures
--------
``mariadb_server``
    Session-scoped :class:`~connguard.testing.MariaDBServer` with
    ``max_connections=10``, shared by all tests: close every connection a test
    opens, and do not restart it (use the factory for that). Its account's
    password is random, or ``$CONNGUARD_TEST_SERVER_PASSWORD`` (a distinctive
    one lets a run's whole output be searched for it).
``mariadb_server_factory``
    Function-scoped; a callable taking :class:`~connguard.testing.MariaDBServer`'s
    keyword arguments that starts a server and returns it. All servers it
    started are stopped (and their data directories removed) at teardown.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connguard.testing.server import MariaDBServer


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[MariaDBServer]:
    """A MariaDB server (max_connections=10) shared by the whole test session."""
    server = MariaDBServer(
        max_connections=10, password=os.environ.get("CONNGUARD_TEST_SERVER_PASSWORD")
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mariadb_server_factory() -> Iterator[Callable[..., MariaDBServer]]:
    """Start private servers: ``mariadb_server_factory(max_connections=12, ...)``."""
    servers: list[MariaDBServer] = []

    def factory(**kwargs: Any) -> MariaDBServer:
        server = MariaDBServer(**kwargs)
        servers.append(server)
        return server.start()

    try:
        yield factory
    finally:
        errors: list[BaseException] = []
        for server in reversed(servers):
            try:
                server.stop()
            except Exception as exc:  # keep stopping the others
                errors.append(exc)
        if errors:
            raise errors[0]
