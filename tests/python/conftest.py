"""Shared test helpers."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import connguard.runner

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def vector_cases(name: str) -> list[dict[str, Any]]:
    """The cases of tests/vectors/NAME.json (docs/spec.md section 5)."""
    cases: list[dict[str, Any]] = json.loads((VECTORS / f"{name}.json").read_text())["cases"]
    return cases


# The seed every call's schedule draws from under the ``clock`` fixture.
SEED = 7


class FakeClock:
    """Stands in for the clock and the sleep of the runner, the decorator and the context."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    fake = FakeClock()
    # connguard.retry and connguard.retry_context are the functions the package exports:
    # their modules are reached through sys.modules.
    for name in ("connguard.runner", "connguard.retry", "connguard.retry_context"):
        monkeypatch.setattr(importlib.import_module(name), "monotonic", fake.monotonic)
    monkeypatch.setattr(connguard.runner, "sleep", fake.sleep)
    monkeypatch.setattr(connguard.runner, "new_seed", lambda: SEED)
    yield fake
