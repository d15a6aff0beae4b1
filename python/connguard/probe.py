"""``connguard probe DSN``: how full a live server is, and what is using it.

One connection, opened through connguard's own retry (a probe is run when the
server is full, so it waits for a slot as a service would), reads the limits
(``max_connections``, ``max_user_connections``, MariaDB's
``extra_max_connections``), the counters (``Threads_connected``,
``Max_used_connections``, the refusal counters), ``wait_timeout`` and the
process list, then closes. Each read that the account may not do is skipped
and said so: an account without ``PROCESS`` sees only its own threads.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from connguard import _native
from connguard.classification import error_code
from connguard.dsn import mask_dsn, parse_dsn
from connguard.events import Event, add_hook, remove_hook
from connguard.report import give_up_info

__all__ = [
    "DEFAULT_DEADLINE",
    "SERVICE",
    "Probe",
    "Usage",
    "deadline",
    "probe",
    "register",
    "render",
]

DEFAULT_DEADLINE = 10.0
# The service the probe's connect is logged and observed as.
SERVICE = "connguard-probe"
# Each statement's reads and writes: a server that stops answering mid-probe costs this.
_IO_TIMEOUT = 10

_VARIABLES = (
    "max_connections",
    "max_user_connections",
    "extra_max_connections",  # MariaDB: connections on extra_port, outside max_connections
    "extra_port",
    "admin_address",  # MySQL 8: an admin interface outside max_connections, when set
    "admin_port",
    "wait_timeout",
    "performance_schema",
)
_STATUS = (
    "Threads_connected",
    "Max_used_connections",
    "Aborted_connects",
    "Aborted_connects_preauth",  # MariaDB: refused before authentication
    "Connection_errors_max_connections",
)
# The privileges that change what a probe sees or may do when the server is full.
_SEES_ALL = "PROCESS"
_RESERVED_SLOT = ("SUPER", "CONNECTION ADMIN", "CONNECTION_ADMIN")
# Server threads that take no connection slot (MySQL's event scheduler, its replication
# appliers).
_NOT_CLIENTS = ("system user", "event_scheduler")
_REFUSALS = (1040, 1203, 1226)


@dataclass(frozen=True)
class Usage:
    """Connections of one user or one client host in the process list."""

    name: str
    connections: int
    idle: int  # in Sleep: held open, doing nothing
    longest_idle: int  # seconds


@dataclass
class Probe:
    """What one probe read (or, ``connected`` false, why it could not)."""

    target: str  # masked
    connected: bool = False
    attempts: int = 0
    elapsed: float = 0.0
    refused: int = 0  # the probe's own attempts the server refused for capacity
    error: dict[str, Any] | None = None
    flavour: str | None = None  # mariadb or mysql
    version: str | None = None
    version_comment: str | None = None
    account: str | None = None
    privileges: list[str] = field(default_factory=list)
    via_admin_port: bool = False
    variables: dict[str, int | str | None] = field(default_factory=dict)
    status: dict[str, int | str | None] = field(default_factory=dict)
    processlist_complete: bool = False
    users: list[Usage] = field(default_factory=list)
    hosts: list[Usage] = field(default_factory=list)
    performance_schema: dict[str, Any] | None = None
    unreadable: dict[str, str] = field(default_factory=dict)

    def number(self, name: str) -> int | None:
        value = self.variables.get(name, self.status.get(name))
        return value if isinstance(value, int) else None

    @property
    def in_use(self) -> int | None:
        """Connections that count against max_connections, this probe's own left out."""
        threads = self.number("Threads_connected")
        if threads is None:
            return None
        return threads - (0 if self.via_admin_port else 1)

    @property
    def headroom(self) -> int | None:
        """Free slots for an ordinary account once the probe has left (below 0: the
        slot the server keeps for CONNECTION ADMIN is in use)."""
        total, in_use = self.number("max_connections"), self.in_use
        return None if total is None or in_use is None else total - in_use

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "in_use": self.in_use, "headroom": self.headroom}


def _value(text: object) -> int | str | None:
    if text is None:
        return None
    shown = text.decode() if isinstance(text, bytes) else str(text)
    return int(shown) if shown.lstrip("-").isdigit() else shown


def _driver_connect() -> Callable[..., Any]:
    """The connect of a driver connguard adapts (PyMySQL, else MariaDB Connector/Python)."""
    for module in ("connguard.pymysql", "connguard.mariadb"):
        try:
            connect: Callable[..., Any] = importlib.import_module(module).connect
        except ImportError:
            continue
        return connect
    raise RuntimeError("connguard probe needs a driver: pip install 'connguard[pymysql]'")


@contextlib.contextmanager
def _counting(found: Probe) -> Iterator[None]:
    """Counts the probe's attempts and the refusals among them, from connguard's events."""

    def hook(event: Event) -> None:
        if event.service != SERVICE:
            return  # another caller's, in a process that probes beside its own work
        if event.name == "failed" and event.error_class == "capacity":
            found.refused += 1
        elif event.name in ("connected", "give_up") and event.attempts is not None:
            found.attempts = event.attempts

    add_hook(hook)
    try:
        yield
    finally:
        remove_hook(hook)


def _rows(found: Probe, what: str, cursor: Any, sql: str) -> list[tuple[Any, ...]] | None:
    """The rows of ``sql``, or None with the reason noted in ``found.unreadable``."""
    try:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
    except Exception as exc:
        if error_code(exc) is None:
            raise  # no server or client code: not a refusal to note, a failure
        found.unreadable[what] = f"{error_code(exc)}: {exc}"
        return None


def _sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(_sql_string(name) for name in names)


def _usage(rows: list[tuple[str, str, int]]) -> list[Usage]:
    """(name, command, seconds) rows grouped by name, the busiest first."""
    grouped: dict[str, list[tuple[str, str, int]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    found = [
        Usage(
            name,
            len(group),
            sum(1 for row in group if row[1] == "Sleep"),
            max((row[2] for row in group if row[1] == "Sleep"), default=0),
        )
        for name, group in grouped.items()
    ]
    return sorted(found, key=lambda usage: (-usage.connections, usage.name))


def _client_host(host: str) -> str:
    name, colon, port = host.rpartition(":")
    return name if colon and name and port.isdigit() else host


def _read_processlist(found: Probe, cursor: Any, own_id: int | None) -> None:
    rows = _rows(
        found,
        "process list",
        cursor,
        "SELECT ID, USER, HOST, COMMAND, TIME FROM information_schema.PROCESSLIST",
    )
    if rows is None:
        return
    clients = [
        (str(user or "unauthenticated user"), str(command), int(seconds or 0), str(host or ""))
        for thread, user, host, command, seconds in rows
        if _value(thread) != own_id and user not in _NOT_CLIENTS and command != "Daemon"
    ]
    found.users = _usage([(u, c, s) for u, c, s, _ in clients])
    found.hosts = _usage([(_client_host(h), c, s) for _, c, s, h in clients])
    found.processlist_complete = _SEES_ALL in found.privileges


def _read_performance_schema(found: Probe, cursor: Any) -> None:
    if str(found.variables.get("performance_schema", "")).upper() != "ON":
        found.unreadable["performance_schema"] = "off on this server (performance_schema=OFF)"
        return
    accounts = _rows(
        found,
        "performance_schema",
        cursor,
        "SELECT USER, HOST, CURRENT_CONNECTIONS, TOTAL_CONNECTIONS "
        "FROM performance_schema.accounts WHERE USER IS NOT NULL "
        "ORDER BY CURRENT_CONNECTIONS DESC, USER, HOST",
    )
    if accounts is None:
        return
    schema: dict[str, Any] = {
        "accounts": [
            {"user": user, "host": host, "current": int(now), "total": int(total)}
            for user, host, now, total in accounts
        ]
    }
    if found.flavour == "mysql":  # MySQL 8 counts every error it raised, by number
        errors = _rows(
            found,
            "performance_schema errors",
            cursor,
            "SELECT ERROR_NUMBER, ERROR_NAME, SUM_ERROR_RAISED "
            "FROM performance_schema.events_errors_summary_global_by_error "
            f"WHERE ERROR_NUMBER IN ({', '.join(map(str, _REFUSALS))}) ORDER BY ERROR_NUMBER",
        )
        if errors is not None:
            schema["refusals"] = {f"{code} {name}": int(n) for code, name, n in errors}
    found.performance_schema = schema


def _read(found: Probe, cursor: Any, port: int) -> None:
    identity = _rows(
        found,
        "identity",
        cursor,
        "SELECT VERSION(), @@version_comment, CURRENT_USER(), CONNECTION_ID()",
    )
    own_id = None
    if identity:
        version, comment, account, thread = (_value(v) for v in identity[0])
        found.version, found.version_comment = str(version), str(comment or "")
        found.account, own_id = str(account), thread if isinstance(thread, int) else None
        is_mariadb = "mariadb" in f"{version} {comment}".lower()
        found.flavour = "mariadb" if is_mariadb else "mysql"
    for what, names, into in (
        ("variables", _VARIABLES, found.variables),
        ("status", _STATUS, found.status),
    ):
        shown = "VARIABLES" if what == "variables" else "STATUS"
        sql = f"SHOW GLOBAL {shown} WHERE Variable_name IN ({_names(names)})"
        for name, value in _rows(found, what, cursor, sql) or []:
            into[str(name)] = _value(value)
    if found.account:
        user, _, host = found.account.rpartition("@")
        grantee = f"'{user}'@'{host}'"
        privileges = _rows(
            found,
            "privileges",
            cursor,
            "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES "
            f"WHERE GRANTEE = {_sql_string(grantee)}",
        )
        found.privileges = sorted(str(p) for (p,) in privileges or [])
    admin_ports = (found.number("extra_port"), found.number("admin_port"))
    admin_on = found.flavour == "mariadb" or bool(found.variables.get("admin_address"))
    found.via_admin_port = admin_on and port in admin_ports
    _read_processlist(found, cursor, own_id)
    _read_performance_schema(found, cursor)


def probe(dsn: str, *, deadline: float = DEFAULT_DEADLINE) -> Probe:
    """Read the server of ``dsn`` (``mysql://user:password@host:port/db``).

    Connects through connguard's retry, waiting up to ``deadline`` seconds for a
    slot. ``connected`` false says why it could not. Raises ValueError (the DSN
    masked) for a DSN it cannot read, RuntimeError when no driver is installed.
    """
    _, kwargs = parse_dsn(dsn)
    connect = _driver_connect()
    found = Probe(target=mask_dsn(dsn))
    policy = _native.Policy.from_dict(
        {
            "deadline": _native.format_duration(deadline),
            "connect_timeout": _native.format_duration(min(5.0, deadline)),
            "max_attempts": 1000,  # the deadline decides
            # A probe asks the server as it is now: not gated by what this process's
            # limiter learnt from earlier calls (a second probe would only queue).
            "limiter": {"enabled": False},
        }
    )
    kwargs.update(read_timeout=_IO_TIMEOUT, write_timeout=_IO_TIMEOUT)
    started = time.monotonic()
    with _counting(found):
        try:
            conn = connect(policy=policy, service=SERVICE, **kwargs)
        except Exception as exc:
            found.elapsed = time.monotonic() - started
            found.error = _failure(exc)
            return found
    found.elapsed = time.monotonic() - started
    found.connected = True
    try:
        cursor = conn.cursor()
        _read(found, cursor, int(kwargs.get("port") or 3306))
        cursor.close()
    finally:
        conn.close()
    return found


def _failure(exc: BaseException) -> dict[str, Any]:
    code = error_code(exc)
    info = _native.code_info(code) if code is not None else None
    given_up = give_up_info(exc)
    return {
        "code": code,
        "name": info.name if info else None,
        "class": _native.classify(code),
        "meaning": info.meaning if info else None,
        "message": mask_dsn(str(exc)),
        "reason": given_up.reason if given_up else None,
    }


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


def _refusal_advice(found: Probe) -> list[str]:
    error = found.error or {}
    code = error.get("code")
    if code == 1040:
        return [
            "The server is full for this account. The only ways in now:",
            "  - an account with CONNECTION ADMIN (MariaDB 10.5+) or SUPER (CONNECTION_ADMIN "
            "on MySQL 8) gets the one connection the server keeps beyond max_connections",
            "    (if nobody holds it already): probe as one;",
            "  - MariaDB's extra_port (extra_max_connections) and MySQL 8's admin_port (with "
            "admin_address set) take connections outside max_connections: probe that port.",
        ]
    if code in (1203, 1226):
        return [
            "This account is at its own cap (max_user_connections, or its "
            "MAX_USER_CONNECTIONS): the server may have room; probe as another account."
        ]
    if error.get("class") == "transient":
        return ["No server answered, or it is restarting: check the host and port."]
    return []


def _failure_lines(found: Probe) -> list[str]:
    error = found.error or {}
    code = error.get("code")
    what = f"{code} {error.get('name') or ''}".strip() if code is not None else "network"
    lines = [
        f"{found.target}: not connected: {what} after {found.attempts} attempt(s) "
        f"in {found.elapsed:.1f}s ({error.get('reason') or 'failed'})",
        f"  {error.get('meaning') or error.get('message')}",
    ]
    return lines + _refusal_advice(found)


def _table(header: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> list[str]:
    cells = [header, *[tuple(str(c) for c in row) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return [
        "  "
        + "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]


def _limits(found: Probe) -> list[str]:
    total = found.number("max_connections")
    per_user = found.number("max_user_connections")
    lines = [
        f"  {total} max_connections"
        + (f"; max_user_connections {per_user}" if per_user else "; no max_user_connections")
    ]
    in_use, headroom = found.in_use, found.headroom
    if in_use is not None and headroom is not None:
        own = "" if found.via_admin_port else ", this probe's own left out"
        lines.append(
            f"  {in_use} in use (Threads_connected {found.number('Threads_connected')}{own})"
        )
        if headroom >= 0:
            lines.append(f"  {headroom} free: the headroom")
        else:
            lines.append(f"  full: {-headroom} over, through the slot kept for CONNECTION ADMIN")
    threads = found.number("Threads_connected")
    kept = "  +1 kept beyond max_connections for CONNECTION ADMIN/SUPER accounts"
    if threads is not None and total is not None and threads > total and not found.via_admin_port:
        kept += ": this probe came in there"
    elif any(p in found.privileges for p in _RESERVED_SLOT):
        kept += " (this account is one)"
    lines.append(kept)
    extra = found.number("extra_max_connections")
    if found.flavour == "mariadb" and found.number("extra_port"):
        lines.append(
            f"  +{extra} on extra_port {found.number('extra_port')} (extra_max_connections)"
            + (": this probe came in there" if found.via_admin_port else "")
        )
    elif found.flavour == "mysql" and found.variables.get("admin_address"):
        lines.append(
            f"  admin interface on {found.variables['admin_address']}:{found.number('admin_port')}"
            + (": this probe came in there" if found.via_admin_port else "")
        )
    return lines


def _counters(found: Probe) -> list[str]:
    lines = []
    peak, total = found.number("Max_used_connections"), found.number("max_connections")
    if peak is not None:
        full = " (the server has been full)" if total is not None and peak >= total else ""
        lines.append(f"  {peak} Max_used_connections: the peak since start or FLUSH STATUS{full}")
    meanings = {
        "Aborted_connects": "failed connects of every kind: 1040 after authentication, "
        "wrong passwords, timeouts",
        "Aborted_connects_preauth": "failed before authentication",
        "Connection_errors_max_connections": "refused at accept: even the kept slot was taken",
    }
    for name, meaning in meanings.items():
        if found.status.get(name) is not None:
            lines.append(f"  {found.status[name]} {name}: {meaning}")
    refusals = (found.performance_schema or {}).get("refusals")
    for error, count in (refusals or {}).items():
        lines.append(f"  {count} {error} raised (performance_schema)")
    timeout = found.number("wait_timeout")
    if timeout is not None:
        lines.append(
            f"  wait_timeout {timeout}s: an idle connection is closed after {_duration(timeout)}"
        )
    return lines


def _usage_table(kind: str, usages: list[Usage]) -> list[str]:
    rows = [(u.name, u.connections, u.idle, f"{u.longest_idle}s") for u in usages]
    return _table((kind, "connections", "idle", "longest idle"), rows)


def render(found: Probe) -> str:
    """The probe as text for a person."""
    if not found.connected:
        return "\n".join(_failure_lines(found))
    flavour = {"mariadb": "MariaDB", "mysql": "MySQL"}.get(found.flavour or "", "?")
    comment = f" ({found.version_comment})" if found.version_comment else ""
    lines = [f"{found.target}: {flavour} {found.version}{comment}, as {found.account}"]
    waited = f", {found.refused} refused for capacity first" if found.refused else ""
    lines.append(f"connected in {found.elapsed:.2f}s at attempt {found.attempts or 1}{waited}")
    lines += ["", "connections", *_limits(found), "", "counters", *_counters(found)]
    if found.users:
        scope = (
            "every thread"
            if found.processlist_complete
            else "only this account's own threads: it has no PROCESS privilege"
        )
        lines += ["", f"what is using it (process list: {scope}; this probe left out)"]
        lines += [*_usage_table("user", found.users), "", *_usage_table("host", found.hosts)]
    elif "process list" not in found.unreadable:
        lines += ["", "what is using it: no other thread in the process list"]
    accounts = (found.performance_schema or {}).get("accounts")
    if accounts:
        lines += ["", "performance_schema.accounts"]
        lines += _table(
            ("account", "current", "total"),
            [(f"{a['user']}@{a['host']}", a["current"], a["total"]) for a in accounts],
        )
    if found.unreadable:
        lines += ["", "not read"]
        lines += [f"  {what}: {why}" for what, why in found.unreadable.items()]
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    try:
        found = probe(args.dsn, deadline=args.deadline)
    except (ValueError, RuntimeError) as exc:
        print(f"connguard probe: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(found.to_json(), indent=2) if args.json else render(found))
    return 0 if found.connected else 1


def deadline(text: str) -> float:
    """A ``--deadline`` argument: a policy duration such as ``\"10s\"``."""
    seconds = _native.parse_duration(text)
    if seconds is None or seconds <= 0:
        raise argparse.ArgumentTypeError(f'not a duration above 0: {text!r}; write e.g. "10s"')
    return seconds


def register(commands: Any) -> None:
    """Adds ``connguard probe`` to the CLI's subcommands."""
    command = commands.add_parser(
        "probe", help="how full a server is and what is using it (limits, counters, process list)"
    )
    command.add_argument(
        "dsn", help="mysql://user:password@host:port/db (the password is never shown)"
    )
    command.add_argument(
        "--deadline",
        type=deadline,
        default=DEFAULT_DEADLINE,
        help='how long to wait for a slot on a full server (default: "10s")',
    )
    command.add_argument("--json", action="store_true", help="print JSON")
    command.set_defaults(run=_run)
