"""Showing a connection target without its password."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["mask_dsn", "parse_dsn"]

# scheme://user:password@host -> scheme://user:***@host. Greedy up to the last
# '@' of the word, so an unencoded '@' in a password is masked too (over-masking
# an odd query string is the safe side to err on).
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)\S*@")
# password=secret, passwd: secret, "password": "secret" in key/value texts; not
# the server's own "(using password: YES)", which tells nothing.
_KEY_PASSWORD = re.compile(
    r"(?P<head>\b(?:password|passwd|pwd)\b['\"]?\s*[=:]\s*['\"]?)(?!(?:YES|NO)\))[^'\"\s,;&)}]+",
    re.IGNORECASE,
)


def mask_dsn(text: str) -> str:
    """``text`` with every password in a URL or a ``password=`` pair shown as ``***``.

    >>> mask_dsn("mariadb://app:s3cret@db:3306/main")
    'mariadb://app:***@db:3306/main'
    """
    text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    return _KEY_PASSWORD.sub(r"\g<head>***", text)


def parse_dsn(dsn: str) -> tuple[str, dict[str, Any]]:
    """``scheme://user:password@host:port/database`` as (scheme, connect keyword arguments)."""
    parts = urlsplit(dsn)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"not a DSN (scheme://user:password@host:port/db): {mask_dsn(dsn)}")
    if parts.query:
        raise ValueError("a DSN here takes no query parameters; pass connect keyword arguments")
    kwargs: dict[str, Any] = {"host": parts.hostname or "localhost"}
    if parts.port:
        kwargs["port"] = parts.port
    if parts.username:
        kwargs["user"] = unquote(parts.username)
    if parts.password is not None:
        kwargs["password"] = unquote(parts.password)
    if parts.path.strip("/"):
        kwargs["database"] = unquote(parts.path.strip("/"))
    return parts.scheme, kwargs
