"""MariaDB Connector/Python (``mariadb``), over Connector/C."""

from __future__ import annotations

import sys
from collections.abc import Hashable, Mapping
from typing import Any

from connguard.drivers import Driver, E, as_driver_error, positive


class MariaDBFields(Exception):
    """The attributes Connector/Python sets on the errors Connector/C reports, which its
    users' handlers read: ``errno`` (0, Connector/C's "no error number"), ``sqlstate``
    (HY000, the general error), ``errmsg`` and ``msg``."""

    def __init__(self, **fields: Any) -> None:
        super().__init__(**fields)
        self.errno = 0
        self.sqlstate = "HY000"
        self.errmsg = self.msg = str(self)


class MariaDB(Driver):
    module = "mariadb"
    scheme = "mariadb"
    whole_seconds = True  # Connector/C takes whole seconds
    # Connector/C's connect timeout also bounds reading the server's greeting:
    # a server that accepts and never speaks fails the attempt in time (2013).

    def error_of(self, exc: BaseException) -> tuple[bool, int | None]:
        mariadb = sys.modules["mariadb"]
        if isinstance(exc, mariadb.Error):
            return True, positive(getattr(exc, "errno", None))
        return False, None

    def catchable(self, error: type[E]) -> type[E]:
        return as_driver_error(error, sys.modules["mariadb"].OperationalError, MariaDBFields)

    def target_key(self, kwargs: Mapping[str, Any]) -> Hashable:
        # As Connector/C: no host, or "localhost", is the unix socket.
        host = kwargs.get("host")
        if kwargs.get("unix_socket") or host in (None, "", "localhost"):
            return ("socket", kwargs.get("unix_socket") or "")
        return super().target_key(kwargs)


DRIVER = MariaDB()
