"""A MySQL or MariaDB server of yours for the integration suite, given by URL.

``MYSQL_TEST_URL`` names the test account and ``MYSQL_TEST_ADMIN_URL`` an
admin account; with both set, the ``mariadb_server`` fixture and
``python -m connguard.testing run`` use :class:`ExternalServer` instead of
starting MariaDB (docs/testing.md)::

    MYSQL_TEST_URL=mysql://app:secret@127.0.0.1:3306/connguard_test
    MYSQL_TEST_ADMIN_URL=mysql://root:secret@127.0.0.1:3306/

The accounts
------------
``MYSQL_TEST_URL`` (``mysql://`` or ``mariadb://``, port 3306 by default, the
database required): an account with privileges on its own database and no
global one. ``SUPER`` or ``CONNECTION_ADMIN`` would give it the connection the
server keeps beyond ``max_connections`` for admins, and ``max_connections``
would not be exact for it; :meth:`ExternalServer.start` refuses such an account.

``MYSQL_TEST_ADMIN_URL`` (its database, if any, is not used): reads global
status and the process list (``PROCESS``), kills other accounts' connections
(``CONNECTION_ADMIN`` or ``SUPER``), grants on another database to the test
account (``GRANT OPTION`` on it) and sets ``max_connections``
(``SYSTEM_VARIABLES_ADMIN`` or ``SUPER``). ``root`` will do.

What the harness does
---------------------
* It keeps one admin connection (PyMySQL) for the session: one per statement
  would hold a slot, for the moment its server thread takes to end, that a
  test's next connect expects free.
* :meth:`ExternalServer.start` reads the flavour and whether that connection
  takes one of ``max_connections``' slots (:mod:`connguard.testing.flavour`:
  always on MySQL, also on its admin port; not on MariaDB's ``extra_port``);
  checks that the test account logs in without a global privilege and that no
  other client is connected; then sets ``max_connections`` to the suite's 10,
  plus one for its own connection when it takes a slot, so the test account
  gets exactly 10. :meth:`ExternalServer.client_connections` leaves that
  connection out of ``Threads_connected``.
* :meth:`ExternalServer.stop` sets ``max_connections`` back and closes the
  connection. A run killed before that leaves the suite's value behind.
* The server must serve the suite alone: another client's connections take
  slots the tests count on.
* Write ``127.0.0.1``, not ``localhost``: MariaDB Connector/C takes
  ``localhost`` for the unix socket.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from connguard.dsn import mask_dsn, parse_dsn
from connguard.testing.admin_sql import sql_string, status_sql, status_value
from connguard.testing.errors import AdminSQLError, ExternalServerError, MariaDBServerError
from connguard.testing.flavour import REFUSED_STATUS, admin_counted, flavour_of
from connguard.testing.protocol import account_dsn, account_kwargs, wait_for_connections

if TYPE_CHECKING:
    import pymysql

__all__ = ["ADMIN_URL_VARIABLE", "URL_VARIABLE", "ExternalServer"]

logger = logging.getLogger("connguard.testing")

URL_VARIABLE = "MYSQL_TEST_URL"
ADMIN_URL_VARIABLE = "MYSQL_TEST_ADMIN_URL"

_SCHEMES = ("mysql", "mariadb")
_DEFAULT_PORT = 3306
_CONNECT_TIMEOUT = 10
_ER_CON_COUNT_ERROR = 1040
_ADMIN_FULL_RETRY_SECONDS = 5.0
# The server closed the connection (idle past wait_timeout, or restarted).
_CR_SERVER_GONE, _CR_SERVER_LOST = 2006, 2013
_IDLE_TIMEOUT = 5.0  # for a previous run's connections to end
_T = TypeVar("_T")
_ALLOWED = "write mysql://user:password@host:port/database (or mariadb://)"
# A global grant that gives the account the connection kept for admins.
_GLOBAL_GRANT = re.compile(r"^GRANT\s+(?P<privileges>.+?)\s+ON\s+\*\.\*", re.IGNORECASE)
_ADMIN_PRIVILEGE = re.compile(r"\b(SUPER|CONNECTION[ _]ADMIN|ALL PRIVILEGES)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Url:
    host: str
    port: int
    user: str
    password: str
    database: str


def _parse(variable: str, url: str, *, database: bool) -> _Url:
    """``url`` checked; ``database``: the path must name one."""
    try:
        scheme, kwargs = parse_dsn(url)
    except ValueError as exc:  # it shows the URL masked
        raise ExternalServerError(f"{variable}: {exc}") from None
    shown = f"{variable}={mask_dsn(url)}"
    if scheme not in _SCHEMES:
        raise ExternalServerError(
            f"{shown}: the scheme {scheme!r} is not mysql or mariadb; {_ALLOWED}"
        )
    if not kwargs.get("user"):
        raise ExternalServerError(f"{shown}: no user; {_ALLOWED}")
    if database and not kwargs.get("database"):
        raise ExternalServerError(
            f"{shown}: no database (the test account's own, where it has every privilege); "
            f"{_ALLOWED}"
        )
    return _Url(
        host=kwargs["host"],
        port=kwargs.get("port", _DEFAULT_PORT),
        user=kwargs["user"],
        password=kwargs.get("password", ""),
        database=kwargs.get("database", ""),
    )


def _errno(exc: BaseException) -> int | None:
    code = exc.args[0] if exc.args else None
    return code if isinstance(code, int) else None


def _text(value: object) -> str:
    """A value as the embedded harness's client shows it: NULL as ``"NULL"``."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def _rows(conn: pymysql.connections.Connection[Any], sql: str) -> list[tuple[str, ...]]:
    """The rows of every statement in ``sql``, concatenated."""
    rows: list[tuple[str, ...]] = []
    with conn.cursor() as cursor:
        cursor.execute(sql)
        while True:
            if cursor.description is not None:
                rows += [tuple(_text(v) for v in row) for row in cursor.fetchall()]
            if not cursor.nextset():
                return rows


class ExternalServer:
    """A running server given by URLs, prepared for the suite by :meth:`start`.

    Implements :class:`~connguard.testing.ServerUnderTest`; use it as a context
    manager, or call :meth:`start` and :meth:`stop`.
    """

    kind = "external"

    def __init__(self, url: str, admin_url: str, *, max_connections: int = 10) -> None:
        if not isinstance(max_connections, int) or max_connections < 1:
            raise ValueError(
                f"max_connections must be a whole number >= 1, not {max_connections!r}"
            )
        self._url = _parse(URL_VARIABLE, url, database=True)
        self._admin = _parse(ADMIN_URL_VARIABLE, admin_url, database=False)
        self.max_connections = max_connections
        self._lock = threading.RLock()
        self._conn: pymysql.connections.Connection[Any] | None = None
        self._running = False
        self._started = False
        self._lent = False
        self._flavour: str | None = None
        self._admin_counted: bool | None = None
        self._account: str | None = None
        self._original_max: int | None = None

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, *, max_connections: int = 10
    ) -> ExternalServer | None:
        """The server ``MYSQL_TEST_URL`` and ``MYSQL_TEST_ADMIN_URL`` describe, not
        started; None when neither is set."""
        env = os.environ if environ is None else environ
        url, admin_url = env.get(URL_VARIABLE, "").strip(), env.get(ADMIN_URL_VARIABLE, "").strip()
        if not url and not admin_url:
            return None
        if not url:
            raise ExternalServerError(
                f"{ADMIN_URL_VARIABLE} is set but {URL_VARIABLE} is not: set both "
                "(docs/testing.md), or neither for the embedded MariaDB"
            )
        if not admin_url:
            raise ExternalServerError(
                f"{URL_VARIABLE} is set but {ADMIN_URL_VARIABLE} is not: the suite needs an "
                "admin account for status counters, the process list, KILL, GRANT and "
                "SET GLOBAL max_connections (docs/testing.md)"
            )
        return cls(url, admin_url, max_connections=max_connections)

    # ------------------------------------------------------------------ info

    @property
    def host(self) -> str:
        return self._url.host

    @property
    def port(self) -> int:
        return self._url.port

    @property
    def user(self) -> str:
        return self._url.user

    @property
    def password(self) -> str:
        return self._url.password

    @property
    def database(self) -> str:
        return self._url.database

    @property
    def admin_port(self) -> int:
        """The admin URL's port."""
        return self._admin.port

    @property
    def flavour(self) -> str:
        """``"mariadb"`` or ``"mysql"``, read by :meth:`start`."""
        return self._known(self._flavour, "flavour")

    @property
    def refused_status(self) -> str:
        return REFUSED_STATUS[self.flavour]

    @property
    def admin_counted(self) -> bool:
        return self._known(self._admin_counted, "admin_counted")

    @property
    def account(self) -> str:
        """The test account as the server matched it (``CURRENT_USER()``), for GRANT."""
        return self._known(self._account, "account")

    @property
    def dsn(self) -> str:
        """``mariadb://user:password@host:port/database`` with the real password
        (the scheme picks the MariaDB driver in connguard, whatever the server)."""
        return self._dsn(urllib.parse.quote(self.password, safe=""))

    @property
    def safe_dsn(self) -> str:
        return self._dsn("***")

    def _dsn(self, password: str) -> str:
        return account_dsn(self, password)

    def connect_kwargs(self) -> dict[str, str | int]:
        return account_kwargs(self)

    def admin_kwargs(self) -> dict[str, str | int]:
        admin = self._admin
        return {
            "host": admin.host,
            "port": admin.port,
            "user": admin.user,
            "password": admin.password,
        }

    def __repr__(self) -> str:
        state = "running" if self._running else ("stopped" if self._started else "new")
        return (
            f"<ExternalServer {state} {self._flavour or '?'} {self.safe_dsn} "
            f"max_connections={self.max_connections}>"
        )

    @staticmethod
    def _known(value: _T | None, what: str) -> _T:
        if value is None:
            raise MariaDBServerError(f"{what} is read from the server: start() it first")
        return value

    def _redact(self, text: str) -> str:
        for secret in {self._url.password, self._admin.password} - {""}:
            text = text.replace(secret, "***").replace(urllib.parse.quote(secret, safe=""), "***")
        return text

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> ExternalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> ExternalServer:
        """Inspect the server, check the accounts, set ``max_connections`` (see the module)."""
        with self._lock:
            if self._started:
                raise MariaDBServerError("an ExternalServer can only be started once")
            self._started = self._running = True
            try:
                self._inspect()
                self._check_account()
                self._check_idle()
                self._set_max_connections()
            except BaseException:
                self.stop()
                raise
        logger.info(
            "using the external %s server %s: max_connections %d for the test account%s",
            self.flavour,
            self.safe_dsn,
            self.max_connections,
            " (+1 for the harness's admin connection)" if self.admin_counted else "",
        )
        return self

    def stop(self) -> None:
        """Set ``max_connections`` back and close the admin connection. Idempotent."""
        with self._lock:
            if not self._running:
                return
            self._lent = False
            try:
                if self._original_max is not None:
                    self.admin_sql(f"SET GLOBAL max_connections = {self._original_max}")
                    logger.info(
                        "max_connections of %s is %d again", self.safe_dsn, self._original_max
                    )
            finally:
                self._close()
                self._running = False

    @contextlib.contextmanager
    def lend_admin_slot(self) -> Iterator[dict[str, str | int]]:
        """:meth:`admin_kwargs` with the harness's connection closed for the ``with``
        body: a tool's own admin connection (the storm's server watch, a child
        process of the runner) takes its slot. Admin SQL raises meanwhile."""
        with self._lock:
            self._close()
            self._lent = True
        try:
            yield self.admin_kwargs()
        finally:
            with self._lock:
                self._lent = False
                if self._running:
                    self._connection()  # the slot is the harness's again at once

    # -------------------------------------------------------------- queries

    def admin_sql(self, sql: str) -> list[tuple[str, ...]]:
        """Run ``sql`` (one statement or several) on the harness's admin connection.

        Returns the rows, every value as a string (SQL NULL as ``"NULL"``).
        Raises :class:`AdminSQLError`.
        """
        import pymysql

        logger.debug("admin SQL: %s", self._redact(sql))
        with self._lock:
            try:
                return _rows(self._connection(), sql)
            except pymysql.err.MySQLError as exc:
                if not self._lost(exc):
                    raise self._failed(exc, sql) from None
            # Reconnect once: the statements run here (status, grants, KILL) bear a repeat.
            self._close()
            try:
                return _rows(self._connection(), sql)
            except pymysql.err.MySQLError as exc:
                raise self._failed(exc, sql) from None

    def status(self, name: str) -> int:
        """The integer value of a ``SHOW GLOBAL STATUS`` variable."""
        return status_value(self.admin_sql(status_sql(name)), name)

    def refused_connects(self) -> int:
        """The connects refused with 1040 so far, in the flavour's counter."""
        return self.status(self.refused_status)

    def client_connections(self) -> int:
        """``Threads_connected`` less the harness's admin connection where it counts there."""
        with self._lock:
            return self.status("Threads_connected") - (1 if self.admin_counted else 0)

    def user_connections(self, user: str | None = None) -> int:
        """How many connections ``user`` (default: the test account) has open now."""
        who = self.user if user is None else user
        rows = self.admin_sql(
            f"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = {sql_string(who)}"
        )
        return int(rows[0][0])

    def wait_for_connections(self, count: int = 0, timeout: float = 10.0) -> None:
        """Wait until at most ``count`` client connections remain (:meth:`client_connections`)."""
        wait_for_connections(self, count, timeout)

    # ------------------------------------------------------------ internals

    def _connection(self) -> pymysql.connections.Connection[Any]:
        if not self._running:
            raise MariaDBServerError(f"the external server {self.safe_dsn} is not started")
        if self._lent:
            raise MariaDBServerError(
                "the harness's admin connection is lent (lend_admin_slot): "
                "no admin SQL until the with block ends"
            )
        if self._conn is None:
            self._conn = self._connect_admin()
        return self._conn

    def _connect_admin(self) -> pymysql.connections.Connection[Any]:
        """The admin connection; retried briefly while even the admins' slot is taken."""
        import pymysql
        from pymysql.constants import CLIENT

        admin = self._admin
        deadline = time.monotonic() + _ADMIN_FULL_RETRY_SECONDS
        while True:
            try:
                return pymysql.connect(
                    host=admin.host,
                    port=admin.port,
                    user=admin.user,
                    password=admin.password,
                    autocommit=True,
                    connect_timeout=_CONNECT_TIMEOUT,
                    client_flag=CLIENT.MULTI_STATEMENTS,
                    charset="utf8mb4",
                )
            except pymysql.err.MySQLError as exc:
                if _errno(exc) != _ER_CON_COUNT_ERROR or time.monotonic() >= deadline:
                    where = f"{admin.user}:***@{admin.host}:{admin.port}"
                    raise AdminSQLError(
                        f"{ADMIN_URL_VARIABLE}: cannot connect as {where}: "
                        f"{self._redact(str(exc))}",
                        errno=_errno(exc),
                    ) from None
            time.sleep(0.05)

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # gone already is closed enough
                conn.close()

    @staticmethod
    def _lost(exc: BaseException) -> bool:
        import pymysql

        return isinstance(exc, pymysql.err.InterfaceError) or _errno(exc) in (
            _CR_SERVER_GONE,
            _CR_SERVER_LOST,
        )

    def _failed(self, exc: BaseException, sql: str) -> AdminSQLError:
        return AdminSQLError(
            f"admin SQL failed: {self._redact(str(exc))} (statement: {self._redact(sql)[:200]})",
            errno=_errno(exc),
        )

    def _inspect(self) -> None:
        version, comment = self.admin_sql("SELECT VERSION(), @@version_comment")[0]
        self._flavour = flavour_of(version, comment)
        extra = self.admin_sql("SHOW GLOBAL VARIABLES LIKE 'extra_port'")
        extra_port = int(extra[0][1]) if extra else 0
        self._admin_counted = admin_counted(self._flavour, extra_port, self.admin_port, self.port)
        logger.debug("%s is %s %s (%s)", self.safe_dsn, self._flavour, version, comment)

    def _check_account(self) -> None:
        """The test account logs in and has no global privilege giving it the admins' slot."""
        import pymysql

        shown = f"{URL_VARIABLE}={self.safe_dsn}"
        try:
            conn = pymysql.connect(
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password,
                database=self.database,
                connect_timeout=_CONNECT_TIMEOUT,
            )
        except pymysql.err.MySQLError as exc:
            raise ExternalServerError(
                f"{shown}: the test account cannot log in: {self._redact(str(exc))}"
            ) from None
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT CURRENT_USER()")
                (current,) = cursor.fetchone() or ("",)
                cursor.execute("SHOW GRANTS")
                grants = [_text(row[0]) for row in cursor.fetchall()]
        finally:
            conn.close()
        user, _, host = _text(current).rpartition("@")
        self._account = f"{sql_string(user)}@{sql_string(host)}"
        for grant in grants:
            matched = _GLOBAL_GRANT.match(grant)
            if matched and _ADMIN_PRIVILEGE.search(matched["privileges"]):
                raise ExternalServerError(
                    f"{shown}: the test account {self._account} has a global privilege "
                    f"({matched['privileges']} ON *.*) that lets it take the connection kept "
                    "beyond max_connections for admins, so max_connections is not exact for "
                    "it; use an account with privileges on its own database only "
                    f"(GRANT ALL ON `{self.database}`.* TO {self._account})"
                )

    def _check_idle(self) -> None:
        try:
            self.wait_for_connections(0, timeout=_IDLE_TIMEOUT)
        except MariaDBServerError:
            rows = self.admin_sql(
                "SELECT USER, COUNT(*) FROM information_schema.PROCESSLIST GROUP BY USER"
            )
            users = ", ".join(f"{user} ({count})" for user, count in rows)
            raise ExternalServerError(
                f"{URL_VARIABLE}={self.safe_dsn}: other clients are connected ({users}; "
                "the harness's own connection included); the suite counts every slot, so "
                "it needs a server no other client uses"
            ) from None

    def _set_max_connections(self) -> None:
        """max_connections for the test account, plus the harness's slot where it takes one."""
        before = int(self.admin_sql("SELECT @@GLOBAL.max_connections")[0][0])
        wanted = self.max_connections + (1 if self.admin_counted else 0)
        self._original_max = before  # from here on, stop() sets it back
        self.admin_sql(f"SET GLOBAL max_connections = {wanted}")
        now = int(self.admin_sql("SELECT @@GLOBAL.max_connections")[0][0])
        if now != wanted:
            raise ExternalServerError(
                f"{self.safe_dsn}: max_connections is {now} after SET GLOBAL max_connections = "
                f"{wanted} (MariaDB takes 10 or more)"
            )
