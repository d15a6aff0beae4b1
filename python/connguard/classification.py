"""What a failed connection attempt was: the driver's error code, or a network error.

Each driver's module (:mod:`connguard.drivers`) says what its errors carry;
drivers are recognised only once imported, so importing connguard never
imports a driver the service does not use.
"""

from __future__ import annotations

from typing import Literal, cast

from connguard import _native
from connguard.drivers import driver_error
from connguard.drivers import is_network_error as _is_network_error

ErrorClass = Literal["capacity", "transient", "fatal"]

__all__ = ["ErrorClass", "classify", "error_code", "is_network_error"]


def classify(code: int | None, policy: _native.Policy | None = None) -> ErrorClass:
    """The class of an error code (``None``: a network error with no server code).

    With a policy, its ``retry_on`` and ``never_retry`` apply (never_retry wins).
    """
    return cast(ErrorClass, _native.classify(code, policy))


def error_code(exc: BaseException) -> int | None:
    """The MySQL/MariaDB error number an exception carries, else ``None``.

    Understands ``mariadb``, ``mysql.connector`` and ``pymysql`` (so also
    ``aiomysql``, which raises pymysql's errors), and SQLAlchemy's wrappers of
    them. An ``OSError`` carries an OS
    errno, not a server code, so it yields ``None``.
    """
    return driver_error(exc)[1]


def is_network_error(exc: BaseException) -> bool:
    """A socket error or timeout with no server code (refused, reset, timed out).

    A driver error without a code counts when its driver says it is one (most
    raise it from the socket's ``OSError``).
    """
    return _is_network_error(exc)
