#!/usr/bin/env python3
"""Generator of the conformance vectors in this directory, from the reference
implementation of docs/spec.md (``reference/``, a module per section) and the
case tables (``cases/``, a module per vector file).

    python3 tests/vectors/generate.py          # (re)write the JSON files
    python3 tests/vectors/generate.py --check  # exit 1 if they are stale

Pure Python 3.11, standard library only, written for clarity, not speed.
It shares no code with any implementation: it is the second reading of the spec
that the implementations are checked against.

Case definitions (inputs, and the expected error of every invalid policy) are
written by hand in ``cases/``; every other expected output is computed by the
reference.
Hand-written expectations are asserted against the reference, so the two cannot
drift apart.
"""

import json
import sys
from pathlib import Path

from cases.call import call_cases
from cases.classification import classification_cases
from cases.decision import decision_cases
from cases.effective_policy import effective_cases
from cases.error_codes import error_code_cases
from cases.events import event_cases
from cases.invalid_policy import invalid_cases
from cases.limiter import limiter_cases
from cases.mask import mask_cases
from cases.metrics import metric_cases
from cases.report import report_cases
from cases.splitmix64 import splitmix_cases
from reference.classification import CAPACITY, NAMED_FATAL, TRANSIENT, classify
from reference.codes import CODES
from reference.decision import Decision
from reference.policy import DEFAULTS, duration_seconds
from reference.splitmix64 import MASK64, SplitMix64

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------
# Self-checks of the reference against values computed by hand from the spec
# ---------------------------------------------------------------------------


def self_check():
    assert duration_seconds("50ms") == 50.0 / 1000.0 == 0.05
    assert duration_seconds("1.5m") == 90.0 and duration_seconds("2s") == 2.0
    assert duration_seconds("30s\n") is None
    assert SplitMix64(MASK64).state == MASK64
    none = {**DEFAULTS, "jitter": "none", "initial_delay": 1.0, "max_delay": 10.0}
    call = Decision(none, 0)
    assert [call.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 10.0]
    assert classify(1040, {**DEFAULTS, "never_retry": [1040]}) == "fatal"
    # The table and the spec's lists of section 2 are two readings: they agree.
    by_class = {
        c: {code for code, _, cls, *_ in CODES if cls == c} for c in ("capacity", "transient")
    }
    assert by_class == {"capacity": CAPACITY, "transient": TRANSIENT}
    assert {code for code, _, cls, *_ in CODES if cls == "fatal"} == NAMED_FATAL


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def build_files():
    files = {
        "splitmix64.json": ("3.1", splitmix_cases()),
        "classification.json": ("2", classification_cases()),
        "effective_policy.json": ("1", effective_cases()),
        "decision.json": ("4", decision_cases()),
        "invalid_policy.json": ("1.3", invalid_cases()),
        "limiter.json": ("6", limiter_cases()),
        "call.json": ("7", call_cases()),
        "events.json": ("8.1", event_cases()),
        "metrics.json": ("8.2", metric_cases()),
        "error_codes.json": ("2", error_code_cases()),
        "report.json": ("4.2", report_cases()),
        "mask.json": ("4.3", mask_cases()),
    }
    out = {}
    for filename, (section, cases) in files.items():
        names = [case["name"] for case in cases]
        assert len(names) == len(set(names)), f"{filename}: duplicate case names"
        doc = {"spec": f"docs/spec.md section {section}", "cases": cases}
        # json writes floats with repr, so they round-trip exactly.
        out[filename] = (
            len(cases),
            json.dumps(doc, sort_keys=True, indent=2, allow_nan=False) + "\n",
        )
    return out


def main(argv):
    self_check()
    files = build_files()
    if "--check" in argv[1:]:
        stale = [
            name
            for name, (_, text) in files.items()
            if not (HERE / name).exists() or (HERE / name).read_text(encoding="utf-8") != text
        ]
        for name in stale:
            print(f"{name} is stale: run python3 tests/vectors/generate.py", file=sys.stderr)
        return 1 if stale else 0
    for name, (count, text) in files.items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote {name}: {count} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
