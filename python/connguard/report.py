"""What connguard tells people: one WARNING per retry, one ERROR and a note on give-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from connguard import _native
from connguard.dsn import mask_dsn

__all__ = ["GiveUp", "give_up_info", "log_retry", "report_give_up"]

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


def _code_text(code: int | None) -> str:
    if code is None:
        return "network"
    info = _native.code_info(code)
    return f"{code} {info.name}" if info else str(code)


def _where(service: str, target: str | None) -> str:
    return f"service={service or 'default'} target={mask_dsn(target) if target else '-'}"


def log_retry(
    service: str,
    target: str | None,
    code: int | None,
    verdict: _native.Verdict,
    max_attempts: int,
    exc: BaseException,
    *,
    queued: bool = False,
) -> None:
    """One WARNING per retry; ``queued``: the limiter holds the caller, no sleep."""
    then = "queued for a free slot" if queued else f"next in {verdict.delay:.3f}s"
    logger.warning(
        "connguard retry: %s code=%s (%s) attempt %d/%d, %s: %s",
        _where(service, target),
        _code_text(code),
        verdict.error_class,
        verdict.attempt,
        max_attempts,
        then,
        mask_dsn(str(exc)),
        extra={
            "connguard": {
                "event": "retry",
                "code": code,
                "attempt": verdict.attempt,
                "delay": verdict.delay,
                "service": service,
            }
        },
    )


def report_give_up(
    service: str,
    target: str | None,
    code: int | None,
    info: GiveUp,
    exc: BaseException,
) -> None:
    """Log the give-up and attach ``info`` and a note to the driver's exception."""
    summary = (
        f"connguard gave up after {info.attempts} attempt{'s' if info.attempts != 1 else ''} "
        f"in {info.elapsed:.3f}s (reason: {info.reason}; last error {_code_text(code)}, "
        f"{info.error_class}; {_where(service, target)})"
    )
    logger.error(
        "%s: %s",
        summary,
        mask_dsn(str(exc)),
        extra={
            "connguard": {
                "event": "give_up",
                "code": code,
                "attempts": info.attempts,
                "elapsed": info.elapsed,
                "reason": info.reason,
                "service": service,
            }
        },
    )
    setattr(exc, _ATTR, info)
    exc.add_note(summary)
    known = _native.code_info(code) if code is not None else None
    if known is not None and info.reason == "fatal":
        exc.add_note(f"connguard: {known.code} {known.name}: {known.advice}")
