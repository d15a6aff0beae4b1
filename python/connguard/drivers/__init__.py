"""Everything driver-specific, one module per driver; the rest of connguard asks here.

A driver module maps the driver's world to the engine's terms: the error code
an exception carries, the key of the server it connects to (normalized by the
driver's own rules, so one server gets one gate), the name and unit of its
connect timeout, whether that timeout bounds the whole handshake, what must
happen around a connection it opens, and how connguard's own errors for its
calls become its ``OperationalError`` too. Any patch of a driver's internals
lives in its module, pinned by a test. Importing connguard imports no driver:
drivers are looked up by the module their connect function comes from, and
errors are recognised only for drivers already imported.
"""

from __future__ import annotations

import functools
import importlib
import math
import sys
import types
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar, cast

__all__ = [
    "Driver",
    "as_driver_error",
    "catchable",
    "describe_target",
    "driver_error",
    "driver_of",
    "is_network_error",
]

E = TypeVar("E", bound=BaseException)


class Driver:
    """A driver's defaults; each driver module subclasses what differs."""

    module = ""  # where the driver's connect function lives
    scheme = ""  # URL scheme naming targets in logs
    timeout_param = "connect_timeout"  # the driver's own name for the connect timeout
    whole_seconds = False  # the driver takes an integer number of seconds
    # Whether the driver's connect timeout bounds the whole handshake; if not,
    # the runner bounds each attempt itself (docs/spec.md section 7).
    bounds_handshake = True
    asynchronous = False  # its connect returns an awaitable
    # The entry points that take the timeout; all but ``pools`` return a connection.
    connects = frozenset({"connect"})
    pools: frozenset[str] = frozenset()

    def error_of(self, exc: BaseException) -> tuple[bool, int | None]:
        """Whether ``exc`` is this driver's error, and the server code it carries."""
        return False, None

    def network_error(self, exc: BaseException) -> bool:
        """Whether this driver's ``exc`` (one with no server code) is a network failure:
        most drivers raise those from the socket's error."""
        return isinstance(exc.__cause__ or exc.__context__, OSError)

    def returns_connection(self, connect_fn: Callable[..., Any]) -> bool:
        """Whether ``connect_fn`` opens one connection (which a gate can count)."""
        return getattr(connect_fn, "__qualname__", "") not in self.pools

    def target_key(self, kwargs: Mapping[str, Any]) -> Hashable:
        """The server ``kwargs`` connect to: TCP host and port, or the socket."""
        socket = kwargs.get("unix_socket")
        if socket:
            return ("socket", socket)
        host = str(kwargs.get("host") or "localhost").lower()
        return ("tcp", host, int(kwargs.get("port") or 3306))

    def connect_kwargs(self, timeout: float, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """``kwargs`` with ``timeout`` as the connect timeout, unless the caller set one."""
        merged = dict(kwargs)
        if self.timeout_param not in merged:
            merged[self.timeout_param] = (
                max(1, math.ceil(timeout)) if self.whole_seconds else timeout
            )
        return merged

    def capped(self, kwargs: Mapping[str, Any], cap: float) -> dict[str, Any]:
        """The keyword arguments of one attempt capped at ``cap`` seconds."""
        return (
            self.connect_kwargs(cap, kwargs) if self.timeout_param not in kwargs else dict(kwargs)
        )

    def opened(self, conn: Any, kwargs: Mapping[str, Any]) -> Any:
        """The connection an attempt made with ``kwargs`` returned, ready for the caller."""
        return conn

    def catchable(self, error: type[E]) -> type[E]:
        """``error`` (one of connguard's) as raised for this driver's calls: where the driver
        has an ``OperationalError``, a subclass of both, so that a service's existing
        ``except <driver>.OperationalError`` also catches what connguard adds."""
        return error


def catchable(driver: Driver | None, error: type[E]) -> type[E]:
    """``error`` as raised for the calls of ``driver`` (:meth:`Driver.catchable`), or of an
    unknown connect function (``None``): ``error`` itself."""
    return error if driver is None else driver.catchable(error)


def as_driver_error(
    error: type[E], operational: type[Exception], fields: type[Exception] | None = None
) -> type[E]:
    """``error`` made a subclass of a driver's ``operational`` error too, once per pair.

    ``fields``, a mixin first in the bases, sets after ``error``'s own ``__init__`` the
    attributes the driver's handlers read. The class keeps ``error``'s module and name, so
    tracebacks name the error connguard documents.
    """
    bases = (error, operational) if fields is None else (fields, error, operational)
    return cast("type[E]", _subclass(bases))


@functools.cache
def _subclass(bases: tuple[type[BaseException], ...]) -> type[BaseException]:
    error = bases[-2]  # the connguard error; a driver's own comes last
    namespace = {
        "__module__": error.__module__,
        "__qualname__": error.__qualname__,
        "__doc__": error.__doc__,
    }
    return type(error.__name__, bases, namespace)


_MODULES = {
    "mariadb": "connguard.drivers.mariadb",
    "mysql.connector": "connguard.drivers.mysql_connector",
    "pymysql": "connguard.drivers.pymysql",
    "aiomysql": "connguard.drivers.aiomysql",
}


def _driver(name: str) -> Driver:
    driver: Driver = importlib.import_module(_MODULES[name]).DRIVER
    return driver


def driver_of(connect_fn: Callable[..., Any]) -> Driver | None:
    """The driver whose connect function this is (``mariadb.connect`` -> mariadb), if known."""
    try:
        return _drivers_of[connect_fn]
    except (KeyError, TypeError):  # not seen yet, or not hashable
        pass
    found = _driver_of(connect_fn)
    # Module-level functions only (a bound method would keep its object alive), and few.
    if isinstance(connect_fn, _PLAIN) and len(_drivers_of) < 256:
        _drivers_of[connect_fn] = found
    return found


_drivers_of: dict[Callable[..., Any], Driver | None] = {}
_PLAIN = (types.FunctionType, types.BuiltinFunctionType)


def _driver_of(connect_fn: Callable[..., Any]) -> Driver | None:
    """The driver whose connect function this is (``mariadb.connect`` -> mariadb), if known."""
    qualname = getattr(connect_fn, "__qualname__", None)
    module = getattr(connect_fn, "__module__", None) or ""
    for name in _MODULES:
        if module == name or module.startswith(name + "."):
            driver = _driver(name)
            return driver if qualname in driver.connects else None
    return None


def _unwrapped(exc: BaseException) -> BaseException | None:
    """The driver's error inside SQLAlchemy's wrapper (an Engine wraps it), else ``exc``;
    ``None`` for a wrapper with nothing inside."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.DBAPIError):
        orig: BaseException | None = exc.orig
        return orig
    return exc


def _imported() -> list[Driver]:
    return [_driver(name) for name in _MODULES if name in sys.modules]


def driver_error(exc: BaseException) -> tuple[bool, int | None]:
    """Whether ``exc`` is an imported driver's error (or SQLAlchemy's wrapper of one), and
    the server code it carries."""
    error = _unwrapped(exc)
    if error is None:
        return True, None
    for driver in _imported():
        found = driver.error_of(error)
        if found[0]:
            return found
    return False, None


def is_network_error(exc: BaseException) -> bool:
    """A socket error or timeout with no server code (refused, reset, timed out)."""
    error = _unwrapped(exc)
    if error is None:
        return False
    if isinstance(error, OSError):  # TimeoutError and ConnectionError are OSErrors
        return True
    for driver in _imported():
        is_driver, code = driver.error_of(error)
        if is_driver:
            return code is None and driver.network_error(error)
    return False


def describe_target(scheme: str, kwargs: Mapping[str, Any]) -> str:
    """``scheme://user@host:port/db`` from connect keyword arguments, never with a password."""
    user = kwargs.get("user") or kwargs.get("username") or ""
    socket = kwargs.get("unix_socket")
    host = kwargs.get("host") or ("localhost" if not socket else "")
    port = kwargs.get("port")
    database = kwargs.get("database") or kwargs.get("db") or ""
    where = f"{host}:{port}" if port else str(host)
    if socket:
        where += f"(socket {socket})"
    return f"{scheme}://{user + '@' if user else ''}{where}/{database}"


def positive(value: object) -> int | None:
    """A server error code, or ``None`` for what drivers put there without one."""
    return value if isinstance(value, int) and value > 0 else None
