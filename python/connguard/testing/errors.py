"""The exceptions raised by the MariaDB test-server harness."""

from __future__ import annotations

__all__ = ["AdminSQLError", "MariaDBNotFoundError", "MariaDBServerError"]


class MariaDBServerError(RuntimeError):
    """The test server could not be set up, started, stopped or queried."""


class MariaDBNotFoundError(MariaDBServerError):
    """A MariaDB program needed by the harness is not installed."""


class AdminSQLError(MariaDBServerError):
    """An administrative statement failed; ``errno`` is MariaDB's error code if known."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno
