"""Process helpers of the harness: stopping mariadbd, reading its log, picking a free port."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import subprocess
from pathlib import Path

logger = logging.getLogger("connguard.testing")

_LOG_TAIL_LINES = 25


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log_tail(
    path: Path, offset: int = 0, lines: int = _LOG_TAIL_LINES, *, head: bool = False
) -> str:
    """The last (or with ``head``, first) ``lines`` lines of a log from ``offset`` on."""
    try:
        with path.open("rb") as f:
            f.seek(offset)
            data = f.read()
    except OSError:
        return "(no log)"
    text = data.decode("utf-8", errors="replace").rstrip()
    if not text:
        return "(log is empty)"
    all_lines = text.splitlines()
    return "\n".join(all_lines[:lines] if head else all_lines[-lines:])


def terminate(proc: subprocess.Popen[bytes], timeout: float, graceful: bool = True) -> None:
    """Stop ``proc``: SIGTERM and wait (unless not graceful), then SIGKILL."""
    if proc.poll() is not None:
        return
    if graceful:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            logger.warning(
                "mariadbd (pid %d) did not stop within %.0fs after SIGTERM; killing it",
                proc.pid,
                timeout,
            )
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    proc.wait()
