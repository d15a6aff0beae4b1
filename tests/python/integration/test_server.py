"""Integration tests of connguard.testing.MariaDBServer against a real mariadbd; the
test account's exact share, its refusals and the wrong password's 1045 also on the
shared server, whichever it is (an external one with MYSQL_TEST_URL).

Run: PYTHONPATH=python .venv/bin/pytest -p connguard.testing.pytest_plugin \
     tests/python/integration/test_server.py -q
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import mariadb
import pytest

from connguard.testing import MariaDBServer, MariaDBServerError, ServerUnderTest

pytestmark = pytest.mark.integration

ER_CON_COUNT_ERROR = 1040  # Too many connections
ER_ACCESS_DENIED_ERROR = 1045
CR_CONNECTION_ERROR = 2002  # Connector/C also uses it for a refused TCP connect
CR_CONN_HOST_ERROR = 2003  # can't connect to server on host (refused)

Factory = Callable[..., MariaDBServer]


def _connect(server: ServerUnderTest, **overrides: Any) -> Any:
    kwargs: dict[str, Any] = {**server.connect_kwargs(), "connect_timeout": 5, **overrides}
    return mariadb.connect(**kwargs)


def _connect_errno(server: ServerUnderTest, **overrides: Any) -> int:
    with pytest.raises(mariadb.Error) as info:
        _connect(server, **overrides).close()
    errno = info.value.errno
    assert isinstance(errno, int)
    return errno


@contextmanager
def _connections(server: ServerUnderTest) -> Iterator[list[Any]]:
    """A list to put connections in; all are closed afterwards."""
    conns: list[Any] = []
    try:
        yield conns
    finally:
        for conn in conns:
            with suppress(mariadb.Error):
                conn.close()
        if not isinstance(server, MariaDBServer) or server.is_running:
            server.wait_for_connections(0)


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_user_gets_exactly_max_connections(mariadb_server: ServerUnderTest) -> None:
    server = mariadb_server
    server.wait_for_connections(0)
    (other,) = {"Aborted_connects", "Connection_errors_max_connections"} - {server.refused_status}
    refused_before, other_before = server.refused_connects(), server.status(other)
    refused = 0
    with _connections(server) as conns:
        for _ in range(server.max_connections):
            conns.append(_connect(server))
        assert server.user_connections() == server.max_connections
        for _ in range(3):
            assert _connect_errno(server) == ER_CON_COUNT_ERROR
            refused += 1
        # The harness still gets in while the user is locked out, and counts itself out
        # (once the refused connects' threads have ended).
        server.wait_for_connections(server.max_connections)
        assert server.client_connections() == server.max_connections

        conns.pop().close()
        server.wait_for_connections(server.max_connections - 1)
        conns.append(_connect(server))  # the freed slot is usable again
        assert _connect_errno(server) == ER_CON_COUNT_ERROR
        refused += 1

    # Every refused connect is in the flavour's counter (connguard.testing.flavour). The
    # other counts some of them: MariaDB's Connection_errors_max_connections those refused
    # at accept time, i.e. when even the extra slot reserved for privileged accounts was
    # taken (e.g. by the previous refused connection's still-running thread); MySQL's
    # Aborted_connects those refused after authentication.
    assert server.refused_connects() - refused_before == refused
    assert 0 <= server.status(other) - other_before <= refused


def test_user_has_no_global_privileges(embedded_server: MariaDBServer) -> None:
    server = embedded_server
    with _connections(server) as conns:
        conn = _connect(server)
        conns.append(conn)
        cur = conn.cursor()
        cur.execute("SHOW GRANTS")
        grants = [str(row[0]) for row in cur.fetchall()]
        cur.close()
    text = "\n".join(grants).upper()
    assert "SUPER" not in text
    assert "CONNECTION ADMIN" not in text
    assert "ON *.* TO" in text and "GRANT USAGE ON *.*" in text
    assert f"GRANT ALL PRIVILEGES ON `{server.database.upper()}`.*" in text
    for host in ("127.0.0.1", "localhost"):
        rows = server.admin_sql(f"SHOW GRANTS FOR '{server.user}'@'{host}'")
        assert len(rows) == 2
        assert not any("SUPER" in r[0] or "CONNECTION ADMIN" in r[0] for r in rows)


def test_wrong_password_is_1045(mariadb_server: ServerUnderTest) -> None:
    assert _connect_errno(mariadb_server, password="not-" + mariadb_server.password) == (
        ER_ACCESS_DENIED_ERROR
    )


def test_connection_details(embedded_server: MariaDBServer) -> None:
    server = embedded_server
    port = server.port
    assert server.host == "127.0.0.1"
    assert server.safe_dsn == f"mariadb://connguard:***@127.0.0.1:{port}/connguard"
    assert server.dsn.startswith("mariadb://connguard:") and server.dsn.endswith(
        f"@127.0.0.1:{port}/connguard"
    )
    assert server.password not in repr(server)
    assert server.password not in server.safe_dsn
    assert server.socket_path.is_socket()
    assert server.admin_port != port
    assert server.admin_sql("SELECT @@max_connections, @@port, @@bind_address, @@extra_port") == [
        ("10", str(port), "127.0.0.1", str(server.admin_port))
    ]
    assert server.admin_sql("SELECT 'a\tb', NULL, ''") == [("a\tb", "NULL", "")]
    with _connections(server) as conns:
        # TCP is matched as '127.0.0.1', the unix socket as 'localhost'.
        tcp = _connect(server)
        conns.append(tcp)
        sock = mariadb.connect(
            unix_socket=str(server.socket_path),
            user=server.user,
            password=server.password,
            database=server.database,
        )
        conns.append(sock)
        hosts = []
        for conn in (tcp, sock):
            cur = conn.cursor()
            cur.execute("SELECT CURRENT_USER(), DATABASE()")
            hosts.append(cur.fetchone())
            cur.close()
        assert hosts == [
            (f"{server.user}@127.0.0.1", server.database),
            (f"{server.user}@localhost", server.database),
        ]


def test_max_connections_below_mariadb_minimum_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_connections"):
        MariaDBServer(max_connections=5)


def test_restart_and_down(mariadb_server_factory: Factory) -> None:
    server = mariadb_server_factory(max_connections=12, options={"wait_timeout": 600})
    port, pid = server.port, server.pid
    assert server.admin_sql("SELECT @@max_connections, @@wait_timeout") == [("12", "600")]

    # restart(): the server goes away for `delay` seconds, then comes back on the same port.
    unavailable = threading.Event()

    def probe() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                _connect(server, connect_timeout=1).close()
            except mariadb.Error as exc:
                if exc.errno in (CR_CONN_HOST_ERROR, CR_CONNECTION_ERROR):
                    unavailable.set()
                    return
            time.sleep(0.01)

    held = _connect(server)
    prober = threading.Thread(target=probe)
    prober.start()
    try:
        server.restart(delay=0.5)
    finally:
        prober.join()
    assert unavailable.is_set()
    assert server.port == port and server.pid not in (None, pid)
    with pytest.raises(mariadb.Error):  # a connection from before the restart is dead
        held.cursor().execute("SELECT 1")
    held.close()
    with _connections(server) as conns:
        conns.append(_connect(server))

    # down(): unavailable for the body, then up again; also after a crash (SIGKILL).
    with server.down(graceful=False):
        assert not server.is_running
        assert _connect_errno(server, connect_timeout=1) in (
            CR_CONNECTION_ERROR,
            CR_CONN_HOST_ERROR,
        )
        with pytest.raises(MariaDBServerError):
            server.admin_sql("SELECT 1")
    assert server.port == port
    with _connections(server) as conns:
        for _ in range(12):
            conns.append(_connect(server))
        assert _connect_errno(server) == ER_CON_COUNT_ERROR


def test_context_exit_cleans_up(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="connguard.testing")
    with MariaDBServer(password="s3cret-pw") as server:
        base_dir, pid = server.base_dir, server.pid
        assert pid is not None and server.datadir.is_dir()
        assert server.socket_path.parent == base_dir
        assert server.startup_seconds is not None
    assert _process_gone(pid)
    assert not base_dir.exists()
    assert not server.is_running
    server.stop()  # idempotent
    assert "s3cret-pw" not in caplog.text
    assert "mariadb://connguard:***@127.0.0.1:" in caplog.text


def test_context_exit_cleans_up_when_body_raises() -> None:
    class Boom(Exception):
        pass

    seen: dict[str, Any] = {}
    with pytest.raises(Boom), MariaDBServer() as server:
        seen.update(base_dir=server.base_dir, pid=server.pid)
        raise Boom
    assert _process_gone(seen["pid"])
    assert not seen["base_dir"].exists()
    with pytest.raises(MariaDBServerError):
        server.admin_sql("SELECT 1")
