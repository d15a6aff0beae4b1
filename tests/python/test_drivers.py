"""The driver modules: what each reads from its driver, and the internals it relies on,
pinned on the installed (declared) driver versions."""

from __future__ import annotations

import inspect

import aiomysql
import mariadb
import mysql.connector
import pymysql
import pytest

from connguard.drivers import driver_error, driver_of
from connguard.drivers import pymysql as pymysql_driver
from connguard.drivers.mariadb import DRIVER as MARIADB
from connguard.drivers.mysql_connector import DRIVER as MYSQL_CONNECTOR
from connguard.drivers.pymysql import DRIVER as PYMYSQL


def test_each_connect_function_finds_its_driver() -> None:
    assert driver_of(mariadb.connect) is MARIADB
    assert driver_of(mysql.connector.connect) is MYSQL_CONNECTOR
    assert driver_of(pymysql.connect) is PYMYSQL
    assert driver_of(aiomysql.connect) is not None
    assert driver_of(len) is None


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({}, {"host": "localhost"}),  # both the default socket, as Connector/C reads them
        ({"host": ""}, {"host": "localhost", "port": 3307}),  # a socket has no port
    ],
)
def test_mariadb_keys_localhost_as_the_socket(one: dict[str, str], other: dict[str, str]) -> None:
    assert MARIADB.target_key(one) == MARIADB.target_key(other) == ("socket", "")


def test_tcp_keys_are_normalized() -> None:
    assert PYMYSQL.target_key({"host": "DB.example"}) == PYMYSQL.target_key(
        {"host": "db.example", "port": 3306}
    )
    assert PYMYSQL.target_key({"unix_socket": "/run/m.sock"}) == ("socket", "/run/m.sock")
    assert MARIADB.target_key({"host": "127.0.0.1", "port": 3307}) == ("tcp", "127.0.0.1", 3307)


def test_mysql_connector_handshake_timeout_is_a_network_error() -> None:
    timed_out = mysql.connector.errors.ConnectionTimeoutError(errno=3024, msg="timed out")
    assert driver_error(timed_out) == (True, None)
    refused = mysql.connector.errors.DatabaseError(errno=1040, msg="Too many connections")
    assert driver_error(refused) == (True, 1040)


def test_pymysql_reads_the_timeouts_connguard_restores_before_every_io() -> None:
    """The attempt cap sets read/write timeouts for the handshake, and opened() puts the
    caller's back through these private fields: PyMySQL must still read them."""
    source = inspect.getsource(pymysql.connections.Connection)
    assert "self._sock.settimeout(self._read_timeout)" in source
    assert "self._sock.settimeout(self._write_timeout)" in source
    capped = PYMYSQL.capped({"read_timeout": 30}, 0.5)
    assert capped["read_timeout"] == capped["write_timeout"] == capped["connect_timeout"] == 0.5

    class Conn:
        _read_timeout: float | None = 0.5
        _write_timeout: float | None = 0.5

    conn = PYMYSQL.opened(Conn(), {"read_timeout": 30})
    assert (conn._read_timeout, conn._write_timeout) == (30, None)
    assert pymysql_driver.DRIVER is PYMYSQL


def test_aiomysql_has_the_streams_ensure_closed_reads() -> None:
    source = inspect.getsource(aiomysql.connection.Connection)
    assert "self._writer" in source and "self._reader" in source
