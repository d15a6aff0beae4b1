"""docs/python.md's adoptions by CLP's Python services: the code before and after each
(examples/adoption/python/NAME/{before,after}/NAME.py), run against the test server.
Under a full server the code before fails with 1040 where the code after waits for
room: the server is filled by another client, whose connections close once the server
has refused one of the code's."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import mariadb
import mysql.connector
import pytest
from adapters import driver_kwargs
from mysql.connector.abstracts import MySQLConnectionAbstract

from connguard import error_code, give_up_info
from connguard.testing import ServerUnderTest

pytestmark = pytest.mark.integration

ADOPTIONS = Path(__file__).resolve().parents[3] / "examples" / "adoption" / "python"
SIDES = ["before", "after"]
CALLS = 20


@functools.cache
def adoption(name: str, side: str) -> ModuleType:
    """examples/adoption/python/NAME/SIDE/NAME.py, imported (once: its classes are checked)."""
    path = ADOPTIONS / name / side / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"adoption_{name}_{side}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def query_jobs(mariadb_server: ServerUnderTest) -> Iterator[None]:
    """CLP's ``query_jobs`` table, reduced to the columns the code uses."""
    mariadb_server.wait_for_connections(0)
    table = f"`{mariadb_server.database}`.query_jobs"
    mariadb_server.admin_sql(
        f"CREATE TABLE {table} (id INT AUTO_INCREMENT PRIMARY KEY, type INT NOT NULL, "
        "status INT NOT NULL DEFAULT 0, job_config VARBINARY(60000) NOT NULL)"
    )
    yield
    mariadb_server.admin_sql(f"DROP TABLE {table}")


@contextlib.contextmanager
def full_until_refused(server: ServerUnderTest) -> Iterator[threading.Event]:
    """The server full of another client's connections, closed once the server refuses
    a connection of the code under test (or after 10 s without one, or on exit); the
    event is set if it did."""
    held = []
    while True:
        try:
            held.append(mariadb.connect(**driver_kwargs(server, "mariadb")))
        except mariadb.OperationalError as exc:
            assert error_code(exc) == 1040, exc
            break
    refused_before = server.refused_connects()
    refused = threading.Event()

    def release() -> None:
        for _ in range(1000):
            if server.refused_connects() > refused_before:
                refused.set()
                break
            time.sleep(0.01)
        for conn in held:
            conn.close()

    releaser = threading.Thread(target=release)
    releaser.start()
    try:
        yield refused
    finally:
        releaser.join()
        server.wait_for_connections(0)


def in_threads(call: Callable[[], None], count: int = CALLS) -> list[BaseException]:
    """``call()`` in ``count`` threads at once: the exceptions raised."""
    failures: list[BaseException] = []
    start = threading.Barrier(count)

    def run() -> None:
        start.wait()
        try:
            call()
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def sql_adapter(side: str, server: ServerUnderTest, engine: str = "mariadb") -> Any:
    """CLP's SqlAdapter, code ``side``, for the test server."""
    module = adoption("sql_adapter", side)
    database = module.Database(
        type=engine,
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        name=server.database,
    )
    return module.SqlAdapter(database)


@pytest.mark.parametrize("engine", ["mariadb", "mysql"])
@pytest.mark.parametrize("side", SIDES)
def test_sql_adapter_connects_with_clps_parameters(
    side: str, engine: str, mariadb_server: ServerUnderTest
) -> None:
    """The driver's own connection, compression on (CLP's default) and autocommit off."""
    conn = sql_adapter(side, mariadb_server, engine).create_connection()
    driver_connection = mariadb.Connection if engine == "mariadb" else MySQLConnectionAbstract
    try:
        assert isinstance(conn, driver_connection), type(conn)
        with contextlib.closing(conn.cursor()) as cur:
            cur.execute("SHOW SESSION STATUS LIKE 'Compression'")
            assert cur.fetchone() == ("Compression", "ON")
            cur.execute("SELECT @@autocommit")
            assert cur.fetchone() == (0,)
    finally:
        conn.close()
    mariadb_server.wait_for_connections(0)


def test_sql_adapter_handles_a_wrong_password_as_before(
    mariadb_server: ServerUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    """mysql.connector's own error, its errno read by CLP's handler, on the first attempt."""
    adapter = sql_adapter("after", mariadb_server, "mysql")
    adapter.database_config.password = "Wr0ng-Passw0rd-for-connguard"
    with caplog.at_level(logging.ERROR), pytest.raises(mysql.connector.Error) as raised:
        adapter.create_connection()
    assert raised.value.errno == 1045
    assert "Database access denied." in caplog.messages
    info = give_up_info(raised.value)
    assert info is not None and (info.attempts, info.reason) == (1, "fatal")


def test_sql_adapter_connections_on_a_full_server(mariadb_server: ServerUnderTest) -> None:
    """CALLS threads at once open a connection each and run a query."""

    def failures(side: str) -> tuple[list[BaseException], bool]:
        adapter = sql_adapter(side, mariadb_server)

        def call() -> None:
            conn = adapter.create_connection()
            try:
                with contextlib.closing(conn.cursor()) as cur:
                    cur.execute("SELECT 1")
                    assert cur.fetchone() == (1,)
            finally:
                conn.close()

        with full_until_refused(mariadb_server) as refused:
            failed = in_threads(call)
        return failed, refused.is_set()

    before, refused = failures("before")
    assert refused, "the server refused no connection"
    assert before, "every connect succeeded"
    assert all(error_code(exc) == 1040 for exc in before), before
    after, refused = failures("after")
    assert refused, "the server refused no connection"
    assert after == []


def test_sql_adapter_pool_on_a_full_server(mariadb_server: ServerUnderTest) -> None:
    """Threads at once check a connection out of CLP's QueuePool of 5 and run a query; a
    DummyCloseableObject is the wrapper's failure. Before, 5 threads: a failed connect
    wakes none of the threads queued in a QueuePool, which would wait out its
    pool_timeout (30 s). After, CALLS threads."""

    def dummies(side: str, threads: int) -> tuple[int, bool]:
        module = adoption("sql_adapter", side)
        wrapper = sql_adapter(side, mariadb_server).create_connection_pool(
            logging.getLogger("adoption"), pool_size=5
        )
        got_dummy: list[object] = []

        def call() -> None:
            with contextlib.closing(wrapper.connect()) as conn:
                if isinstance(conn, module.DummyCloseableObject):
                    got_dummy.append(conn)
                    return
                with contextlib.closing(conn.cursor()) as cur:
                    cur.execute("SELECT 1")
                    assert cur.fetchone() == (1,)

        with full_until_refused(mariadb_server) as refused:
            failed = in_threads(call, threads)
            wrapper.pool.dispose()
        assert failed == [], failed
        return len(got_dummy), refused.is_set()

    before, refused = dummies("before", 5)
    assert refused, "the server refused no connection"
    assert before > 0, "every checkout succeeded"
    after, refused = dummies("after", CALLS)
    assert refused, "the server refused no connection"
    assert after == 0


def clp_connector(side: str, server: ServerUnderTest) -> Any:
    """CLP's ClpConnector, code ``side``, for the test server."""
    return adoption("clp_connector", side).ClpConnector(driver_kwargs(server, "aiomysql"))


@pytest.mark.parametrize("side", SIDES)
def test_clp_connector_submits_and_reads_a_job(
    side: str, mariadb_server: ServerUnderTest, query_jobs: None
) -> None:
    connector = clp_connector(side, mariadb_server)

    async def run() -> None:
        query_id = await connector.submit_query(b"\x81\xa1q\xa3foo")
        assert await connector.read_job_status(query_id) == 0
        with pytest.raises(ValueError, match="not found"):
            await connector.read_job_status("999999")

    asyncio.run(run())
    mariadb_server.wait_for_connections(0)


def test_clp_connector_on_a_full_server(mariadb_server: ServerUnderTest, query_jobs: None) -> None:
    """CALLS tasks at once, each a submission or a status read."""

    def failures(side: str) -> tuple[list[BaseException], bool]:
        connector = clp_connector(side, mariadb_server)

        async def call(i: int) -> None:
            if i % 2:
                await connector.read_job_status(await connector.submit_query(b"{}"))
            else:
                await connector.submit_query(b"{}")

        async def run() -> list[BaseException]:
            done = await asyncio.gather(*(call(i) for i in range(CALLS)), return_exceptions=True)
            return [result for result in done if isinstance(result, BaseException)]

        with full_until_refused(mariadb_server) as refused:
            failed = asyncio.run(run())
        return failed, refused.is_set()

    before, refused = failures("before")
    assert refused, "the server refused no connection"
    assert before, "every connect succeeded"
    assert all(error_code(exc) == 1040 for exc in before), before
    after, refused = failures("after")
    assert refused, "the server refused no connection"
    assert after == []
