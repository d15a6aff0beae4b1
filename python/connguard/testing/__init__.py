"""Test support for connguard: a throwaway real MariaDB server and pytest fixtures.

See :mod:`connguard.testing.server` for details and environment variables.
"""

from connguard.testing.errors import AdminSQLError, MariaDBNotFoundError, MariaDBServerError
from connguard.testing.server import MIN_MAX_CONNECTIONS, MariaDBServer

__all__ = [
    "MIN_MAX_CONNECTIONS",
    "AdminSQLError",
    "MariaDBNotFoundError",
    "MariaDBServer",
    "MariaDBServerError",
]
