"""How long each step of a connection takes in the model, and where the time goes.

A step's time is client CPU (one process runs one step at a time: an event
loop, or threads under the GIL) or waiting (the network, the server), which
overlaps with everything else. With ``cores`` set, the processes' CPU steps
and the server's CPU per connect share that many cores, as on the machine
where the storm runs; unset, each process has a core of its own and the
server's work is part of the waits, as for processes spread over many hosts.

The defaults were measured by ``connguard simulate --measure-timing``
(:mod:`connguard.simulate.calibrate`) on the project's 2-core machine, idle
(python-async: aiomysql through connguard, against the embedded MariaDB),
``cores`` then unset. A timing file is TOML, one ``[timing]`` table, each key
optional, durations written as in a policy (``"0.55ms"``)::

    [timing]
    connect_cpu = "0.55ms"
    cores = 2
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from connguard import _native
from connguard.errors import ConnguardError

__all__ = ["TIMING_TABLE", "Timing", "TimingError", "load_timing"]

TIMING_TABLE = "timing"


@dataclass(frozen=True)
class Timing:
    # Client CPU a process's first connect costs more than the next (what it imports).
    warmup: float = 0.0013
    # A step that finds its process idle costs this much more CPU (a fraction: an event
    # loop's turn, caches gone cold); a busy process runs its steps back to back.
    wake: float = 2.3
    # An attempt's client CPU before the server accepts it (the connection object, the socket).
    open_cpu: float = 0.000042
    # From the accept until the server checks the count: the waits (greeting, the answer),
    # the client's CPU (parsing, hashing the password), the server's CPU.
    auth_wait: float = 0.0
    auth_cpu: float = 0.000018
    server_cpu: float = 0.00016
    # The rest of a connect the server admits: the client's CPU (the OK, its session setup
    # query) and the waits.
    setup_cpu: float = 0.0003
    setup_wait: float = 0.00025
    # A query's client CPU, and its round trip beyond the hold.
    query_cpu: float = 0.00013
    query_wait: float = 0.00036
    # A close's client CPU, then the wait for the server's end of stream (the limiter's release).
    close_cpu: float = 0.00008
    close_wait: float = 0.00007
    # From the server's end of stream until it counts the connection out: the close race.
    free_delay: float = 0.0
    # Cores the processes and the server share; None: a core per process, the server aside.
    cores: int | None = None
    # Each step's time is drawn uniformly within +-spread of its value (0: exact).
    spread: float = 0.5

    def __post_init__(self) -> None:
        for name in _DURATIONS:
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"timing {name} must be a finite duration >= 0, not {value!r}")
        if self.cores is not None and self.cores < 1:
            raise ValueError("timing cores must be at least 1 (or unset: a core per process)")
        if not 0 <= self.spread < 1:
            raise ValueError("timing spread must be at least 0 and below 1")
        if not (math.isfinite(self.wake) and self.wake >= 0):
            raise ValueError("timing wake must be a finite fraction >= 0")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def to_toml(self) -> str:
        """The timing as a file :func:`load_timing` reads back."""
        lines = [f"[{TIMING_TABLE}]"]
        for name in _DURATIONS:
            lines.append(f'{name} = "{_duration_text(getattr(self, name))}"')
        if self.cores is not None:
            lines.append(f"cores = {self.cores}")
        lines.append(f"wake = {round(self.wake, 3)!r}")
        lines.append(f"spread = {self.spread!r}")
        return "\n".join(lines) + "\n"


_NUMBERS = ("wake", "spread")
_DURATIONS = tuple(f.name for f in fields(Timing) if f.name not in ("cores", *_NUMBERS))
_KEYS = (*_DURATIONS, "cores", *_NUMBERS)


def _duration_text(seconds: float) -> str:
    """Microsecond precision in milliseconds: the grammar has no smaller unit."""
    return f"{round(seconds * 1000, 3):g}ms"


class TimingError(ConnguardError, ValueError):
    """An invalid timing file. Its message reads as a policy error's (docs/spec.md 1.3,
    without the line): ``FILE: [TABLE] KEY: PROBLEM (allowed: ALLOWED)``."""

    def __init__(self, file: str, table: str, key: str, problem: str, allowed: str) -> None:
        where = (f"[{table}] " if table else "") + (f"{key}: " if key else "")
        super().__init__(f"{file}: {where}{problem} (allowed: {allowed})")
        self.file = file
        self.table = table
        self.key = key
        self.problem = problem
        self.allowed = allowed


_DURATION_ALLOWED = 'a duration string such as "0.55ms" or "2s" (>= 0)'


def _value(file: str, key: str, value: Any) -> Any:
    if key in _DURATIONS:
        if not isinstance(value, str):
            problem = f"{value!r} is not a string: write a duration with a unit"
            raise TimingError(file, TIMING_TABLE, key, problem, _DURATION_ALLOWED)
        seconds = _native.parse_duration(value)
        if seconds is None:
            raise TimingError(
                file, TIMING_TABLE, key, f"not a duration: {value!r}", _DURATION_ALLOWED
            )
        return seconds
    if key == "cores":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            allowed = "an integer >= 1; leave it out for a core per process"
            raise TimingError(file, TIMING_TABLE, key, f"{value!r} is out of range", allowed)
        return value
    top = 1.0 if key == "spread" else math.inf
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < top:
        allowed = "a number from 0 up to (not including) 1" if key == "spread" else "a number >= 0"
        raise TimingError(file, TIMING_TABLE, key, f"{value!r} is out of range", allowed)
    return float(value)


def load_timing(path: str | Path) -> Timing:
    """The timing of a TOML file's ``[timing]`` table; keys it leaves out keep the defaults.

    Raises :class:`TimingError` naming the file, the table and the key.
    """
    file = str(path)
    try:
        data = tomllib.loads(Path(path).read_text())
    except OSError as exc:
        problem = f"cannot be read: {exc.strerror}"
        raise TimingError(file, "", "", problem, "a readable TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise TimingError(file, "", "", f"not valid TOML: {exc}", "a TOML file") from None
    unknown = [k for k in data if k != TIMING_TABLE]
    if unknown:
        raise TimingError(file, "", unknown[0], "unknown table or key", f"[{TIMING_TABLE}] only")
    table = data.get(TIMING_TABLE)
    if not isinstance(table, dict):
        raise TimingError(file, "", TIMING_TABLE, "missing, or not a table", "a [timing] table")
    values = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise TimingError(file, TIMING_TABLE, key, "unknown key", ", ".join(_KEYS))
        values[key] = _value(file, key, value)
    return Timing(**values)
