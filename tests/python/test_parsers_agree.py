"""Every language reads a policy file the same way (docs/spec.md 1.3, issue 13).

A few hundred generated hostile files (tests/fuzz/policies.py, seeded) go
through the C++ engine (Python's loader), Node and Rust; each must give the
same verdict: valid with the same effective policies, or the same error kind,
table, key and line (and message, but for a parser's own syntax wording).
``make fuzz`` runs many more.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from fuzz import checkers, policies  # noqa: E402  (tooling, outside the package)

SEED = 13
COUNT = 600


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return policies.write(policies.generate(SEED, COUNT), tmp_path_factory.mktemp("policies"))


def test_every_language_gives_the_same_verdict(files: list[Path]) -> None:
    if shutil.which("node") is None or not (ROOT / "node-shim" / "node_modules").is_dir():
        pytest.fail("Node.js and node-shim's packages are needed: run make setup")
    if shutil.which("cargo") is None:
        pytest.fail("cargo is needed to build rust-shim/examples/check_policies.rs")
    checkers.build_rust_checker()
    differing = checkers.disagreements(files, checkers.verdicts(files))
    assert not differing, "differing verdicts:\n" + "\n".join(map(str, differing))


def test_the_files_are_the_same_on_every_run() -> None:
    first = list(policies.generate(SEED, 50))
    assert first == list(policies.generate(SEED, 50))
    assert first != list(policies.generate(SEED + 1, 50))


def test_the_files_hold_every_hostile_part_and_valid_ones(files: list[Path]) -> None:
    parts = {path.stem.rsplit("-", 1)[1] for path in files}
    assert parts == {
        "valid",
        "types",
        "duplicates",
        "unicode",
        "depth",
        "size",
        "toml11",
        "numbers",
        "durations",
        "garbage",
    }
    valid = [path for path in files if checkers.python_verdict(path)["valid"]]
    assert len(valid) >= COUNT // 20, "too few valid files to compare effective policies"
