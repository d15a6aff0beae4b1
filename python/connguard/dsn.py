"""Showing a connection target without its password, and reading a DSN."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from connguard import _native

__all__ = ["mask_dsn", "parse_dsn"]

_DSN = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.+)", re.DOTALL)
_HOST_PORT = re.compile(r"(?P<host>\[[^\]]*\]|[^:/\[\]]*)(?::(?P<port>[0-9]{1,5}))?")


def mask_dsn(text: str) -> str:
    """``text`` with every password in it shown as ``***`` (docs/spec.md section 4.3).

    >>> mask_dsn("mariadb://app:s3cret@db:3306/main")
    'mariadb://app:***@db:3306/main'
    """
    return _native.mask_dsn(text)


def _bad(dsn: str, why: str) -> ValueError:
    return ValueError(f"{why}: {mask_dsn(dsn)} (write scheme://user:password@host:port/db)")


def parse_dsn(dsn: str) -> tuple[str, dict[str, Any]]:
    """``scheme://user:password@host:port/database`` as (scheme, connect keyword arguments).

    The userinfo runs to the last ``@``, so a password may hold ``@``, ``:``, ``#`` or
    ``/`` as typed (percent-encoding works too). Errors show the DSN masked.
    """
    matched = _DSN.fullmatch(dsn.strip())
    if matched is None:
        raise _bad(dsn, "not a DSN")
    rest = matched["rest"]
    userinfo, at, location = rest.rpartition("@")
    if not at:
        userinfo, location = "", rest
    address, _, path = location.partition("/")
    if "?" in path or "#" in path:
        raise _bad(dsn, "a DSN here takes no query parameters; pass connect keyword arguments")
    where = _HOST_PORT.fullmatch(address)
    if where is None:
        raise _bad(dsn, "not a host[:port]")
    kwargs: dict[str, Any] = {"host": where["host"].strip("[]") or "localhost"}
    if where["port"]:
        port = int(where["port"])
        if not 0 < port < 65536:
            raise _bad(dsn, "a port is 1 to 65535")
        kwargs["port"] = port
    if userinfo:
        user, colon, password = userinfo.partition(":")
        kwargs["user"] = unquote(user)
        if colon:
            kwargs["password"] = unquote(password)
    if path.strip("/"):
        kwargs["database"] = unquote(path.strip("/"))
    return matched["scheme"], kwargs
