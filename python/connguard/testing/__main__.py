"""Run a command against a test server: the runner shared by the C++, Node and
Rust test suites.

Usage::

    python -m connguard.testing run [--max-connections 10] [--restart-delay 1.0] -- CMD ARGS...

Starts a throwaway :class:`~connguard.testing.MariaDBServer` or, with
``MYSQL_TEST_URL`` and ``MYSQL_TEST_ADMIN_URL`` set, prepares that server of
yours (:class:`~connguard.testing.ExternalServer`: ``max_connections`` set for
the run, restored after); runs ``CMD ARGS...`` with the variables below added
to its environment, and exits with CMD's exit code (128 + N when a signal N
ended it, 127 when CMD cannot be run). The server is stopped (an external one
given its ``max_connections`` back) however CMD ends, also when the runner gets
SIGTERM or SIGINT (passed on to CMD first).

Environment of CMD
------------------
``CONNGUARD_TEST_HOST``, ``CONNGUARD_TEST_PORT``
    Where the server listens (``127.0.0.1`` for the embedded one).
``CONNGUARD_TEST_USER``, ``CONNGUARD_TEST_PASSWORD``, ``CONNGUARD_TEST_DATABASE``
    The unprivileged test account (all privileges on its database only, so
    ``max_connections`` is exact for it) and its database.
``CONNGUARD_TEST_DSN``
    ``mariadb://user:password@host:port/database``, password included
    (URL-encoded): for the child only, never for a log line.
``CONNGUARD_TEST_MAX_CONNECTIONS``
    The test account's connections that fit (exactly that many).
``CONNGUARD_TEST_ADMIN_HOST``, ``CONNGUARD_TEST_ADMIN_PORT``,
``CONNGUARD_TEST_ADMIN_USER``, ``CONNGUARD_TEST_ADMIN_PASSWORD``
    The admin account: for the embedded server ``root`` with an empty password
    on MariaDB's ``--extra-port``, outside ``max_connections`` (status queries
    while the server is full); for an external one, ``MYSQL_TEST_ADMIN_URL``'s.
``CONNGUARD_TEST_ADMIN_COUNTED``
    ``1`` when an admin connection takes one of ``max_connections``' slots and
    shows in ``Threads_connected`` (an external server, but on MariaDB's extra
    port): the runner has reserved one such slot for CMD's admin connection, so
    hold at most one, and subtract it from ``Threads_connected``. ``0`` otherwise.
``CONNGUARD_TEST_SERVER_KIND``
    ``embedded`` or ``external``.
``CONNGUARD_TEST_FLAVOUR``, ``CONNGUARD_TEST_REFUSED_STATUS``
    ``mariadb`` or ``mysql``, and the status counter holding the connects the
    server refused with 1040 (``Aborted_connects``, or MySQL's
    ``Connection_errors_max_connections``; :mod:`connguard.testing.flavour`).
``CONNGUARD_TEST_CONTROL_PID``
    The runner's pid, for the restart protocol below.

Restart protocol
----------------
Send ``SIGUSR1`` to ``CONNGUARD_TEST_CONTROL_PID`` to have the server stopped
(SIGTERM, waiting for it to exit) and, ``--restart-delay`` seconds (default 1)
after it is down, started again on the same port with the same data and
account. The runner does this on a background thread, one restart at a time; a
signal that arrives during a restart queues another. The child sees the server
go down as a refused TCP connect to ``CONNGUARD_TEST_PORT``; poll for that
before relying on the server being away. A restart that fails is reported on
stderr and makes the runner exit non-zero even if CMD succeeded; requests still
queued when CMD exits are dropped. An external server is not the runner's to
restart: a request fails (and so the run).

The runner logs to stderr (``connguard.testing: ...``), never a password.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from connguard.testing.errors import ExternalServerError
from connguard.testing.external import ExternalServer
from connguard.testing.protocol import ServerUnderTest
from connguard.testing.server import MariaDBServer

logger = logging.getLogger("connguard.testing")

_PROG = "python -m connguard.testing"
_EXIT_CANNOT_RUN = 127
_EXIT_HARNESS = 1

_Handler = Callable[[int, FrameType | None], object] | int | None


def test_environment(server: ServerUnderTest) -> dict[str, str]:
    """The ``CONNGUARD_TEST_*`` variables describing a started ``server``."""
    admin = server.admin_kwargs()
    return {
        "CONNGUARD_TEST_HOST": server.host,
        "CONNGUARD_TEST_PORT": str(server.port),
        "CONNGUARD_TEST_USER": server.user,
        "CONNGUARD_TEST_PASSWORD": server.password,
        "CONNGUARD_TEST_DATABASE": server.database,
        "CONNGUARD_TEST_DSN": server.dsn,
        "CONNGUARD_TEST_MAX_CONNECTIONS": str(server.max_connections),
        "CONNGUARD_TEST_ADMIN_HOST": str(admin["host"]),
        "CONNGUARD_TEST_ADMIN_PORT": str(server.admin_port),
        "CONNGUARD_TEST_ADMIN_USER": str(admin["user"]),
        "CONNGUARD_TEST_ADMIN_PASSWORD": str(admin["password"]),
        "CONNGUARD_TEST_ADMIN_COUNTED": "1" if server.admin_counted else "0",
        "CONNGUARD_TEST_SERVER_KIND": server.kind,
        "CONNGUARD_TEST_FLAVOUR": server.flavour,
        "CONNGUARD_TEST_REFUSED_STATUS": server.refused_status,
        "CONNGUARD_TEST_CONTROL_PID": str(os.getpid()),
    }


def _restart_of(server: MariaDBServer | ExternalServer) -> Callable[[float], None]:
    """How the runner restarts ``server`` on request."""
    if isinstance(server, MariaDBServer):
        return lambda delay: server.restart(delay=delay)

    def refuse(_delay: float) -> None:
        raise ExternalServerError(
            f"{server.safe_dsn} is an external server (MYSQL_TEST_URL), not the runner's to "
            "restart; the restart tests run on the embedded MariaDB (make test)"
        )

    return refuse


class _Restarter:
    """Restarts the server on request, on its own thread.

    :meth:`request` only puts to a :class:`queue.SimpleQueue`, which is safe
    in a signal handler; the slow work happens on the thread.
    """

    def __init__(self, restart: Callable[[float], None], delay: float) -> None:
        self._restart = restart
        self._delay = delay
        self._requests: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._closing = threading.Event()
        self.failures: list[str] = []
        self._thread = threading.Thread(target=self._run, name="connguard-restarter", daemon=True)
        self._thread.start()

    def request(self) -> None:
        self._requests.put(True)

    def close(self) -> None:
        """Drop pending requests, let a restart under way finish, end the thread."""
        self._closing.set()
        self._requests.put(False)
        self._thread.join()

    def _run(self) -> None:
        while self._requests.get() and not self._closing.is_set():
            logger.info(
                "restart requested: stopping the server, starting it %.1fs later", self._delay
            )
            try:
                self._restart(self._delay)
            except Exception as exc:  # report it, keep serving requests
                logger.error("restart failed: %s", exc)
                self.failures.append(str(exc))


def _exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def run(command: Sequence[str], *, max_connections: int, restart_delay: float) -> int:
    """Run ``command`` against a fresh server (or an external one); return the exit code."""
    if shutil.which(command[0]) is None:
        logger.error("cannot run %s: not found or not executable", command[0])
        return _EXIT_CANNOT_RUN
    try:
        external = ExternalServer.from_environment(max_connections=max_connections)
    except ExternalServerError as exc:
        logger.error("%s", exc)
        return _EXIT_HARNESS
    server = external or MariaDBServer(max_connections=max_connections)
    previous: dict[int, _Handler] = {}
    restarter: _Restarter | None = None
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _frame: FrameType | None) -> None:
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    try:
        server.start()
        restarter = _Restarter(_restart_of(server), restart_delay)
        requests = restarter
        previous[signal.SIGUSR1] = signal.signal(signal.SIGUSR1, lambda _s, _f: requests.request())
        for passed_on in (signal.SIGTERM, signal.SIGINT):
            previous[passed_on] = signal.signal(passed_on, forward)
        # The child's admin connection takes the slot the harness keeps for its own.
        with server.lend_admin_slot():
            try:
                child = subprocess.Popen(
                    list(command), env={**os.environ, **test_environment(server)}
                )
            except OSError as exc:
                logger.error("cannot run %s: %s", command[0], exc)
                return _EXIT_CANNOT_RUN
            code = _exit_code(child.wait())
    except Exception as exc:
        logger.error("%s", exc)
        return _EXIT_HARNESS
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()
        if restarter is not None:
            restarter.close()
        server.stop()
    if restarter is not None and restarter.failures and code == 0:
        logger.error("%d restart(s) failed; failing the run", len(restarter.failures))
        return _EXIT_HARNESS
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # Everything after the first "--" is the command, untouched by argparse.
    command = args[args.index("--") + 1 :] if "--" in args else []
    options = args[: args.index("--")] if "--" in args else args
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Run a command against a throwaway MariaDB server, or the one MYSQL_TEST_URL "
        "names (see the module docstring).",
    )
    sub = parser.add_subparsers(dest="action", required=True)
    run_parser = sub.add_parser("run", help="start a server, run CMD, stop the server")
    run_parser.add_argument("--max-connections", type=int, default=10)
    run_parser.add_argument("--restart-delay", type=float, default=1.0, metavar="SECONDS")
    parsed = parser.parse_args(options)
    if not command:
        parser.error("give the command after --: run [OPTIONS] -- CMD ARGS...")
    if parsed.restart_delay < 0:
        parser.error("--restart-delay must be >= 0")
    logging.basicConfig(
        level=logging.INFO, format="connguard.testing: %(message)s", stream=sys.stderr
    )
    try:
        return run(
            command,
            max_connections=parsed.max_connections,
            restart_delay=parsed.restart_delay,
        )
    except ValueError as exc:  # e.g. max_connections below MariaDB's minimum
        parser.error(str(exc))


if __name__ == "__main__":
    sys.exit(main())
