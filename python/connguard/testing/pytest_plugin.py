"""pytest fixtures that provide a throwaway real MariaDB server.

Registered through the ``pytest11`` entry point ``connguard`` when connguard is
installed; without installing, load it with ``-p connguard.testing.pytest_plugin``.
Both at once work too: loaded by ``-p`` under its module name, the plugin blocks
the entry point, which pytest would otherwise reject as the same module under a
second name.

Fixtures
--------
``mariadb_server``
    Session-scoped :class:`~connguard.testing.MariaDBServer` with
    ``max_connections=10``, shared by all tests: close every connection a test
    opens, and do not restart it (use the factory for that).
``mariadb_server_factory``
    Function-scoped; a callable taking :class:`~connguard.testing.MariaDBServer`'s
    keyword arguments that starts a server and returns it. All servers it
    started are stopped (and their data directories removed) at teardown.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connguard.testing.server import MariaDBServer

_ENTRY_POINT_NAME = "connguard"


def pytest_plugin_registered(plugin: object, manager: pytest.PytestPluginManager) -> None:
    # Called for this module itself too. If it came in via ``-p <module name>``, keep
    # the pytest11 entry point (same module, name "connguard") from registering it again.
    if plugin is sys.modules[__name__]:
        name = manager.get_name(plugin)
        if name != _ENTRY_POINT_NAME and manager.get_plugin(_ENTRY_POINT_NAME) is None:
            manager.set_blocked(_ENTRY_POINT_NAME)


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[MariaDBServer]:
    """A MariaDB server (max_connections=10) shared by the whole test session."""
    server = MariaDBServer(max_connections=10)
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
