"""What a failed connection attempt was: the driver's error code, or a network error.

Drivers are recognised through ``sys.modules`` so that importing connguard
never imports a driver the service does not use.
"""

from __future__ import annotations

import sys
from typing import Literal, cast

from connguard import _native

ErrorClass = Literal["capacity", "transient", "fatal"]

__all__ = ["ErrorClass", "classify", "error_code", "is_network_error"]


def classify(code: int | None, policy: _native.Policy | None = None) -> ErrorClass:
    """The class of an error code (``None``: a network error with no server code).

    With a policy, its ``retry_on`` and ``never_retry`` apply (never_retry wins).
    """
    return cast(ErrorClass, _native.classify(code, policy))


def _driver_error(exc: BaseException) -> tuple[bool, int | None]:
    """Whether ``exc`` is a known driver's error, and the error number it carries."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.DBAPIError):
        # An Engine wraps the driver's error; the code is the driver's.
        return _driver_error(exc.orig) if exc.orig is not None else (True, None)
    mariadb = sys.modules.get("mariadb")
    if mariadb is not None and isinstance(exc, mariadb.Error):
        return True, _positive(getattr(exc, "errno", None))
    connector_errors = sys.modules.get("mysql.connector.errors")
    if connector_errors is not None and isinstance(exc, connector_errors.Error):
        return True, _positive(getattr(exc, "errno", None))
    pymysql_err = sys.modules.get("pymysql.err")
    if pymysql_err is not None and isinstance(exc, pymysql_err.MySQLError):
        return True, _positive(exc.args[0] if exc.args else None)
    return False, None


def _positive(value: object) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def error_code(exc: BaseException) -> int | None:
    """The MySQL/MariaDB error number an exception carries, else ``None``.

    Understands ``mariadb``, ``mysql.connector`` and ``pymysql`` (so also
    ``aiomysql``, which raises pymysql's errors), and SQLAlchemy's wrappers of
    them. An ``OSError`` carries an OS
    errno, not a server code, so it yields ``None``.
    """
    return _driver_error(exc)[1]


def is_network_error(exc: BaseException) -> bool:
    """A socket error or timeout with no server code (refused, reset, timed out).

    A driver error without a code counts when it was raised from such an error.
    """
    if isinstance(exc, OSError):  # TimeoutError and ConnectionError are OSErrors
        return True
    is_driver, code = _driver_error(exc)
    return is_driver and code is None and isinstance(exc.__cause__ or exc.__context__, OSError)
