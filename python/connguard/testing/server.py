"""A throwaway, real MariaDB server for connguard's integration tests and demos.

:class:`MariaDBServer` initialises a private data directory with
``mariadb-install-db``, starts ``mariadbd`` on ``127.0.0.1`` with an exact
``max_connections`` and creates one unprivileged account plus a database::

    from connguard.testing import MariaDBServer

    with MariaDBServer(max_connections=10) as server:
        conn = mariadb.connect(**server.connect_kwargs())
        ...
        server.status("Connection_errors_max_connections")
        server.restart(delay=1.0)   # simulate a restarting server

Design notes
------------
* Nothing of the machine's MariaDB installation is used but its binaries: every
  program is run with ``--no-defaults`` (no ``/etc/mysql`` option file is read);
  the data directory (``data/``), the server's tmpdir (``tmp/``; a shared
  ``/tmp`` breaks concurrent ``mariadb-install-db`` runs), unix socket, pid file
  and logs live in a private temporary directory (``connguard-mariadb-*``,
  :attr:`MariaDBServer.base_dir`); TCP listens on ``127.0.0.1`` only. The system
  MariaDB service is never started, stopped or contacted.
* The test account (``connguard`` by default) has ``ALL PRIVILEGES`` on its own
  database and nothing global. In particular it lacks ``SUPER`` /
  ``CONNECTION ADMIN``, so ``max_connections`` is exact for it: the
  ``max_connections + 1``-th connection fails with error 1040 "Too many
  connections" (MariaDB keeps that one extra slot for accounts with
  ``CONNECTION ADMIN``).
* The harness's own connections (``root``, short-lived, see
  :meth:`MariaDBServer.admin_sql`) go to a second loopback port, MariaDB's
  ``--extra-port`` (:attr:`MariaDBServer.admin_port`), whose connections are
  counted against ``extra_max_connections``, not ``max_connections``. So status
  queries work while the server is full and never take one of the test
  account's slots (an admin connection over the unix socket would, for the
  moment its server thread takes to end, and make a following connect fail
  with 1040 spuriously). Nor are they counted in ``Threads_connected`` (they
  are in the process list). The harness never keeps a connection open.
* Status counters: a connection of the test account refused with 1040 (checked
  after authentication) increments ``Aborted_connects``, not
  ``Connection_errors_max_connections``; the latter only counts connections
  refused at accept time, when even the privileged extra slot is taken (for a
  moment that happens when connects arrive faster than refused ones end).
  :meth:`MariaDBServer.refused_connects` reads it (:mod:`connguard.testing.flavour`).
* It implements :class:`~connguard.testing.ServerUnderTest`, as
  :class:`~connguard.testing.ExternalServer` (a server of yours, given by
  ``MYSQL_TEST_URL``) does; restarts and the rest are its own.
* MariaDB's minimum ``max_connections`` is 10; smaller values are rejected
  with :class:`ValueError` (the server would silently use 10 instead).
* The account exists for the hosts ``127.0.0.1`` (TCP; the server runs with
  ``--skip-name-resolve``, so a TCP client from the loopback address is matched
  as ``127.0.0.1``, never as ``localhost``) and ``localhost`` (unix socket).
* When the tests run as the OS user ``root`` (containers, CI), ``mariadbd`` is
  started with ``--user=root``; it refuses to run as root otherwise.
* Cleanup: :meth:`MariaDBServer.stop` (also run by ``__exit__``, whether or not
  the body raised) stops ``mariadbd`` (SIGTERM, SIGKILL after a timeout) and
  removes the temporary directory. As a safety net a :func:`weakref.finalize`
  callback does the same when the object is garbage collected or the
  interpreter exits normally or through an uncaught exception. Nothing can run
  when the test process is killed with SIGKILL (or by a signal Python does not
  handle, such as an unhandled SIGTERM): then a ``mariadbd`` and a
  ``/tmp/connguard-mariadb-*`` directory may be left behind; find them with
  ``pgrep -a mariadbd``.

Environment variables
---------------------
``CONNGUARD_TEST_MARIADB_BIN_DIR``
    A directory searched first for ``mariadbd``, ``mariadb-install-db``,
    ``mariadb`` and ``mariadb-admin`` (before ``PATH``, ``/usr/sbin``,
    ``/usr/bin``, ``/usr/libexec``, ``/usr/local/sbin``, ``/usr/local/bin``).
    If it is the ``bin`` directory of an unpacked MariaDB tree, its parent is
    passed to ``mariadb-install-db`` as ``--basedir``.
``CONNGUARD_TEST_MARIADB_KEEP_DATADIR``
    If set to ``1``, the temporary directory (data and logs) is kept after
    :meth:`MariaDBServer.stop`, for debugging.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from connguard.testing.admin_sql import run_sql, sql_string, status_sql, status_value
from connguard.testing.binaries import Binaries, find_binaries
from connguard.testing.errors import MariaDBServerError
from connguard.testing.flavour import REFUSED_STATUS
from connguard.testing.process import free_port, log_tail, terminate
from connguard.testing.protocol import account_dsn, account_kwargs, wait_for_connections

__all__ = ["MIN_MAX_CONNECTIONS", "MariaDBServer"]

logger = logging.getLogger("connguard.testing")

KEEP_DATADIR_ENV = "CONNGUARD_TEST_MARIADB_KEEP_DATADIR"

#: MariaDB clamps ``max_connections`` to at least this value.
MIN_MAX_CONNECTIONS = 10
_MAX_MAX_CONNECTIONS = 100000

_IDENT_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_OPTION_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_PORT_IN_USE_MARKERS = (
    "Address already in use",
    "Bind on TCP/IP port",
    "Do you already have another",
)
# Linux limit for sun_path is 108 bytes including the terminating NUL.
_MAX_SOCKET_PATH = 100

_STOP_TIMEOUT = 30.0
_PORT_ATTEMPTS = 3


class _PortInUseError(MariaDBServerError):
    pass


@dataclass
class _Resources:
    """What must be cleaned up; kept apart from the server object for the finalizer."""

    proc: subprocess.Popen[bytes] | None = None
    log_file: IO[bytes] | None = None
    base_dir: Path | None = None
    keep_datadir: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stop_process(self, timeout: float = _STOP_TIMEOUT, graceful: bool = True) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            terminate(proc, timeout, graceful)
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None

    def cleanup(self) -> None:
        """Stop the server and remove the data directory (idempotent)."""
        self.stop_process()
        base_dir, self.base_dir = self.base_dir, None
        if base_dir is not None:
            if self.keep_datadir:
                logger.info("keeping MariaDB test directory %s", base_dir)
            else:
                shutil.rmtree(base_dir, ignore_errors=True)

    def finalize(self) -> None:
        # Safety net: only reached when stop() was never called.
        if self.proc is not None or self.base_dir is not None:
            logger.warning("cleaning up a MariaDB test server that was not stopped")
        self.cleanup()


class MariaDBServer:
    """A private ``mariadbd`` on 127.0.0.1 with an exact ``max_connections``.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    All attributes describing the connection (``port`` etc.) are valid after
    :meth:`start`.
    """

    host = "127.0.0.1"
    root_user = "root"
    kind = "embedded"
    flavour = "mariadb"
    refused_status = REFUSED_STATUS["mariadb"]
    admin_counted = False  # the harness connects to the extra port

    def __init__(
        self,
        *,
        max_connections: int = 10,
        database: str = "connguard",
        user: str = "connguard",
        password: str | None = None,
        port: int | None = None,
        options: Mapping[str, str | int | None] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        if not isinstance(max_connections, int) or isinstance(max_connections, bool):
            raise TypeError("max_connections must be an int")
        if not MIN_MAX_CONNECTIONS <= max_connections <= _MAX_MAX_CONNECTIONS:
            raise ValueError(
                f"max_connections must be between {MIN_MAX_CONNECTIONS} and "
                f"{_MAX_MAX_CONNECTIONS}; MariaDB does not accept fewer than "
                f"{MIN_MAX_CONNECTIONS} (got {max_connections})"
            )
        if not _IDENT_RE.match(database):
            raise ValueError("database must match [A-Za-z0-9_]{1,64}")
        if not _IDENT_RE.match(user) or user == self.root_user:
            raise ValueError("user must match [A-Za-z0-9_]{1,64} and not be 'root'")
        if port is not None and not 0 < port < 65536:
            raise ValueError("port must be between 1 and 65535")
        if startup_timeout <= 0:
            raise ValueError("startup_timeout must be positive")
        self.max_connections = max_connections
        self.database = database
        self.user = user
        self.password = password if password is not None else secrets.token_urlsafe(18)
        self._requested_port = port
        self._port: int | None = port
        self._admin_port: int | None = None
        self.options: dict[str, str | None] = {}
        for key, value in (options or {}).items():
            name = key.removeprefix("--")
            if not _OPTION_NAME_RE.match(name):
                raise ValueError(f"invalid server option name {key!r}")
            self.options[name] = None if value is None else str(value)
        self.startup_timeout = startup_timeout
        self.startup_seconds: float | None = None
        self._bins: Binaries | None = None
        self._res = _Resources(keep_datadir=os.environ.get(KEEP_DATADIR_ENV) == "1")
        self._finalizer = weakref.finalize(self, self._res.finalize)
        self._log_offset = 0
        self._started = False

    # ------------------------------------------------------------------ info

    @property
    def port(self) -> int:
        if self._port is None:
            raise MariaDBServerError("the server has not been started yet (no port chosen)")
        return self._port

    @property
    def admin_port(self) -> int:
        """The loopback ``--extra-port`` used by the harness's root connections."""
        if self._admin_port is None:
            raise MariaDBServerError("the server has not been started yet (no port chosen)")
        return self._admin_port

    @property
    def base_dir(self) -> Path:
        """The private temporary directory holding everything; removed by :meth:`stop`."""
        if self._res.base_dir is None:
            raise MariaDBServerError("the server has no directory (not started or stopped)")
        return self._res.base_dir

    @property
    def datadir(self) -> Path:
        """The data directory (``base_dir / "data"``)."""
        return self.base_dir / "data"

    @property
    def tmpdir(self) -> Path:
        """The server's private ``--tmpdir`` (``base_dir / "tmp"``)."""
        return self.base_dir / "tmp"

    @property
    def socket_path(self) -> Path:
        """The unix socket of the server (in :attr:`base_dir`)."""
        return self.base_dir / "mariadbd.sock"

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "mariadbd.pid"

    @property
    def log_path(self) -> Path:
        """The server's error log (its stdout and stderr), in :attr:`base_dir`."""
        return self.base_dir / "mariadbd.err"

    @property
    def pid(self) -> int | None:
        """Process id of the running ``mariadbd``, or None."""
        proc = self._res.proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def is_running(self) -> bool:
        return self.pid is not None

    @property
    def dsn(self) -> str:
        """``mariadb://user:password@127.0.0.1:port/database`` with the real password."""
        return self._dsn(urllib.parse.quote(self.password, safe=""))

    @property
    def safe_dsn(self) -> str:
        """Like :attr:`dsn`, with the password shown as ``***`` (for logs)."""
        return self._dsn("***")

    def _dsn(self, password: str) -> str:
        return account_dsn(self, password)

    @property
    def account(self) -> str:
        """The test account of TCP clients as SQL names it (for GRANT)."""
        return f"{sql_string(self.user)}@'127.0.0.1'"

    def connect_kwargs(self) -> dict[str, str | int]:
        """Keyword arguments for ``mariadb.connect`` / ``pymysql.connect`` / mysql-connector."""
        return account_kwargs(self)

    def admin_kwargs(self) -> dict[str, str | int]:
        """``root`` (empty password) on :attr:`admin_port`, outside ``max_connections``."""
        return {"host": self.host, "port": self.admin_port, "user": self.root_user, "password": ""}

    @contextlib.contextmanager
    def lend_admin_slot(self) -> Iterator[dict[str, str | int]]:
        """:meth:`admin_kwargs`: connections to the extra port take no slot, so
        there is nothing to lend (an external server's harness closes its own)."""
        yield self.admin_kwargs()

    def __repr__(self) -> str:
        state = "running" if self.is_running else ("stopped" if self._started else "new")
        where = f"{self.host}:{self._port}" if self._port is not None else "no port"
        return (
            f"<MariaDBServer {state} {where} user={self.user!r} "
            f"database={self.database!r} max_connections={self.max_connections}>"
        )

    def _redact(self, text: str) -> str:
        if self.password:
            text = text.replace(self.password, "***")
            quoted = urllib.parse.quote(self.password, safe="")
            if quoted != self.password:
                text = text.replace(quoted, "***")
        return text

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> MariaDBServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> MariaDBServer:
        """Initialise the data directory, start the server and create the account."""
        with self._res.lock:
            if self._started:
                raise MariaDBServerError("a MariaDBServer can only be started once")
            self._started = True
            began = time.monotonic()
            try:
                self._bins = find_binaries()
                self._res.base_dir = self._make_base_dir()
                self._install_db()
                self._start_with_port_retry()
                self._setup_account()
            except BaseException:
                self._res.cleanup()
                raise
            self.startup_seconds = time.monotonic() - began
            logger.info(
                "started %s in %.2fs (pid %s, directory %s)",
                self.safe_dsn,
                self.startup_seconds,
                self.pid,
                self._res.base_dir,
            )
            return self

    def stop(self) -> None:
        """Stop the server and remove its data directory. Safe to call repeatedly."""
        with self._res.lock:
            was_running = self._res.proc is not None
            self._res.cleanup()
            if was_running:
                logger.info("stopped MariaDB test server on %s:%s", self.host, self._port)

    def restart(self, delay: float = 0.0, *, graceful: bool = True) -> None:
        """Stop ``mariadbd``, sleep ``delay`` seconds, start it again on the same port.

        Data, account and port are kept. ``graceful=False`` kills the server
        with SIGKILL instead of SIGTERM (a crash; InnoDB recovers on start).
        Returns when the server accepts connections again.
        """
        with self._res.lock:
            self._require_base_dir()
            self._res.stop_process(graceful=graceful)
            logger.info(
                "MariaDB test server on %s:%s is down (%s)",
                self.host,
                self._port,
                "stopped" if graceful else "killed",
            )
            if delay > 0:
                time.sleep(delay)
            self._spawn_and_wait()
            logger.info("MariaDB test server on %s:%s is up again", self.host, self._port)

    @contextlib.contextmanager
    def down(self, *, graceful: bool = True) -> Iterator[None]:
        """Keep the server stopped for the duration of the ``with`` body, then start it.

        Like :meth:`restart`, but lets the caller act while the server is away.
        """
        with self._res.lock:
            self._require_base_dir()
            self._res.stop_process(graceful=graceful)
        logger.info("MariaDB test server on %s:%s is down", self.host, self._port)
        try:
            yield
        finally:
            with self._res.lock:
                if self._res.base_dir is not None and self._res.proc is None:
                    self._spawn_and_wait()
                    logger.info("MariaDB test server on %s:%s is up again", self.host, self._port)

    # -------------------------------------------------------------- queries

    def admin_sql(self, sql: str) -> list[tuple[str, ...]]:
        """Run SQL as ``root`` with the ``mariadb`` command-line client.

        Connects to :attr:`admin_port`, so it takes none of the slots counted by
        ``max_connections``. Meant for one statement (several are run, their
        rows concatenated). Returns the rows, every value as a string (SQL NULL
        as ``"NULL"``). The connection is closed when this returns. Raises
        :class:`AdminSQLError`.
        """
        logger.debug("admin SQL: %s", self._redact(sql))
        return self._run_sql(sql)

    def status(self, name: str) -> int:
        """The integer value of a ``SHOW GLOBAL STATUS`` variable, e.g. ``Threads_connected``.

        ``Threads_connected`` counts the connections that ``max_connections``
        limits, i.e. not the harness's own on :attr:`admin_port`.
        """
        return status_value(self._run_sql(status_sql(name)), name)

    def refused_connects(self) -> int:
        """The test account's connects refused with 1040 so far (``Aborted_connects``)."""
        return self.status(self.refused_status)

    def client_connections(self) -> int:
        """``Threads_connected``: the harness's connections, on the extra port, are not in it."""
        return self.status("Threads_connected")

    def user_connections(self, user: str | None = None) -> int:
        """How many connections ``user`` (default: the test account) has open now."""
        who = self.user if user is None else user
        rows = self._run_sql(
            f"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = {sql_string(who)}"
        )
        return int(rows[0][0])

    def wait_for_connections(self, count: int = 0, timeout: float = 10.0) -> None:
        """Wait until at most ``count`` client connections remain (``Threads_connected``).

        Closing is asynchronous on the server side (and a refused connection
        holds a slot until its thread ends), so call this to let a test start
        from a known state.
        """
        wait_for_connections(self, count, timeout)

    # ------------------------------------------------------------ internals

    def _require_base_dir(self) -> None:
        if self._res.base_dir is None:
            raise MariaDBServerError("the server is not started (or already stopped)")

    def _make_base_dir(self) -> Path:
        path = Path(tempfile.mkdtemp(prefix="connguard-mariadb-"))
        if len(str(path / "mariadbd.sock")) > _MAX_SOCKET_PATH and os.path.isdir("/tmp"):
            # TMPDIR too deep for a unix socket path: fall back to /tmp.
            shutil.rmtree(path, ignore_errors=True)
            path = Path(tempfile.mkdtemp(prefix="connguard-mariadb-", dir="/tmp"))
        if len(str(path / "mariadbd.sock")) > _MAX_SOCKET_PATH:
            shutil.rmtree(path, ignore_errors=True)
            raise MariaDBServerError(
                f"temporary directory path {path} is too long for a unix socket; set TMPDIR"
            )
        return path

    def _os_user_args(self) -> list[str]:
        if os.geteuid() == 0:
            # mariadbd refuses to run as root unless told so explicitly.
            import pwd

            return [f"--user={pwd.getpwuid(0).pw_name}"]
        return []

    def _common_server_args(self) -> list[str]:
        return [
            "--innodb-buffer-pool-size=16M",
            "--innodb-log-file-size=8M",
            "--innodb-log-buffer-size=2M",
            "--innodb-temp-data-file-path=ibtmp1:4M:autoextend",
        ]

    def _install_db(self) -> None:
        assert self._bins is not None
        datadir = self.datadir
        for d in (datadir, self.tmpdir):
            d.mkdir(mode=0o700)
        args = [
            self._bins.install_db,
            "--no-defaults",
            f"--datadir={datadir}",
            f"--tmpdir={self.tmpdir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
            *self._os_user_args(),
        ]
        if self._bins.basedir:
            args.append(f"--basedir={self._bins.basedir}")
        args += self._common_server_args()
        logger.debug("initialising %s", datadir)
        install_log = self.base_dir / "install-db.log"
        with install_log.open("wb") as log:
            try:
                result = subprocess.run(
                    args,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=max(self.startup_timeout, 30.0),
                    check=False,
                )
            except subprocess.TimeoutExpired:
                shown = log_tail(install_log, lines=8, head=True)
                raise MariaDBServerError(f"mariadb-install-db timed out; log:\n{shown}") from None
        if result.returncode != 0:
            raise MariaDBServerError(
                f"mariadb-install-db failed with exit code {result.returncode}; "
                f"log:\n{log_tail(install_log, lines=8, head=True)}"
            )

    def _server_args(self) -> list[str]:
        assert self._bins is not None
        datadir = self.datadir
        args = [
            self._bins.server,
            "--no-defaults",
            f"--datadir={datadir}",
            f"--tmpdir={self.tmpdir}",
            f"--socket={self.socket_path}",
            f"--pid-file={self.pid_file}",
            f"--port={self.port}",
            f"--extra-port={self.admin_port}",
            "--extra-max-connections=32",
            f"--bind-address={self.host}",
            f"--max-connections={self.max_connections}",
            # A burst of connects (a storm) waits in the listen queue for the
            # server's own answer (1040) instead of overflowing MariaDB's
            # default queue (about 50 here) into the kernel's SYN drops and
            # 1-3 s retransmits; the kernel caps it at net.core.somaxconn.
            "--back-log=1024",
            *self._os_user_args(),
            "--skip-log-bin",
            "--skip-name-resolve",
            "--performance-schema=OFF",
            "--max-connect-errors=1000000000",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            "--innodb-flush-log-at-trx-commit=2",
            "--innodb-doublewrite=0",
            "--key-buffer-size=1M",
            "--aria-pagecache-buffer-size=2M",
            *self._common_server_args(),
        ]
        if self._bins.basedir:
            args.append(f"--basedir={self._bins.basedir}")
        for name, value in self.options.items():
            args.append(f"--{name}" if value is None else f"--{name}={value}")
        return args

    def _start_with_port_retry(self) -> None:
        # The admin port is always chosen here, so retry even with a fixed port.
        attempts = _PORT_ATTEMPTS
        for attempt in range(1, attempts + 1):
            if self._requested_port is None:
                self._port = free_port()
            self._admin_port = free_port()
            while self._admin_port == self._port:
                self._admin_port = free_port()
            try:
                self._spawn_and_wait()
                return
            except _PortInUseError:
                if attempt == attempts:
                    raise
                logger.info(
                    "port %s or %s was taken meanwhile; retrying", self._port, self._admin_port
                )

    def _spawn_and_wait(self) -> None:
        """Start ``mariadbd`` (datadir must exist) and wait until it answers."""
        assert self._bins is not None
        log_path = self.log_path
        self._log_offset = log_path.stat().st_size if log_path.exists() else 0
        self._res.log_file = log_path.open("ab")
        for stale in (self.socket_path, self.pid_file):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        began = time.monotonic()
        self._res.proc = subprocess.Popen(
            self._server_args(),
            stdin=subprocess.DEVNULL,
            stdout=self._res.log_file,
            stderr=self._res.log_file,
            close_fds=True,
        )
        try:
            self._wait_ready(began)
        except BaseException:
            self._res.stop_process(timeout=10.0)
            raise
        logger.debug(
            "mariadbd pid %d ready on port %s after %.2fs",
            self._res.proc.pid,
            self._port,
            time.monotonic() - began,
        )

    def _wait_ready(self, began: float) -> None:
        assert self._bins is not None and self._res.proc is not None
        proc = self._res.proc
        deadline = began + self.startup_timeout
        ping = [self._bins.admin, *self._admin_conn_args(), "--connect-timeout=2", "ping"]
        delay = 0.02
        while True:
            code = proc.poll()
            if code is not None:
                tail = log_tail(self.log_path, self._log_offset)
                message = (
                    f"mariadbd exited with code {code} during startup on port {self._port}; "
                    f"error log:\n{tail}"
                )
                if any(marker in tail for marker in _PORT_IN_USE_MARKERS):
                    raise _PortInUseError(message)
                raise MariaDBServerError(message)
            if self.socket_path.exists():
                result = subprocess.run(
                    ping,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=10,
                    check=False,
                )
                if result.returncode == 0:
                    return
            if time.monotonic() >= deadline:
                raise MariaDBServerError(
                    f"mariadbd did not become ready within {self.startup_timeout:.0f}s "
                    f"on port {self._port}; error log:\n"
                    f"{log_tail(self.log_path, self._log_offset)}"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)

    def _setup_account(self) -> None:
        db = f"`{self.database}`"
        pw = sql_string(self.password)
        statements = [f"CREATE DATABASE IF NOT EXISTS {db}"]
        # 127.0.0.1: TCP clients (with skip-name-resolve loopback is never 'localhost');
        # localhost: unix socket clients.
        for host in ("127.0.0.1", "localhost"):
            account = f"{sql_string(self.user)}@{sql_string(host)}"
            statements.append(f"CREATE USER {account} IDENTIFIED BY {pw}")
            statements.append(f"GRANT ALL PRIVILEGES ON {db}.* TO {account}")
        self._run_sql(";\n".join(statements) + ";")

    def _admin_conn_args(self) -> list[str]:
        # root@127.0.0.1 has an empty password (auth-root-authentication-method=normal);
        # the server listens on the loopback interface only.
        return [
            "--no-defaults",
            "--protocol=TCP",
            f"--host={self.host}",
            f"--port={self.admin_port}",
            f"--user={self.root_user}",
            "--skip-ssl",
        ]

    def _run_sql(self, sql: str) -> list[tuple[str, ...]]:
        return run_sql(self._client_command, sql, self._redact)

    def _client_command(self) -> list[str]:
        if self._res.proc is None or self._bins is None or self._res.base_dir is None:
            raise MariaDBServerError("the MariaDB test server is not running")
        return [self._bins.client, *self._admin_conn_args()]
