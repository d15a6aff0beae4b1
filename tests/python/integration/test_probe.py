"""connguard probe against the embedded MariaDB: what it reads as an ordinary account and
as an admin, and how it gets in (or says how to) when the server is full."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pymysql
import pytest

import connguard
from connguard.cli import main
from connguard.testing import MariaDBServer
from connguard.testing.process import free_port

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def fresh_gates() -> Iterator[None]:
    """A probe refused by a full server leaves its gate's limit low: each test starts anew."""
    connguard.reset_gates()
    yield
    connguard.reset_gates()


@contextmanager
def _held(server: MariaDBServer, count: int) -> Iterator[None]:
    """``count`` plain connections of the test account, open for the ``with`` body."""
    kwargs: dict[str, Any] = dict(server.connect_kwargs())
    held = [pymysql.connect(**kwargs) for _ in range(count)]
    try:
        yield
    finally:
        for conn in held:
            conn.close()
        server.wait_for_connections(0)


def _admin_dsn(server: MariaDBServer, port: int | None = None) -> str:
    """root, on the harness's extra_port unless told otherwise (no password on loopback)."""
    return f"mysql://root@{server.host}:{port or server.admin_port}/"


def _probe(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["probe", *args])
    return code, capsys.readouterr().out


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out = _probe(capsys, *args, "--json")
    return code, json.loads(out)


def test_an_ordinary_account_reads_limits_and_counters_and_its_own_threads(
    embedded_server: MariaDBServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with _held(embedded_server, 3):
        code, found = _json(capsys, embedded_server.dsn)
        assert code == 0
        assert found["flavour"] == "mariadb" and "MariaDB" in found["version"]
        assert found["account"] == f"{embedded_server.user}@127.0.0.1"
        assert found["variables"]["max_connections"] == 10
        assert found["variables"]["extra_max_connections"] == 32
        assert found["variables"]["wait_timeout"] > 0
        assert {"Aborted_connects", "Connection_errors_max_connections"} <= set(found["status"])
        assert found["status"]["Threads_connected"] == 4  # the probe's own included
        assert (found["in_use"], found["headroom"]) == (3, 7)
        assert found["processlist_complete"] is False
        [user] = found["users"]  # the probe's own thread left out
        assert (user["name"], user["connections"], user["idle"]) == (embedded_server.user, 3, 3)
        assert found["hosts"][0]["name"] == "127.0.0.1"
        assert list(found["unreadable"]) == ["performance_schema"]  # off on this server
        code, text = _probe(capsys, embedded_server.dsn)
    assert code == 0
    assert "3 in use (Threads_connected 4, this probe's own left out)" in text
    assert "7 free: the headroom" in text
    assert "only this account's own threads: it has no PROCESS privilege" in text
    assert embedded_server.password not in text
    assert embedded_server.safe_dsn in text


def test_an_admin_sees_every_thread_and_comes_in_on_extra_port(
    embedded_server: MariaDBServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with _held(embedded_server, 2):
        code, found = _json(capsys, _admin_dsn(embedded_server))
    assert code == 0
    assert found["via_admin_port"] is True
    assert {"PROCESS", "SUPER", "CONNECTION ADMIN"} <= set(found["privileges"])
    assert found["processlist_complete"] is True
    assert found["status"]["Threads_connected"] == found["in_use"] == 2  # not counted there
    assert [(u["name"], u["connections"]) for u in found["users"]] == [(embedded_server.user, 2)]


def test_a_full_server_refuses_an_ordinary_probe_which_says_how_to_get_in(
    embedded_server: MariaDBServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with _held(embedded_server, embedded_server.max_connections):
        code, found = _json(capsys, embedded_server.dsn, "--deadline", "1s")
        assert code == 1
        assert found["connected"] is False
        assert found["error"]["code"] == 1040 and found["error"]["reason"] == "deadline"
        assert found["refused"] == found["attempts"] >= 1  # it waited, retrying through connguard
        code, text = _probe(capsys, embedded_server.dsn, "--deadline", "1s")
        assert code == 1
        assert "not connected: 1040 ER_CON_COUNT_ERROR" in text
        assert "CONNECTION ADMIN" in text and "extra_port" in text
        assert embedded_server.password not in text

        # The one way in on the server's own port: the slot it keeps for CONNECTION ADMIN.
        code, text = _probe(capsys, _admin_dsn(embedded_server, embedded_server.port))
        assert code == 0
        assert "10 in use (Threads_connected 11, this probe's own left out)" in text
        assert "0 free: the headroom" in text
        assert "kept beyond max_connections for CONNECTION ADMIN/SUPER accounts: " in text
        assert "this probe came in there" in text


def test_performance_schema_is_read_where_granted(
    mariadb_server_factory: Callable[..., MariaDBServer], capsys: pytest.CaptureFixture[str]
) -> None:
    server = mariadb_server_factory(options={"performance-schema": "ON"})
    code, found = _json(capsys, server.dsn)
    assert code == 0 and found["performance_schema"] is None
    assert found["unreadable"]["performance_schema"].startswith("1142: ")  # SELECT denied
    with _held(server, 2):
        code, found = _json(capsys, _admin_dsn(server))
    assert code == 0
    accounts = {a["user"]: a for a in found["performance_schema"]["accounts"]}
    assert accounts[server.user]["total"] >= 3  # its probe and the two held
    assert "performance_schema" not in found["unreadable"]


def test_the_mariadb_driver_serves_when_pymysql_is_missing(
    embedded_server: MariaDBServer, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setitem(sys.modules, "connguard.pymysql", None)  # import fails as if absent
    code, found = _json(capsys, embedded_server.dsn)
    assert code == 0
    assert found["variables"]["max_connections"] == embedded_server.max_connections
    assert found["in_use"] == 0 and found["headroom"] == embedded_server.max_connections


def test_what_is_not_capacity_fails_at_once_and_plainly(
    embedded_server: MariaDBServer, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = embedded_server.dsn.replace(embedded_server.password, "not-the-password")
    code, found = _json(capsys, wrong)
    assert code == 1 and found["error"]["code"] == 1045 and found["attempts"] == 1
    nobody = f"mysql://nobody:s3cret@127.0.0.1:{free_port()}/"
    code, found = _json(capsys, nobody, "--deadline", "1s")
    assert code == 1 and found["error"]["reason"] == "deadline"  # retried while nothing listens
    assert found["error"]["code"] in (None, 2003) and found["refused"] == 0
    code, text = _probe(capsys, nobody, "--deadline", "1s")
    assert code == 1 and "not connected" in text and "s3cret" not in text
    assert main(["probe", "not a dsn"]) == 2
    assert "not a DSN" in capsys.readouterr().err
