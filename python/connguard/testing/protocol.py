"""What the integration tests use of a test server, the embedded MariaDB or an external one."""

from __future__ import annotations

import time
import urllib.parse
from contextlib import AbstractContextManager
from typing import Protocol

from connguard.testing.errors import MariaDBServerError

__all__ = ["ServerUnderTest", "account_dsn", "account_kwargs", "wait_for_connections"]


class ServerUnderTest(Protocol):
    """A started server with an unprivileged test account for which exactly
    :attr:`max_connections` connections fit, and an admin connection of the
    harness's own that is never counted among them.

    :class:`~connguard.testing.MariaDBServer` (``kind`` ``"embedded"``) and
    :class:`~connguard.testing.ExternalServer` (``"external"``) implement it.
    """

    @property
    def kind(self) -> str:
        """``"embedded"`` or ``"external"``."""

    @property
    def flavour(self) -> str:
        """``"mariadb"`` or ``"mysql"``."""

    @property
    def refused_status(self) -> str:
        """The status counter of the connects refused with 1040 (see :mod:`.flavour`)."""

    @property
    def admin_counted(self) -> bool:
        """Whether an admin connection takes one of max_connections' slots (and shows
        in ``Threads_connected``); the harness reserves one slot for its own then."""

    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...

    @property
    def user(self) -> str: ...

    @property
    def password(self) -> str: ...

    @property
    def database(self) -> str: ...

    @property
    def max_connections(self) -> int:
        """The test account's connections that fit, no more (the server's own setting
        is one higher when the harness's admin connection takes a slot)."""

    @property
    def admin_port(self) -> int: ...

    @property
    def account(self) -> str:
        """The test account as SQL names it, e.g. ``'connguard'@'127.0.0.1'`` (for GRANT)."""

    @property
    def dsn(self) -> str:
        """``mariadb://user:password@host:port/database``, the password in it."""

    @property
    def safe_dsn(self) -> str:
        """:attr:`dsn` with the password shown as ``***``."""

    def connect_kwargs(self) -> dict[str, str | int]:
        """host, port, user, password and database for the drivers' ``connect``."""

    def admin_kwargs(self) -> dict[str, str | int]:
        """host, port, user and password of the admin account."""

    def lend_admin_slot(self) -> AbstractContextManager[dict[str, str | int]]:
        """:meth:`admin_kwargs` for a tool's own admin connection (the storm's
        server watch), the harness's closed meanwhile so the tool's takes its slot."""

    def admin_sql(self, sql: str) -> list[tuple[str, ...]]:
        """Rows of ``sql`` run as the admin, every value a string (NULL as ``"NULL"``)."""

    def status(self, name: str) -> int:
        """A ``SHOW GLOBAL STATUS`` counter."""

    def refused_connects(self) -> int:
        """The connects refused with 1040 so far (:attr:`refused_status`)."""

    def client_connections(self) -> int:
        """``Threads_connected`` without the harness's own admin connection."""

    def user_connections(self, user: str | None = None) -> int:
        """The open connections of ``user`` (default: the test account)."""

    def wait_for_connections(self, count: int = 0, timeout: float = 10.0) -> None:
        """Wait until at most ``count`` client connections are left."""


def account_dsn(server: ServerUnderTest, password: str) -> str:
    """The test account's DSN with ``password`` (already quoted, or ``***``); the scheme
    picks connguard's MariaDB driver, whatever the server."""
    user = urllib.parse.quote(server.user, safe="")
    return f"mariadb://{user}:{password}@{server.host}:{server.port}/{server.database}"


def account_kwargs(server: ServerUnderTest) -> dict[str, str | int]:
    """host, port, user, password and database for the drivers' ``connect``."""
    return {
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "password": server.password,
        "database": server.database,
    }


def wait_for_connections(server: ServerUnderTest, count: int, timeout: float) -> None:
    """Wait until at most ``count`` of ``server``'s client connections remain
    (``client_connections()``): a server ends a closed connection's thread, and a
    refused one's, a moment after the client has gone."""
    deadline = time.monotonic() + timeout
    while True:
        current = server.client_connections()
        if current <= count:
            return
        if time.monotonic() >= deadline:
            raise MariaDBServerError(
                f"{current} client connections still open on {server.safe_dsn} after "
                f"{timeout}s (wanted at most {count})"
            )
        time.sleep(0.02)
