"""Generated hostile policy files through every language; exits 1 where they differ.

    PYTHONPATH=tests .venv/bin/python -m fuzz.agree --count 20000 --seconds 900   # make fuzz

Batches of files are generated, checked and compared until ``--count`` files
are done or ``--seconds`` have passed; each differing input is printed with
every language's verdict.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from pathlib import Path

from fuzz import checkers, policies

BATCH = 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=900)
    args = parser.parse_args()

    checkers.build_rust_checker()
    deadline = time.monotonic() + args.seconds
    cases = policies.generate(args.seed, args.count)
    checked, found = 0, []
    with tempfile.TemporaryDirectory(prefix="connguard-fuzz-") as tmp:
        for batch in iter(lambda: list(itertools.islice(cases, BATCH)), []):
            if time.monotonic() > deadline:
                break
            directory = Path(tmp) / str(checked)
            paths = policies.write(iter(batch), directory)
            differing = checkers.disagreements(paths, checkers.verdicts(paths))
            for disagreement in differing:
                print(disagreement, flush=True)
            found += differing
            checked += len(paths)
    print(f"seed {args.seed}: {checked} files, {len(found)} with differing verdicts")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
