"""pytest fixtures that provide a real test server: a throwaway MariaDB, or one of yours.

Opt-in: nothing is registered for every pytest run of every user. Load it with
``-p connguard.testing.pytest_plugin`` (or ``addopts`` in your pytest
configuration, as connguard's own pyproject.toml does).

Fixtures
--------
``mariadb_server``
    Session-scoped :class:`~connguard.testing.ServerUnderTest` for which the
    test account has exactly ``max_connections=10`` connections, shared by all
    tests: close every connection a test opens. With ``MYSQL_TEST_URL`` and
    ``MYSQL_TEST_ADMIN_URL`` set it is that server
    (:class:`~connguard.testing.ExternalServer`, MySQL or MariaDB); otherwise
    the ``embedded_server``.
``embedded_server``
    Session-scoped :class:`~connguard.testing.MariaDBServer` with
    ``max_connections=10``, whatever the environment says: for tests of the
    embedded harness itself. Do not restart it (use the factory for that). Its
    account's password is random, or ``$CONNGUARD_TEST_SERVER_PASSWORD`` (a
    distinctive one lets a run's whole output be searched for it).
``mariadb_server_factory``
    Function-scoped; a callable taking :class:`~connguard.testing.MariaDBServer`'s
    keyword arguments that starts a server and returns it. All servers it
    started are stopped (and their data directories removed) at teardown.

At the end of the run the terminal summary says which server ``mariadb_server`` was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connguard.testing.protocol import ServerUnderTest
from connguard.testing.server import MariaDBServer

# The shared servers this session used, for the terminal summary.
_used: list[ServerUnderTest] = []


@pytest.fixture(scope="session")
def embedded_server() -> Iterator[MariaDBServer]:
    """A MariaDB server (max_connections=10) shared by the whole test session."""
    server = MariaDBServer(
        max_connections=10, password=os.environ.get("CONNGUARD_TEST_SERVER_PASSWORD")
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mariadb_server(request: pytest.FixtureRequest) -> Iterator[ServerUnderTest]:
    """The server the suite's shared-server tests run against (see the module)."""
    # Imported here: an external server needs PyMySQL, the embedded one does not.
    from connguard.testing.external import ExternalServer

    external = ExternalServer.from_environment(max_connections=10)
    if external is None:
        embedded: MariaDBServer = request.getfixturevalue("embedded_server")
        _used.append(embedded)
        yield embedded
        return
    with external:
        _used.append(external)
        yield external


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for server in _used:
        admin = "takes a slot" if server.admin_counted else "outside max_connections"
        terminalreporter.write_line(
            f"connguard test server: {server.kind} {server.flavour} {server.safe_dsn}; "
            f"refused connects in {server.refused_status}; the harness's admin connection {admin}"
        )
