"""MySQL Connector/Python (``mysql.connector``), C extension or pure Python."""

from __future__ import annotations

import sys

from connguard.drivers import Driver, E, as_driver_error, positive

# The driver reports its own read timing out during the handshake as 3024
# (ConnectionTimeoutError), a number the server uses for a statement's
# max_execution_time: while connecting it is a network timeout, not a code.
_HANDSHAKE_TIMEOUT = 3024


class MySQLConnector(Driver):
    module = "mysql.connector"
    scheme = "mysql"
    timeout_param = "connection_timeout"  # it bounds the handshake's reads too

    def catchable(self, error: type[E]) -> type[E]:
        # Its Error.__init__, next after connguard's in the MRO, takes the message as
        # ``msg`` and sets ``errno`` (-1: none), ``sqlstate`` and ``args`` as for its own.
        return as_driver_error(error, sys.modules["mysql.connector.errors"].OperationalError)

    def network_error(self, exc: BaseException) -> bool:
        errors = sys.modules["mysql.connector.errors"]
        return isinstance(exc, errors.ConnectionTimeoutError) or super().network_error(exc)

    def error_of(self, exc: BaseException) -> tuple[bool, int | None]:
        errors = sys.modules.get("mysql.connector.errors")
        if errors is None or not isinstance(exc, errors.Error):
            return False, None
        if isinstance(exc, errors.ConnectionTimeoutError):
            return True, None
        code = positive(getattr(exc, "errno", None))
        return True, None if code == _HANDSHAKE_TIMEOUT else code


DRIVER = MySQLConnector()
