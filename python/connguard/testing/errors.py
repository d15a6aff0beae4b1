"""The exceptions raised by the test-server harness (embedded MariaDB or an external server)."""

from __future__ import annotations

__all__ = ["AdminSQLError", "ExternalServerError", "MariaDBNotFoundError", "MariaDBServerError"]


class MariaDBServerError(RuntimeError):
    """The test server could not be set up, started, stopped or queried."""


class MariaDBNotFoundError(MariaDBServerError):
    """A MariaDB program needed by the harness is not installed."""


class AdminSQLError(MariaDBServerError):
    """An administrative statement failed; ``errno`` is MariaDB's error code if known."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno


class ExternalServerError(MariaDBServerError):
    """An external server (``MYSQL_TEST_URL``) is misdescribed or unfit for the suite;
    the message names the variable, shows its URL masked and says what is needed."""
