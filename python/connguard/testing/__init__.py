"""Test support for connguard: a throwaway real MariaDB server and pytest fixtures.

See :mod:`connguard.testing.server` for details and environment variables.
"""

from connguard.testing.server import (
    MIN_MAX_CONNECTIONS,
    AdminSQLError,
    MariaDBNotFoundError,
    MariaDBServer,
    MariaDBServerError,
)

__all__ = [
    "MIN_MAX_CONNECTIONS",
    "AdminSQLError",
    "MariaDBNotFoundError",
    "MariaDBServer",
    "MariaDBServerError",
]
