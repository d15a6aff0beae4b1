"""Errors connguard itself raises (a driver's errors are always re-raised as they are).

Every one is a :class:`ConnguardError`, so ``except connguard.ConnguardError``
catches whatever connguard adds to a driver's own errors. Raised for the calls
of a driver (``connguard.pymysql``, ``mariadb``, ``mysql_connector``,
``aiomysql``, their pools, ``retry_call`` of a driver's ``connect``),
:class:`QueueTimeout` and :class:`PoolTimeout` are also that driver's
``OperationalError``, with the attributes its handlers read (see
:meth:`connguard.drivers.Driver.catchable`): code that already catches the
driver's errors catches them too.
"""

from __future__ import annotations

from connguard import _native


class ConnguardError(Exception):
    """The base of every error connguard itself raises."""


class PolicyError(ConnguardError, ValueError):
    """An invalid policy: names the file, line, table and key, and what is allowed.

    ``kind`` is one of the kinds of docs/spec.md section 1.3 (``unknown_key``,
    ``out_of_range``, ...), identical across C++, Python, Node and Rust.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        file: str,
        line: int,
        table: str,
        key: str,
        problem: str,
        allowed: str,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.file = file
        self.line = line
        self.table = table
        self.key = key
        self.problem = problem
        self.allowed = allowed


class PoolTimeout(ConnguardError):
    """No pooled connection became free within the policy's deadline.

    Raised by :meth:`connguard.pool.Pool.acquire`; names the pool's size, its
    target and how long it waited.
    """

    def __init__(self, *, size: int, target: str, waited: float, deadline: float) -> None:
        target = _native.mask_dsn(target)
        super().__init__(
            f"connguard pool for {target} (size {size}): no connection became free within "
            f"{waited:.2f}s (the policy deadline is {deadline:g}s); all {size} connections "
            "stayed checked out. Hold connections for shorter, raise the pool size (within the "
            "server's max_connections), or allow a longer deadline."
        )
        self.size = size
        self.target = target
        self.waited = waited
        self.deadline = deadline


class QueueTimeout(ConnguardError):
    """A caller waited its whole deadline in the limiter's queue without one attempt.

    Raised only when there is no driver error of its own to re-raise: a caller
    that was refused before gives up with the driver's last error instead.
    """

    def __init__(self, *, target: str, waited: float, limit: int, holding: int) -> None:
        super().__init__(_native.queue_timeout_message(target, waited, holding, limit))
        self.target = target
        self.waited = waited
