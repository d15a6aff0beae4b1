"""Writes docs/benchmarks.md (and its PNG) from the JSON that `make bench` produced.

Storm rows are the median run of three by makespan ratio (a run that failed
clients counts as the worst); the range over the three runs is shown beside it.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from connguard.storm.measure import Outcome
from connguard.storm.plot import plot
from connguard.storm.scenario import Scenario

HEADER = [
    "# Benchmarks",
    "",
    "Written by `make bench` (benchmarks/report.py) on the project's 2-core machine;",
    "compare rows of one run, never across machines. Benchmarks assert nothing about",
    "time: they report.",
    "",
    "## Connection storm (`connguard storm`)",
    "",
    "Every client connects, runs `SELECT SLEEP(hold)` and closes, all released together",
    "against the embedded MariaDB (its `back_log` at 1024, so a burst waits for the",
    "server's own answer rather than the kernel's SYN retransmits). *refused* is the",
    "server's own count (its `Aborted_connects` delta: MariaDB counts an unprivileged",
    "account's 1040 there);",
    "*ideal* is clients x hold / max_connections. `none` is the plain driver, `tenacity`",
    "the best peer (`wait_random_exponential(multiplier=0.05, max=5)` +",
    "`stop_after_delay`, retrying 1040: the library itself in Python, a line-for-line port",
    "of it in the C++, Node and Rust workers), `connguard` the adapter with its limiter.",
    "Median of 3 runs by makespan ratio, the range of the 3 in brackets.",
]
PICTURE = "![server connections and completed clients over time, python-async]({name})"
COLUMNS = [
    "adapter",
    "strategy",
    "ok",
    "refused (range)",
    "makespan / ideal (range)",
    "p50 wait",
    "p99 wait",
    "peak conns",
    "target (connguard)",
]
TARGETS = {
    ("python-async", 1): "<= 1.15x, refused <= 20",
    ("python-sync", 1): "<= 1.3x, refused <= 40",
    ("cpp", 1): "<= 1.3x, refused <= 40",
}


def _ratio(outcome: Outcome) -> float:
    return outcome.ratio if outcome.ratio is not None else float("inf")


def _shown(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _target(adapter: str, strategy: str, processes: int) -> str:
    if strategy != "connguard":
        return ""
    if processes > 1:
        return "<= 1.5x, refused <= 100"
    return TARGETS.get((adapter, processes), "fewer refused than tenacity")


def _row(median: Outcome, outcomes: list[Outcome], target: str) -> str:
    refused = [o.refused for o in outcomes if o.refused is not None]
    ratios = [_ratio(o) for o in outcomes]
    if median.ratio is None:
        ratio = "fails"
    elif float("inf") in ratios:
        ratio = f"{median.ratio:.2f}x (some runs failed)"
    else:
        ratio = f"{median.ratio:.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
    cells = [
        median.adapter,
        median.strategy,
        f"{median.ok}/{median.clients}",
        f"{_shown(median.refused, 'd')} ({min(refused, default=0)}-{max(refused, default=0)})",
        ratio,
        f"{_shown(median.wait_p50, '.3f')} s",
        f"{_shown(median.wait_p99, '.3f')} s",
        _shown(median.peak_connections, "d"),
        target,
    ]
    return "| " + " | ".join(cells) + " |"


def storm_section(runs: list[dict[str, Any]]) -> tuple[str, Scenario, list[Outcome]]:
    """The tables, the one-process scenario and its python-async medians (for the plot)."""
    groups: dict[tuple[int, str, str], list[Outcome]] = defaultdict(list)
    scenarios: dict[int, Scenario] = {}
    for run in runs:
        scenario = Scenario(**run["scenario"])
        scenarios[scenario.processes] = scenario
        for data in run["outcomes"]:
            outcome = Outcome.from_json(data)
            groups[(outcome.processes, outcome.adapter, outcome.strategy)].append(outcome)
    lines: list[str] = []
    headline: list[Outcome] = []
    for processes, s in sorted(scenarios.items()):
        lines += [
            f"### {s.clients} clients over {processes} process(es), hold {s.hold * 1000:g} ms, "
            f"max_connections={s.max_connections} (ideal makespan {s.ideal_makespan:.2f} s)",
            "",
            "| " + " | ".join(COLUMNS) + " |",
            "|" + "---|" * len(COLUMNS),
        ]
        for (p, adapter, strategy), outcomes in sorted(groups.items()):
            if p != processes:
                continue
            median = sorted(outcomes, key=_ratio)[len(outcomes) // 2]
            lines.append(_row(median, outcomes, _target(adapter, strategy, processes)))
            if processes == 1 and adapter == "python-async":
                headline.append(median)
        lines.append("")
    return "\n".join(lines), scenarios[min(scenarios)], headline


def overhead_section(data: dict[str, Any]) -> str:
    medians = {b["name"]: b["stats"]["median"] * 1e9 for b in data["benchmarks"]}
    bare = medians["test_bare_call"]
    ours_total = medians["test_connguard_retry_call"]
    theirs_total = medians["test_tenacity_retrying"]
    ours, theirs = ours_total - bare, theirs_total - bare
    return "\n".join(
        [
            "| call | median | added to the bare call |",
            "|---|---|---|",
            f"| `connect()` | {bare:.0f} ns | - |",
            f"| `connguard.retry_call(policy, connect)` | {ours_total:.0f} ns | {ours:.0f} ns |",
            f"| `tenacity.Retrying()(connect)` | {theirs_total:.0f} ns | {theirs:.0f} ns |",
            "",
            f"connguard adds {ours / 1000:.2f} µs per successful call (target: at most 1 µs),",
            f"{theirs / ours:.0f}x less than tenacity: its success path is one clock read and a",
            "`try`; the engine's call (spec 7) is built only after a first failure.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--overhead", type=Path, required=True)
    parser.add_argument("--storm", type=Path, nargs="+", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--plot", type=Path, required=True)
    args = parser.parse_args()
    storm, scenario, headline = storm_section([json.loads(p.read_text()) for p in args.storm])
    overhead = json.loads(args.overhead.read_text())
    plot(scenario, headline, args.plot)
    title = "## Success-path overhead of `retry_call` (`benchmarks/test_overhead.py`)"
    body = [*HEADER, "", storm, PICTURE.format(name=args.plot.name), "", title, ""]
    args.out.write_text("\n".join([*body, overhead_section(overhead), ""]))


if __name__ == "__main__":
    main()
