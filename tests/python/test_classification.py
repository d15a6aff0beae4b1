"""error_code / is_network_error on the real exception classes of each driver."""

from __future__ import annotations

import mariadb
import mysql.connector
import pymysql
import pytest

from connguard import Policy, classify, error_code, is_network_error


def _mariadb_error(errno: int) -> mariadb.Error:
    # The C driver sets errno itself; a Python-raised one carries it as an attribute.
    exc = mariadb.OperationalError("Too many connections")
    exc.errno = errno
    return exc


@pytest.mark.parametrize(
    "exc",
    [
        mysql.connector.errors.DatabaseError(msg="Too many connections", errno=1040),
        pymysql.err.OperationalError(1040, "Too many connections"),
        _mariadb_error(1040),
    ],
    ids=["mysql-connector", "pymysql", "mariadb"],
)
def test_error_code_reads_each_driver(exc: Exception) -> None:
    assert error_code(exc) == 1040
    assert not is_network_error(exc)


def test_os_errno_is_not_a_server_code() -> None:
    refused = ConnectionRefusedError(111, "Connection refused")
    assert error_code(refused) is None
    assert is_network_error(refused)
    assert is_network_error(TimeoutError())


def test_driver_error_without_code_counts_as_network_only_when_caused_by_a_socket_error() -> None:
    pool_exhausted = mysql.connector.errors.PoolError("Failed getting connection; pool exhausted")
    assert error_code(pool_exhausted) is None  # its errno is -1
    assert not is_network_error(pool_exhausted)

    wrapped = mysql.connector.errors.InterfaceError(msg="Lost connection")
    wrapped.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    assert is_network_error(wrapped)


def test_unrelated_exception_is_neither() -> None:
    exc = ValueError("bad argument")
    exc.__context__ = ConnectionRefusedError()
    assert error_code(exc) is None
    assert not is_network_error(exc)


def test_classify_applies_policy_lists() -> None:
    assert classify(1040) == "capacity"
    assert classify(None) == "transient"
    assert classify(1045) == "fatal"
    policy = Policy.from_dict({"retry_on": [1205], "never_retry": [1040]})
    assert classify(1205, policy) == "transient"
    assert classify(1040, policy) == "fatal"
