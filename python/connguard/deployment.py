"""The ``[deployment]`` table: the services sharing one server, and how many of each.

Read from its own TOML file or from a policy file beside ``[default]`` and
``[service.NAME]``; validated as strictly as a policy (docs/spec.md 1.3): the
first problem raises :class:`connguard.PolicyError` naming the file, line,
table and key, and what is allowed. The kinds are the policy's, plus
``missing_key`` for a required key that is absent. docs/scale.md has the keys.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from connguard._native import Policy, PolicySet
from connguard.errors import PolicyError

__all__ = [
    "MAX_COUNT",
    "Deployment",
    "Service",
    "deployment_error",
    "load_deployment",
    "parse_deployment",
    "with_max_connections",
]

# MariaDB's and MySQL's ceiling for max_connections, and the policy's for max_limit.
MAX_COUNT = 100000

_TOP = "deployment"
_COUNT = f"an integer from 1 to {MAX_COUNT}"
_SERVICE_KEYS = {
    "replicas": f"{_COUNT}: copies of the service (Kubernetes replicas, hosts)",
    "processes": f"{_COUNT}: processes per replica (gunicorn/uvicorn/Node cluster workers)",
    "pool_size": f"{_COUNT}: connections one process's pool opens at most",
    "max_limit": f"{_COUNT}: the process's limiter cap (its policy's limiter.max_limit)",
    "account": "a non-empty string, user or user@host (host % when left out)",
}
_DEPLOYMENT_KEYS = {
    "max_connections": f"{_COUNT}: the server's (or give connguard plan --dsn to read it)",
    "reserve": f"an integer from 0 to {MAX_COUNT}: connections kept for admins and other clients",
}


@dataclass(frozen=True)
class Service:
    """One ``[deployment.service.NAME]``: its copies and each process's connections."""

    name: str
    replicas: int
    processes: int  # per replica
    per_process: int  # connections one process may have: min(pool_size, max_limit)
    source: str  # what per_process comes from: pool_size, max_limit or policy max_limit
    user: str
    host: str
    initial_limit: int  # its effective limiter.initial_limit (what a proposal must respect)
    limiter_enabled: bool

    @property
    def process_count(self) -> int:
        return self.replicas * self.processes

    @property
    def connections(self) -> int:
        return self.process_count * self.per_process

    @property
    def account(self) -> str:
        return f"{_sql_string(self.user)}@{_sql_string(self.host)}"


@dataclass(frozen=True)
class Deployment:
    file: str
    max_connections: int | None  # None: to be read from the server
    reserve: int
    services: tuple[Service, ...]
    line: int = 0  # of [deployment], where a missing max_connections is reported
    reserve_line: int = 0  # where an inconsistent reserve is reported


def _sql_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def _visible(text: str) -> str:
    """A message is one line: control characters as \\uXXXX, as policy errors write them."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", text)


def deployment_error(
    kind: str, file: str, line: int, table: str, key: str, problem: str, allowed: str
) -> PolicyError:
    """A :class:`PolicyError` laid out as docs/spec.md 1.3 lays out a policy's."""
    where = f"{file}:{line}" if line else file
    message = f"{where}: " + (f"[{table}] " if table else "") + (f"{key}: " if key else "")
    message = _visible(f"{message}{problem} (allowed: {allowed})")
    return PolicyError(
        message,
        kind=kind,
        file=file,
        line=line,
        table=table,
        key=key,
        problem=problem,
        allowed=allowed,
    )


_KEY_PART = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*""")


def _key_path(text: str) -> tuple[str, ...] | None:
    """``a."b c".d`` as its parts; None for what is not a plain dotted key."""
    parts: list[str] = []
    position = 0
    while True:
        part = _KEY_PART.match(text, position)
        if part is None:
            return None
        raw = part.group(1)
        parts.append(raw[1:-1] if raw[0] in "\"'" else raw)
        position = part.end()
        if position == len(text):
            return tuple(parts)
        if text[position] != ".":
            return None
        position += 1


_HEADER = re.compile(r"\s*\[\[?([^\[\]]*)\]\]?\s*(#.*)?")


class _Lines:
    """The line of each table header and key, found by a line scan (tomllib keeps none)."""

    def __init__(self, text: str) -> None:
        self._at: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.fullmatch(line)
            if header:
                table = _key_path(header.group(1)) or ()
                path: tuple[str, ...] | None = ()
            else:
                key = re.match(r"\s*([^=#]+?)\s*=", line)
                path = _key_path(key.group(1)) if key else None
            if path is not None:
                # A header or dotted key defines every table above it too, here if not before.
                full = table + path
                for depth in range(1, len(full) + 1):
                    self._at.setdefault(full[:depth], number)

    def of(self, *path: str) -> int:
        while path:
            if path in self._at:
                return self._at[path]
            path = path[:-1]
        return 0


def _type_name(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    names.update({dict: "a table", list: "an array"})
    return names.get(type(value), "a date or time")


class _Reader:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = _Lines(text)

    def error(self, kind: str, table: str, key: str, problem: str, allowed: str) -> PolicyError:
        line = self.lines.of(*f"{table}.{key}".strip(".").split("."))
        return deployment_error(kind, self.file, line, table, key, problem, allowed)

    def count(self, table: str, key: str, value: object) -> int:
        """An integer key's value: type first, then range (only reserve may be 0)."""
        allowed = (_SERVICE_KEYS | _DEPLOYMENT_KEYS)[key]
        if type(value) is not int:
            raise self.error("wrong_type", table, key, _type_name(value), allowed)
        if not (0 if key == "reserve" else 1) <= value <= MAX_COUNT:
            raise self.error("out_of_range", table, key, f"{value} is out of range", allowed)
        return value

    def unknown(self, table: str, key: str, value: object, allowed: str) -> PolicyError:
        kind = "unknown_table" if isinstance(value, dict) else "unknown_key"
        return self.error(kind, table, key, kind.replace("_", " "), allowed)


def _policies(file: str, text: str, document: dict[str, Any]) -> PolicySet | None:
    """The policy beside ``[deployment]``, validated by the engine (which leaves
    ``[deployment]`` to plan, spec 1); None when there is none."""
    if set(document) <= {_TOP}:
        return None
    return PolicySet.parse(text, file)


def _service(reader: _Reader, name: str, values: object, policies: PolicySet | None) -> Service:
    table = f"{_TOP}.service.{name}"
    if not isinstance(values, dict):
        allowed = "a table [deployment.service.NAME]"
        raise reader.error("wrong_type", _TOP, f"service.{name}", _type_name(values), allowed)
    counts: dict[str, int] = {}
    account = name
    for key in values:  # in file order, as a policy's keys are checked
        if key not in _SERVICE_KEYS:
            raise reader.unknown(table, key, values[key], ", ".join(_SERVICE_KEYS))
        if key == "account":
            account = _account(reader, table, values[key])
        else:
            counts[key] = reader.count(table, key, values[key])
    defined = policies is not None and name in policies.service_names
    # What a proposal for [service.NAME.limiter] inherits: its table, else [default].
    inherited = (policies.service(name) if defined else policies.defaults) if policies else Policy()
    given: list[tuple[int, str]] = [
        (counts[k], k) for k in ("pool_size", "max_limit") if k in counts
    ]
    if "max_limit" not in counts and defined and inherited.limiter.enabled:
        given.append((inherited.limiter.max_limit, "policy max_limit"))
    if not given:
        raise reader.error(
            "missing_key",
            table,
            "",
            "pool_size or max_limit is missing",
            "pool_size, max_limit, or both (the smaller counts); or a [service.NAME.limiter] "
            "max_limit in the same file",
        )
    per_process, source = min(given)
    user, _, host = account.rpartition("@") if "@" in account else (account, "", "%")
    return Service(
        name=name,
        replicas=counts.get("replicas", 1),
        processes=counts.get("processes", 1),
        per_process=per_process,
        source=source,
        user=user,
        host=host,
        initial_limit=inherited.limiter.initial_limit,
        limiter_enabled=inherited.limiter.enabled,
    )


def _account(reader: _Reader, table: str, value: object) -> str:
    allowed = _SERVICE_KEYS["account"]
    if not isinstance(value, str):
        raise reader.error("wrong_type", table, "account", _type_name(value), allowed)
    user, at, host = value.rpartition("@")
    if not value or (at and not (user and host)):
        raise reader.error("out_of_range", table, "account", f"{value!r} names no user", allowed)
    return value


def load_deployment(path: str | Path) -> Deployment:
    """The ``[deployment]`` of ``path`` (its own file, or a policy file holding one)."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise deployment_error(
            "io", file, 0, "", "", f"cannot read the file: {reason}", "a readable TOML file"
        ) from None
    return parse_deployment(text, file)


_ALLOWED_TOP = "a [deployment] table with a [deployment.service.NAME] table per service"


def parse_deployment(text: str, file: str = "<string>") -> Deployment:
    """The ``[deployment]`` of TOML ``text``; ``file`` names it in errors."""
    reader = _Reader(file, text)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        problem = re.sub(r"\s*\(at line.*\)$", "", str(exc)) or "invalid TOML"
        # A text that ends too early is reported on its last line, as the engine does.
        ended = "end of document" in str(exc)
        line = int(at.group(1)) if at else len(text.splitlines()) if ended else 0
        raise deployment_error("syntax", file, line, "", "", problem, "TOML v1.0") from None
    for key, value in document.items():
        if key not in ("default", "service", _TOP):
            tables = "the tables [default], [service.NAME] and [deployment]"
            raise reader.unknown("", key, value, tables)
    deployment = document.get(_TOP)
    if deployment is None:
        raise reader.error("missing_key", "", _TOP, "no [deployment] table", _ALLOWED_TOP)
    if not isinstance(deployment, dict):
        raise reader.error("wrong_type", "", _TOP, _type_name(deployment), _ALLOWED_TOP)
    policies = _policies(file, text, document)
    counts: dict[str, int] = {}
    services: tuple[Service, ...] = ()
    for key, value in deployment.items():
        if key == "service":
            services = _services(reader, value, policies)
        elif key in _DEPLOYMENT_KEYS:
            counts[key] = reader.count(_TOP, key, value)
        else:
            allowed = ", ".join([*_DEPLOYMENT_KEYS, "[deployment.service.NAME]"])
            raise reader.unknown(_TOP, key, value, allowed)
    if not services:
        raise reader.error("missing_key", _TOP, "service", "no service listed", _ALLOWED_TOP)
    found = Deployment(
        file,
        counts.get("max_connections"),
        counts.get("reserve", 0),
        services,
        reader.lines.of(_TOP),
        reader.lines.of(_TOP, "reserve"),
    )
    # Without max_connections the plan reads it from the server, and checks the reserve then.
    return found if found.max_connections is None else with_max_connections(found)


def _services(reader: _Reader, value: object, policies: PolicySet | None) -> tuple[Service, ...]:
    if not isinstance(value, dict):
        raise reader.error("wrong_type", _TOP, "service", _type_name(value), _ALLOWED_TOP)
    return tuple(_service(reader, name, values, policies) for name, values in value.items())


def with_max_connections(deployment: Deployment, total: int | None = None) -> Deployment:
    """``deployment`` against a server of ``total`` connections (None: its own
    max_connections): a ``missing_key`` error when neither is known, ``inconsistent``
    when the reserve leaves none of them."""
    total = deployment.max_connections if total is None else total
    if total is None:
        raise deployment_error(
            "missing_key",
            deployment.file,
            deployment.line,
            _TOP,
            "max_connections",
            "missing",
            _DEPLOYMENT_KEYS["max_connections"],
        )
    if deployment.reserve >= total:
        raise deployment_error(
            "inconsistent",
            deployment.file,
            deployment.reserve_line,
            _TOP,
            "reserve",
            f"{deployment.reserve} leaves nothing of max_connections {total}",
            f"less than max_connections ({total})",
        )
    return replace(deployment, max_connections=total)
