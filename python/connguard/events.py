"""Events (docs/spec.md section 8.1): what calls and gates tell hooks as they happen.

A hook is any callable taking an :class:`Event`, like stamina's retry hooks.
Runners and gates read :data:`hooks` once per step and build an event only
when it is not empty, so with no hook observing costs a truth test.

The default hooks are the metrics exporters whose packages are installed
(``prometheus_client``: the ``connguard[prometheus]`` extra;
``opentelemetry-api``: ``connguard[otel]``), chosen at the first event, as
stamina does. :func:`set_hooks` replaces them; ``set_hooks(None)`` restores them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

__all__ = ["Event", "Hook", "add_hook", "get_hooks", "remove_hook", "set_hooks"]


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs 3x
class Event:
    """One event; the fields its ``name`` does not use are ``None`` (spec 8.1's table).

    Hooks must not change it: the next hook is given the same object.
    """

    name: str  # granted, attempt, failed, retry, give_up, connected, released, limit
    service: str = "default"
    target: str = "-"  # masked, as log lines print it
    server: str | None = None  # released, limit: the gate's key, host:port or socket
    attempt: int | None = None  # attempt, failed, retry
    attempts: int | None = None  # give_up, connected
    code: int | None = None  # failed, give_up: None is network (or, give_up, no attempt)
    error_class: str | None = None  # failed, give_up
    delay: float | None = None  # retry: seconds; None when queued at the gate
    elapsed: float | None = None  # failed, retry, give_up, connected: the call's t
    waited: float | None = None  # granted
    reason: str | None = None  # give_up
    limit: int | None = None  # limit: the limiter's state after the event
    holding: int | None = None
    in_flight: int | None = None
    queued: int | None = None


Hook = Callable[[Event], None]


class _Defaults:
    """Stands in for the default hooks until the first event picks them."""

    def __bool__(self) -> bool:
        return True  # so an event site asks and the first event resolves it

    def __iter__(self) -> Iterator[Hook]:
        return iter(_resolve())


# Read by event sites: falsy means nobody observes. A tuple, swapped whole under the lock.
hooks: tuple[Hook, ...] | _Defaults = _Defaults()
_lock = threading.RLock()
_log = logging.getLogger("connguard")


def _resolve() -> tuple[Hook, ...]:
    global hooks
    with _lock:
        if isinstance(hooks, _Defaults):
            from connguard.metrics import default_exporters

            hooks = tuple(default_exporters())
        return hooks


def emit(event: Event) -> None:
    """Hands ``event`` to every hook. Call it behind ``if events.hooks:``.

    A hook that fails is logged and changes nothing (spec 8.1): a broken exporter
    must not fail a connect, nor leave a gate's slot behind.
    """
    for hook in hooks:
        try:
            hook(event)
        except Exception:
            _log.exception("connguard: hook %r failed on a %s event", hook, event.name)


def get_hooks() -> tuple[Hook, ...]:
    """The hooks in use (the default exporters are picked now if they were not yet)."""
    return _resolve()


def set_hooks(new: Iterable[Hook] | None) -> None:
    """Replaces every hook; ``None`` restores the default exporters, ``[]`` observes nothing."""
    global hooks
    with _lock:
        hooks = _Defaults() if new is None else tuple(new)


def add_hook(hook: Hook) -> None:
    """Adds ``hook`` to those in use."""
    global hooks
    with _lock:
        hooks = (*_resolve(), hook)


def remove_hook(hook: Hook) -> None:
    """Removes ``hook`` (no error if it is not there)."""
    global hooks
    with _lock:
        hooks = tuple(h for h in _resolve() if h is not hook)
