"""Writes docs/benchmarks.md (and its PNG) from the JSON that `make bench` produced.

The storm files are named ``storm-NAME-rRUN.json`` (the Makefile's STORM_MATRIX):
one table per NAME, in the matrix's order, one row per adapter and strategy
(per service and strategy in a mix). A row is the median run by makespan
(a run that failed clients counts as the worst); ``x oracle`` is the median
of the runs' own ratios, each against the oracle of the same run; the range
over the runs is shown beside both.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from connguard.storm.measure import Outcome
from connguard.storm.plot import plot
from connguard.storm.scenario import (
    HOLD_CAP,
    LOGNORMAL_SIGMA,
    MIX,
    PARETO_ALPHA,
    Scenario,
)
from connguard.storm.table import title

HEADER = [
    "# Benchmarks",
    "",
    "Written by `make bench` (benchmarks/report.py) on the project's 2-core machine;",
    "compare rows of one table, never across machines. Benchmarks assert nothing about",
    "time: they report.",
    "",
    "## Connection storm (`connguard storm`)",
    "",
    "Every client connects, runs `SELECT SLEEP(hold)` and closes, all released together",
    "against the embedded MariaDB (its `back_log` at 4096, so a burst waits for the",
    "server's own answer rather than the kernel's SYN retransmits). `tenacity` is the best",
    "peer (`wait_random_exponential(multiplier=0.05, max=5)` + `stop_after_delay`,",
    "retrying 1040: the library itself in Python, a line-for-line port of it in the C++,",
    "Node and Rust workers), `connguard` the adapter with its limiter, and `oracle` the",
    "best a client can do knowing the server's free capacity: a semaphore of exactly the",
    "process's share of the free slots (max_connections less the foreign connections, split",
    "over the processes) around the plain driver, released once the server has closed its",
    "end of the connection (a 1040 met while the server counts a closed connection out is",
    "tried again after 1 ms).",
    "",
    "- *x ideal*: makespan over the ideal, the sum of the holds over the free slots (every",
    "  slot busy all the time).",
    "- *x oracle*: makespan over the oracle's makespan in the same run, same adapter (same",
    "  service in a mix): what a strategy loses to perfect knowledge of the server.",
    "- *refused*: the server's own count (its `Aborted_connects` delta: MariaDB counts an",
    "  unprivileged account's 1040 there).",
    "- *peak conns*: the storm's own connections at their highest, sampled every 10 ms",
    "  (foreign ones excluded; a refused connect's server thread counts for its moment).",
    "- *longest idle*: the longest stretch in which fewer than max_connections were",
    "  connected while some client had not yet had its connect answered.",
    "- holds: `fixed`, or drawn per client from a seeded generator (the same every run):",
    f"  `lognormal` (sigma {LOGNORMAL_SIGMA:g}) or `pareto` (alpha {PARETO_ALPHA:g}, "
    "minimum a third of the mean),",
    f"  none over {HOLD_CAP:g}x the mean, scaled so their mean is the stated hold.",
    "",
    "The oracle is a strong reference, not a bound: its shares are fixed per process, so",
    "with uneven holds a process with the long ones finishes last, and each of its closes",
    "waits for the server's end of stream, which a strategy that risks the close race",
    "does not: a row can beat it (x oracle under 1).",
    "",
    "Each row is the median of {runs} runs by makespan; the range over the runs in brackets.",
]

# What each table of the matrix shows, by the name's first word.
INTROS = {
    "base": "(a) The base storm: every adapter, one process, then four.",
    "short": "(b) Short holds: the connect itself is most of the work.",
    "big": "(c) A big server: max_connections=151 and 2000 clients.",
    "foreign": "(d) Foreign load: another tenant holds 6 of the 10 slots all along.",
    "mix": (
        "(e) Mix: all five adapters at once, each its own service (own processes), the "
        "clients split evenly; a row per service and the total, with *Jain*, Jain's "
        "fairness index over the services' throughputs (clients / service makespan; 1 "
        "is fair, 0.2 one service takes all). A service's x oracle is against the same "
        "service in the oracle's mix."
    ),
    "pool": (
        "(f) Pools: each process a pool of 10, 4000 short queries over 200 threads "
        "(python-sync). connguard is `connguard.pool.Pool`, the oracle a fixed pool of "
        "min(10, share) plain connections; *stranded* clients were still waiting for a "
        "connection at the deadline."
    ),
}
PICTURE = "![server connections and completed clients over time, python-async]({name})"
TARGETS = {
    ("python-async", 1): "<= 1.15x, refused <= 20",
    ("python-sync", 1): "<= 1.3x, refused <= 40",
    ("cpp", 1): "<= 1.3x, refused <= 40",
}
_STEM = re.compile(r"^storm-(?P<name>.+)-r(?P<run>\d+)$")


def _makespan(outcome: Outcome) -> float:
    return outcome.makespan if outcome.ok == outcome.clients else float("inf")


def _shown(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _target(name: str, outcome: Outcome) -> str:
    if not name.startswith("base") or outcome.strategy != "connguard":
        return ""
    if outcome.processes > 1:
        return "<= 1.5x, refused <= 100"
    return TARGETS.get((outcome.adapter, 1), "fewer refused than tenacity")


def _spread(values: Sequence[float | None], fmt: Callable[[float], str]) -> str:
    """The median and the range of ``values``; None is a failed run (the worst)."""
    if not values or all(v is None for v in values):
        return "fails" if values else "-"
    known = [v for v in values if v is not None]
    median = _median(values)
    shown = "fails" if median is None else fmt(median)
    if len(values) == 1:
        return shown
    if len(known) < len(values):
        return f"{shown} (some runs failed)"
    return f"{shown} ({min(known):.2f}-{max(known):.2f})"


def _times(value: float) -> str:
    return f"{value:.2f}x"


def _median(values: Sequence[float | None]) -> float | None:
    """The median of ``values``, a failed run (None) counting as the worst."""
    ranked = sorted(values, key=lambda v: float("inf") if v is None else v)
    return ranked[len(ranked) // 2] if ranked else None


def _columns(scenario: Scenario, name: str) -> list[str]:
    columns = ["adapter", "strategy", "ok"]
    if scenario.pool is not None:
        columns += ["stranded", "queries"]
    columns += ["refused (range)", "makespan", "x ideal (range)", "x oracle (range)"]
    columns += ["p99 wait", "peak conns", "longest idle"]
    if scenario.services > 1:
        columns.append("Jain (range)")
    if name.startswith("base"):
        columns.append("target (connguard)")
    return columns


def _row(name: str, scenario: Scenario, outcomes: list[Outcome]) -> str:
    median = sorted(outcomes, key=_makespan)[len(outcomes) // 2]
    refused = [o.refused for o in outcomes if o.refused is not None]
    service = median.service == "service"
    oracle = (
        _spread([o.x_oracle for o in outcomes], _times)
        if median.strategy in ("tenacity", "connguard")
        else "-"
    )
    cells = {
        "adapter": "**total**" if median.service == "total" else median.adapter,
        "strategy": median.strategy,
        "ok": f"{median.ok}/{median.clients}",
        "stranded": _shown(median.stranded, "d"),
        "queries": _shown(median.queries, "d"),
        "refused (range)": (
            "-"
            if median.refused is None
            else f"{median.refused} ({min(refused, default=0)}-{max(refused, default=0)})"
        ),
        "makespan": f"{median.makespan:.3f} s",
        "x ideal (range)": "-" if service else _spread([o.ratio for o in outcomes], _times),
        "x oracle (range)": oracle,
        "p99 wait": f"{_shown(median.wait_p99, '.3f')} s",
        "peak conns": _shown(median.peak_connections, "d"),
        "longest idle": "-" if median.idle is None else f"{median.idle:.3f} s",
        "Jain (range)": (
            _spread([o.jain for o in outcomes], lambda v: f"{v:.3f}")
            if median.service == "total"
            else ""
        ),
        "target (connguard)": _target(name, median),
    }
    return "| " + " | ".join(cells[c] for c in _columns(scenario, name)) + " |"


def _order(outcome: Outcome) -> tuple[int, str, int, int]:
    """Rows by adapter (a mix's services, then its total) and the strategies' order."""
    strategies = ("none", "tenacity", "connguard", "oracle")
    strategy = strategies.index(outcome.strategy) if outcome.strategy in strategies else 9
    if outcome.service is not None:  # a mix: strategy by strategy, the total last
        return (strategy, "", 1 if outcome.service == "total" else 0, 0)
    return (0, outcome.adapter, strategy, 0)


def load(paths: Sequence[Path]) -> dict[str, list[dict[str, Any]]]:
    """The runs of each matrix entry, by name, in the order first met."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for path in paths:
        match = _STEM.match(path.stem)
        name = match["name"] if match else path.stem
        runs.setdefault(name, []).append(json.loads(path.read_text()))
    return runs


def storm_table(
    name: str, runs: list[dict[str, Any]]
) -> tuple[str, Scenario, list[tuple[Outcome, float | None]]]:
    """One entry's table, its scenario, and its median rows with their median x oracle."""
    scenario = Scenario(**runs[0]["scenario"])
    groups: dict[tuple[str, str, str | None], list[Outcome]] = defaultdict(list)
    for run in runs:
        for data in run["outcomes"]:
            outcome = Outcome.from_json(data)
            groups[(outcome.adapter, outcome.strategy, outcome.service)].append(outcome)
    columns = _columns(scenario, name)
    lines = [
        f"### {name}: {title(scenario)}",
        "",
        INTROS.get(name.split("-")[0], ""),
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    medians = []
    for key in sorted(groups, key=lambda k: _order(groups[k][0])):
        outcomes = groups[key]
        lines.append(_row(name, scenario, outcomes))
        median = sorted(outcomes, key=_makespan)[len(outcomes) // 2]
        medians.append((median, _median([o.x_oracle for o in outcomes])))
    lines.append("")
    return "\n".join(lines), scenario, medians


def summary(tables: dict[str, list[tuple[Outcome, float | None]]]) -> str:
    """connguard's x oracle, median over the runs, per matrix entry and adapter."""
    adapters: list[str] = []
    cells: dict[tuple[str, str], str] = {}
    for name, medians in tables.items():
        for outcome, x_oracle in medians:
            if outcome.strategy != "connguard" or outcome.service == "service":
                continue
            adapter = "mix (total)" if outcome.adapter == MIX else outcome.adapter
            if adapter not in adapters:
                adapters.append(adapter)
            cells[(name, adapter)] = "fails" if x_oracle is None else _times(x_oracle)
    lines = [
        "### connguard's makespan over the oracle's (x oracle): each row's median",
        "",
        "| table | " + " | ".join(adapters) + " |",
        "|---|" + "---|" * len(adapters),
    ]
    for name in tables:
        lines.append(f"| {name} | " + " | ".join(cells.get((name, a), "") for a in adapters) + " |")
    return "\n".join([*lines, ""])


def storm_section(
    runs: dict[str, list[dict[str, Any]]],
) -> tuple[str, Scenario | None, list[Outcome]]:
    """The tables, the base one-process scenario and its python-async medians (the plot)."""
    parts: list[str] = []
    tables: dict[str, list[tuple[Outcome, float | None]]] = {}
    picture: tuple[Scenario | None, list[Outcome]] = (None, [])
    for name, entry in runs.items():
        text, scenario, medians = storm_table(name, entry)
        parts.append(text)
        tables[name] = medians
        if picture[0] is None and scenario.processes == 1 and scenario.services == 1:
            headline = [o for o, _ in medians if o.adapter == "python-async"]
            if headline:
                picture = (scenario, headline)
    return "\n".join([summary(tables), *parts]), *picture


def overhead_section(data: dict[str, Any]) -> str:
    medians = {b["name"]: b["stats"]["median"] * 1e9 for b in data["benchmarks"]}
    bare = medians["test_bare_call"]
    ours_total = medians["test_connguard_retry_call"]
    theirs_total = medians["test_tenacity_retrying"]
    ours, theirs = ours_total - bare, theirs_total - bare
    semaphore = medians["test_semaphore_around_connect"]
    gated = medians["test_connguard_gated_connect"]
    # The async rows time 1000 connects per round.
    semaphore_async = medians["test_asyncio_semaphore_around_connect_x1000"] / 1000
    gated_async = medians["test_connguard_gated_connect_async_x1000"] / 1000
    sites = medians["test_event_sites_with_no_hook"] - medians["test_event_sites_baseline"]
    with_metrics = medians["test_connguard_gated_connect_with_metrics"]
    with_prometheus = medians["test_connguard_gated_connect_with_prometheus"]
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
            "",
            "### The gated path, uncontended (nobody queued, room under the limit)",
            "",
            "| connect, then close | median per connect |",
            "|---|---|",
            f"| a bare `threading.Semaphore` around it | {semaphore / 1000:.2f} µs |",
            f"| through the gate (`retry_call`, a DSN target) | {gated / 1000:.2f} µs |",
            f"| a bare `asyncio.Semaphore` around it | {semaphore_async / 1000:.2f} µs |",
            f"| through the gate (`retry_call_async`) | {gated_async / 1000:.2f} µs |",
            "",
            "The gated path joins and is granted under one lock, builds no call, timer or",
            "wait object unless the first attempt fails, and wraps the connection's close to",
            "free its slot (target: at most 5 µs per connect).",
            "",
            "### Observing (spec 8): the gated path with hooks",
            "",
            "| connect, then close, through the gate | median per connect |",
            "|---|---|",
            f"| no hook (no exporter installed): the event sites' checks | {sites:.0f} ns |",
            f"| the in-memory `connguard.Metrics` hook | {with_metrics / 1000:.2f} µs |",
            f"| the Prometheus exporter | {with_prometheus / 1000:.2f} µs |",
            "",
            "With no hook each event site is one truth test and builds nothing (target: at",
            "most 200 ns per connect in all); a hook pays for the events it is given.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--overhead", type=Path, required=True)
    parser.add_argument("--storm", type=Path, nargs="+", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--plot", type=Path, required=True)
    parser.add_argument("--seconds", type=float, help="how long make bench took, to report it")
    args = parser.parse_args()
    runs = load(args.storm)
    storm, scenario, headline = storm_section(runs)
    counts = sorted({len(entry) for entry in runs.values()})
    header = [line.replace("{runs}", "/".join(map(str, counts))) for line in HEADER]
    if args.seconds is not None:
        header += ["", f"The whole `make bench` took {args.seconds / 60:.1f} minutes."]
    overhead = json.loads(args.overhead.read_text())
    body = [*header, "", storm]
    if scenario is not None:
        plot(scenario, headline, args.plot)
        body += [PICTURE.format(name=args.plot.name), ""]
    title_ = "## Success-path overhead (`benchmarks/test_overhead.py`)"
    args.out.write_text("\n".join([*body, title_, "", overhead_section(overhead), ""]))


if __name__ == "__main__":
    main()
