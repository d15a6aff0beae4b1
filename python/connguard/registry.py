"""The process's pools: one per target and settings, and a warning for a pool per request.

A web handler that builds a pool on every request opens a pool's worth of
connections each time and soon hits max_connections (see the Dream/Caqti
report in the project's seeds). Every pool connguard builds registers here;
past a threshold of pools for one target, one WARNING says so and where.
"""

from __future__ import annotations

import logging
import sys
import threading
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from connguard.dsn import mask_dsn

__all__ = ["PoolStats", "configure", "register", "stats"]

logger = logging.getLogger("connguard")

_PACKAGE = __name__.rpartition(".")[0]


@dataclass(frozen=True)
class PoolStats:
    target: str  # masked
    service: str
    size: int  # the most connections the pool opens
    checked_out: int


class Registered(Protocol):
    target: str

    def stats(self) -> PoolStats: ...


_lock = threading.Lock()
_pools: weakref.WeakSet[Registered] = weakref.WeakSet()
_created: Counter[str] = Counter()
_warned: set[str] = set()
_warn_after = 3


def configure(*, warn_after: int) -> None:
    """Warn when more than ``warn_after`` pools are created for one target (default 3).

    Counting starts afresh, so a warning already given can be given again.
    """
    global _warn_after
    if warn_after < 1:
        raise ValueError("warn_after must be at least 1")
    with _lock:
        _warn_after = warn_after
        _created.clear()
        _warned.clear()


def _call_site() -> str:
    """The first frame outside connguard: the code that asked for the pool."""
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module != _PACKAGE and not module.startswith(_PACKAGE + "."):
            return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        next_frame = frame.f_back
        if next_frame is None:
            break
        frame = next_frame
    return "an unknown place"


def register(pool: Registered) -> None:
    """Record a new pool; warn once per target when there are too many."""
    target = mask_dsn(pool.target)
    with _lock:
        _pools.add(pool)
        _created[target] += 1
        count = _created[target]
        warn = count > _warn_after and target not in _warned
        if warn:
            _warned.add(target)
        still_open = sum(1 for p in _pools if mask_dsn(p.target) == target)
    if warn:
        logger.warning(
            "connguard: %d pools have been created for %s in this process (%d still open), "
            "the latest at %s. A pool created per request or per call opens a pool's worth of "
            "connections each time and exhausts the server's max_connections: create one pool "
            "at startup and share it (connguard.pool.get_pool returns the same pool for the "
            "same target and settings).",
            count,
            target,
            still_open,
            _call_site(),
        )


def unregister(pool: Registered) -> None:
    with _lock:
        _pools.discard(pool)


def stats() -> list[PoolStats]:
    """Every open pool connguard built in this process: target, size, checked out."""
    with _lock:
        pools = list(_pools)
    return [pool.stats() for pool in pools]
