"""Shared test helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def vector_cases(name: str) -> list[dict[str, Any]]:
    """The cases of tests/vectors/NAME.json (docs/spec.md section 5)."""
    cases: list[dict[str, Any]] = json.loads((VECTORS / f"{name}.json").read_text())["cases"]
    return cases
