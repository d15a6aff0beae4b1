"""Test mode (docs/spec.md section 8.4), for a service's own tests.

While it is on, nothing connguard does really waits: a call's sleeps and the
gates' probe timers take 0 seconds, and with ``attempts`` a call makes at most
that many attempts. Decisions, log lines, events and errors are unchanged, so a
test still sees every retry, only at once. Lives on connguard's runtime path;
the rest of :mod:`connguard.testing` (the throwaway server) is loaded on demand.
"""

from __future__ import annotations

import functools

from connguard import _native

__all__ = ["MODE", "capped_policy", "reset_gates", "set_testing"]


class _Mode:
    __slots__ = ("attempts", "on")

    def __init__(self) -> None:
        self.on = False
        self.attempts: int | None = None  # set only while on


MODE = _Mode()


def set_testing(on: bool, *, attempts: int | None = None) -> None:
    """Turns test mode on or off for the process; ``attempts`` caps every call's attempts."""
    if attempts is not None and attempts < 1:
        raise ValueError(f"set_testing: attempts must be at least 1, got {attempts}")
    MODE.on = on
    MODE.attempts = attempts if on else None
    capped_policy.cache_clear()


@functools.lru_cache(maxsize=64)
def capped_policy(policy: _native.Policy) -> _native.Policy:
    """``policy`` with at most test mode's ``attempts``."""
    assert MODE.attempts is not None
    keys = policy.to_dict()
    for key in ("deadline", "connect_timeout", "initial_delay", "max_delay"):
        keys[key] = _native.format_duration(float(keys[key]))  # type: ignore[arg-type]
    keys["max_attempts"] = min(policy.max_attempts, MODE.attempts)
    return _native.Policy.from_dict(keys)


def reset_gates() -> None:
    """Drops every gate, so the next call starts with a fresh limiter (one per test)."""
    from connguard.gate import reset_gates as drop

    drop()
