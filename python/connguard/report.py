"""What connguard tells people: one WARNING per retry, one ERROR and a note on give-up.

The texts are the engine's (docs/spec.md section 4.2, held to
tests/vectors/report.json); this module routes them to the ``connguard``
logger, with the record's fields under ``extra["connguard"]``, and attaches
the give-up to the driver's own exception.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from connguard import _native
from connguard.dsn import mask_dsn

__all__ = ["GiveUp", "give_up", "give_up_info", "log_give_up", "log_retry"]

logger = logging.getLogger("connguard")

_ATTR = "connguard_give_up"


@dataclass(frozen=True)
class GiveUp:
    """Why a call stopped retrying; attached to the driver's own exception."""

    attempts: int
    elapsed: float
    reason: str  # "fatal", "attempts" or "deadline"
    code: int | None
    error_class: str


def give_up_info(exc: BaseException) -> GiveUp | None:
    """The :class:`GiveUp` connguard attached to ``exc``, if it gave up on it."""
    info = getattr(exc, _ATTR, None)
    return info if isinstance(info, GiveUp) else None


def _target(target: str | None) -> str:
    return mask_dsn(target) if target else ""


def log_retry(
    service: str, target: str | None, action: _native.Action, exc: BaseException | None
) -> None:
    """The WARNING of a ``retry`` action (its ``delay`` is None when the caller queues)."""
    logger.warning(
        "%s",
        _native.retry_line(service, _target(target), action, mask_dsn(str(exc))),
        extra={
            "connguard": {
                "event": "retry",
                "code": action.code,
                "attempt": action.attempt,
                "delay": action.delay,
                "service": service,
            }
        },
    )


def log_give_up(service: str, target: str | None, action: _native.Action, message: str) -> None:
    """The ERROR of a ``give_up`` action."""
    logger.error(
        "%s",
        _native.give_up_line(service, _target(target), action, message),
        extra={
            "connguard": {
                "event": "give_up",
                "code": action.code,
                "attempts": action.attempts,
                "elapsed": action.elapsed,
                "reason": action.reason,
                "service": service,
            }
        },
    )


def give_up(
    service: str, target: str | None, action: _native.Action, exc: BaseException
) -> BaseException:
    """Logs the give-up and returns the driver's ``exc`` carrying it (a note, and
    :func:`give_up_info`)."""
    log_give_up(service, target, action, mask_dsn(str(exc)))
    setattr(
        exc,
        _ATTR,
        GiveUp(action.attempts, action.elapsed, action.reason or "", action.code,
               action.error_class or ""),
    )  # fmt: skip
    exc.add_note(_native.give_up_summary(service, _target(target), action))
    return exc
