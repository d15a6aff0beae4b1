"""Every language's verdict on many policy files, and where they differ.

Each checker loads many files in one process and gives one verdict a file:
the error fields of docs/spec.md 1.3 (``kind``, ``table``, ``key``, ``line``
and the message), or the effective policies of a valid file. The C++ engine
is asked in this process through ``connguard._native`` (Python's loader is
that engine); Node and Rust through node-shim/scripts/check-policies.js and
rust-shim/examples/check_policies.rs.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connguard import _native
from connguard.errors import PolicyError

ROOT = Path(__file__).resolve().parents[2]
NODE_CHECKER = ROOT / "node-shim" / "scripts" / "check-policies.js"
RUST_MANIFEST = ROOT / "rust-shim" / "Cargo.toml"
RUST_CHECKER = ROOT / "rust-shim" / "target" / "debug" / "examples" / "check_policies"
LANGUAGES = ("python", "node", "rust")
SERVICES = 8  # effective policies compared per valid file, after [default]
# Parsers word their own syntax errors; connguard's messages must be the same.
OWN_WORDING = ("syntax", "io")
FLOAT_KEYS = ("deadline", "connect_timeout", "initial_delay", "max_delay", "multiplier")

Verdict = dict[str, Any]


def _policy(policy: _native.Policy) -> dict[str, Any]:
    return policy.to_dict()


def python_verdict(path: Path) -> Verdict:
    try:
        policies = _native.PolicySet.load(path)
        names = [name for name in policies.service_names if name][:SERVICES]
        return {
            "valid": True,
            "policies": [
                ["", _policy(policies.defaults)],
                *([name, _policy(policies.service(name))] for name in names),
            ],
        }
    except PolicyError as error:
        return {
            "valid": False,
            "kind": error.kind,
            "table": error.table,
            "key": error.key,
            "line": error.line,
            "message": str(error),
        }
    except Exception as error:  # anything but a PolicyError is a finding
        return {"valid": False, "kind": "crash", "message": repr(error)}


def _stream(command: Sequence[str], paths: Sequence[Path], timeout: float) -> list[Verdict]:
    """Runs a checker over ``paths``; one that dies is restarted after its file."""
    verdicts: list[Verdict] = []
    while len(verdicts) < len(paths):
        rest = paths[len(verdicts) :]
        done = subprocess.run(
            command,
            input="".join(f"{path}\n" for path in rest),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        verdicts += [json.loads(line) for line in done.stdout.split("\n") if line]
        if done.returncode != 0:
            died = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
            verdicts.append({"valid": False, "kind": "crash", "message": died[0]})
    return verdicts


def build_rust_checker() -> Path:
    """The Rust checker, built if it is missing or older than the crate's sources."""
    subprocess.run(
        [
            "cargo",
            "build",
            "--locked",
            "--quiet",
            "--example",
            "check_policies",
            "--manifest-path",
            str(RUST_MANIFEST),
        ],
        check=True,
    )
    return RUST_CHECKER


def verdicts(paths: Sequence[Path], timeout: float = 600) -> dict[str, list[Verdict]]:
    """Each language's verdicts on ``paths``, in order."""
    return {
        "python": [python_verdict(path) for path in paths],
        "node": _stream(["node", str(NODE_CHECKER)], paths, timeout),
        "rust": _stream([str(RUST_CHECKER)], paths, timeout),
    }


def _floats(policy: dict[str, Any]) -> dict[str, Any]:
    # JavaScript's JSON writes 9.223372036854776e18 as an integer.
    return {key: float(value) if key in FLOAT_KEYS else value for key, value in policy.items()}


def comparable(verdict: Verdict) -> Verdict:
    """What must be the same in every language: parsers word syntax errors their own way."""
    if verdict["valid"]:
        return {"valid": True, "policies": [[n, _floats(p)] for n, p in verdict["policies"]]}
    if verdict["kind"] not in OWN_WORDING:
        return verdict
    return {key: value for key, value in verdict.items() if key != "message"}


@dataclass(frozen=True)
class Disagreement:
    path: Path
    verdicts: dict[str, Verdict]

    def __str__(self) -> str:
        data = self.path.read_bytes()
        shown = repr(data[:400]) + (f" ... ({len(data)} bytes)" if len(data) > 400 else "")
        lines = [f"{self.path.name}: {shown}"]
        for language, verdict in self.verdicts.items():
            brief = {k: v for k, v in verdict.items() if k != "policies"}
            if verdict["valid"]:
                brief["policies"] = f"{len(verdict['policies'])} policies"
            lines.append(f"  {language:6} {json.dumps(brief, ensure_ascii=False)[:400]}")
        return "\n".join(lines)


def disagreements(
    paths: Sequence[Path], by_language: dict[str, list[Verdict]]
) -> list[Disagreement]:
    """The files on which the languages' verdicts differ."""
    found = []
    for index, path in enumerate(paths):
        each = {language: by_language[language][index] for language in LANGUAGES}
        first, *others = (comparable(verdict) for verdict in each.values())
        crashed = any(verdict.get("kind") == "crash" for verdict in each.values())
        if crashed or any(other != first for other in others):
            found.append(Disagreement(path, each))
    return found
