"""Where each adapter's storm worker is, and whether it can run here.

The Python workers ship with the package. The C++, Node and Rust workers are
built from a clone of the connguard repository (``make build-native``,
``make setup``, ``make build-rust``); a connguard installed from a wheel has
none of them.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["missing_workers", "worker_command"]

# python/connguard/storm/ in a clone; site-packages/connguard/storm/ when installed.
_ROOT = Path(__file__).resolve().parents[3]
_PYTHON = [sys.executable, "-m", "connguard.storm.worker"]
# adapter -> (the worker's program, what builds it)
_BUILT = {
    "cpp": (_ROOT / "build" / "native" / "connguard_storm_worker", "make build-native"),
    "node": (_ROOT / "node-shim" / "storm" / "worker.js", "make setup"),
    "rust": (
        _ROOT / "rust-shim" / "target" / "debug" / "connguard-storm-worker",
        "make build-rust",
    ),
}


def _in_checkout() -> bool:
    return (_ROOT / "native" / "CMakeLists.txt").is_file()


def worker_command(adapter: str) -> list[str]:
    """The command line that starts one worker for ``adapter``."""
    if adapter in ("python-async", "python-sync"):
        return _PYTHON
    program, _ = _BUILT[adapter]
    return ["node", str(program)] if adapter == "node" else [str(program)]


def missing_workers(adapters: Sequence[str]) -> str | None:
    """Why some of ``adapters`` cannot run here, or ``None`` when all can."""
    foreign = [a for a in adapters if a in _BUILT]
    if foreign and not _in_checkout():
        return (
            f"the {', '.join(foreign)} worker(s) are built from a clone of the connguard "
            "repository (make build-native, make build-rust, make setup) and run from "
            "there; this connguard is installed as a package, where the python-async and "
            "python-sync adapters run"
        )
    problems = []
    for adapter in foreign:
        program, make = _BUILT[adapter]
        if adapter == "node" and shutil.which("node") is None:
            problems.append("node: Node.js 20 or newer is not on PATH")
        elif adapter == "node" and not (_ROOT / "node-shim" / "node_modules").is_dir():
            problems.append(f"node: node-shim's packages are not installed: run {make}")
        elif not program.is_file():
            problems.append(f"{adapter}: {program} is missing: run {make}")
    return "; ".join(problems) or None
