"""Test support for connguard: test mode, a throwaway real MariaDB server, pytest fixtures.

:func:`set_testing` and :func:`reset_gates` (docs/spec.md section 8.4) are for
a service's own tests. The server harness (see :mod:`connguard.testing.server`
for details and environment variables, :mod:`connguard.testing.external` for a
server of yours given by ``MYSQL_TEST_URL``) is imported on first use, so the
runtime's import of test mode loads none of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connguard.testing.mode import reset_gates, set_testing

if TYPE_CHECKING:
    from connguard.testing.errors import (
        AdminSQLError,
        ExternalServerError,
        MariaDBNotFoundError,
        MariaDBServerError,
    )
    from connguard.testing.external import ExternalServer
    from connguard.testing.protocol import ServerUnderTest
    from connguard.testing.server import MIN_MAX_CONNECTIONS, MariaDBServer

__all__ = [
    "MIN_MAX_CONNECTIONS",
    "AdminSQLError",
    "ExternalServer",
    "ExternalServerError",
    "MariaDBNotFoundError",
    "MariaDBServer",
    "MariaDBServerError",
    "ServerUnderTest",
    "reset_gates",
    "set_testing",
]

_LAZY = {
    "AdminSQLError": "errors",
    "ExternalServerError": "errors",
    "MariaDBNotFoundError": "errors",
    "MariaDBServerError": "errors",
    "ExternalServer": "external",
    "ServerUnderTest": "protocol",
    "MIN_MAX_CONNECTIONS": "server",
    "MariaDBServer": "server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'connguard.testing' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"connguard.testing.{module}"), name)
