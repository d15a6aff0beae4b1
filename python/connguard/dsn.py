"""Showing a connection target without its password."""

from __future__ import annotations

import re

__all__ = ["mask_dsn"]

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
