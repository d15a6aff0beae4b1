"""Admin SQL through the ``mariadb`` command-line client in batch mode, with its quoting,
and reading a status counter (for the embedded and the external server alike)."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable

from connguard.testing.errors import AdminSQLError, MariaDBServerError

_ERRNO_RE = re.compile(r"ERROR (\d+) \(")
_STATUS_NAME_RE = re.compile(r"^[A-Za-z0-9_]{1,128}$")
_CLIENT_TIMEOUT = 60.0
_ADMIN_FULL_RETRY_SECONDS = 5.0
_ER_CON_COUNT_ERROR = 1040


def sql_string(value: str) -> str:
    """Quote ``value`` as a MariaDB string literal (default sql_mode)."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace("'", "\\'")
        .replace("\0", "\\0")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\x1a", "\\Z")
    )
    return f"'{escaped}'"


def status_sql(name: str) -> str:
    """``SHOW GLOBAL STATUS LIKE 'name'`` for a counter such as ``Threads_connected``."""
    if not _STATUS_NAME_RE.match(name):
        raise ValueError(f"invalid status variable name {name!r}")
    return f"SHOW GLOBAL STATUS LIKE {sql_string(name)}"


def status_value(rows: list[tuple[str, ...]], name: str) -> int:
    """The integer value of ``name`` in the rows of :func:`status_sql`; KeyError if absent."""
    for row in rows:
        if len(row) >= 2 and row[0].lower() == name.lower():
            try:
                return int(row[1])
            except ValueError:
                raise MariaDBServerError(
                    f"status variable {name} is not an integer: {row[1]!r}"
                ) from None
    raise KeyError(name)


_BATCH_ESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "0": "\0"}


def _unescape_batch(value: str) -> str:
    """Undo the escaping of tabs, newlines, NULs and backslashes done by ``mariadb --batch``."""
    if "\\" not in value:
        return value
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value) and value[i + 1] in _BATCH_ESCAPES:
            out.append(_BATCH_ESCAPES[value[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def run_sql(
    command: Callable[[], list[str]], sql: str, redact: Callable[[str], str]
) -> list[tuple[str, ...]]:
    """Run ``sql`` with ``command()`` (the client and its connection arguments); return the rows.

    Retries briefly while ``extra_max_connections`` is exhausted (error 1040).
    ``command`` is called before each attempt, so it can refuse (raise) once
    the server is gone; ``redact`` hides the password in error messages.
    """
    deadline = time.monotonic() + _ADMIN_FULL_RETRY_SECONDS
    while True:
        try:
            return _run_sql_once(command(), sql, redact)
        except AdminSQLError as exc:
            if exc.errno != _ER_CON_COUNT_ERROR or time.monotonic() >= deadline:
                raise
        time.sleep(0.05)


def _run_sql_once(
    command: list[str], sql: str, redact: Callable[[str], str]
) -> list[tuple[str, ...]]:
    args = [*command, "--batch", "--skip-column-names", "--connect-timeout=10"]
    try:
        result = subprocess.run(
            args,
            input=sql.encode(),
            capture_output=True,
            timeout=_CLIENT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise AdminSQLError(
            f"admin SQL timed out after {_CLIENT_TIMEOUT:.0f}s: {redact(sql)[:200]}"
        ) from None
    if result.returncode != 0:
        err = redact(result.stderr.decode("utf-8", errors="replace").strip())
        m = _ERRNO_RE.search(err)
        errno = int(m.group(1)) if m else None
        if "Too many connections" in err:
            errno = _ER_CON_COUNT_ERROR
        raise AdminSQLError(
            f"admin SQL failed: {err} (statement: {redact(sql)[:200]})",
            errno=errno,
        )
    out = result.stdout.decode("utf-8", errors="replace")
    if not out:
        return []
    lines = out.removesuffix("\n").split("\n")
    return [tuple(_unescape_batch(v) for v in line.split("\t")) for line in lines]
