"""PyMySQL (``pymysql``), pure Python; aiomysql raises its errors too."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from connguard.drivers import Driver, E, as_driver_error, positive


def pymysql_error(exc: BaseException) -> tuple[bool, int | None]:
    err = sys.modules.get("pymysql.err")
    if err is not None and isinstance(exc, err.MySQLError):
        return True, positive(exc.args[0] if exc.args else None)
    return False, None


class PyMySQLFields(Exception):
    """PyMySQL's errors are ``(code, message)`` pairs, and its users' handlers read
    ``args[0]`` or unpack ``args``; 0 is PyMySQL's own code for an error with none."""

    def __init__(self, **fields: Any) -> None:
        super().__init__(**fields)
        self.args = (0, self.args[0])

    def __str__(self) -> str:
        return str(self.args[1])  # the message, as every driver's variant prints it


class PyMySQL(Driver):
    module = "pymysql"
    scheme = "mysql+pymysql"
    connects = frozenset({"connect", "Connection"})  # pymysql.connect is its Connection class
    # connect_timeout bounds only the TCP connect: the handshake's reads wait
    # for read_timeout (default: forever). An attempt's reads and writes get
    # the cap, and the caller's own timeouts are put back once connected.

    def error_of(self, exc: BaseException) -> tuple[bool, int | None]:
        return pymysql_error(exc)

    def capped(self, kwargs: Mapping[str, Any], cap: float) -> dict[str, Any]:
        capped = super().capped(kwargs, cap)
        for name in ("read_timeout", "write_timeout"):
            if capped.get(name) is None or capped[name] > cap:
                capped[name] = cap
        return capped

    def catchable(self, error: type[E]) -> type[E]:
        operational = sys.modules["pymysql.err"].OperationalError
        return as_driver_error(error, operational, PyMySQLFields)

    def opened(self, conn: Any, kwargs: Mapping[str, Any]) -> Any:
        # Private fields that PyMySQL reads before every socket read and write
        # (pinned by tests/python/test_drivers.py on the declared versions).
        conn._read_timeout = kwargs.get("read_timeout")
        conn._write_timeout = kwargs.get("write_timeout")
        return conn


DRIVER = PyMySQL()
