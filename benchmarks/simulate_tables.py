"""Writes the tables and the plot of docs/simulate.md: ``python benchmarks/simulate_tables.py``.

- *calibration*: for the storms this machine runs (1 and 4 processes,
  max_connections 10 and 151), the real storm (python-async, connguard)
  against the simulation with the timing measured on the same throwaway
  MariaDB: median makespan and refusals, of ``--runs`` storms and ``--seeds``
  simulations.
- *scale*: 100 and 1000 processes against max_connections 1000, simulated
  with the built-in timing (a core per process), ``--seeds`` seeds a row, the
  median shown with the range; and a plot of each scale's median run.

Each part replaces the text between its markers in docs/simulate.md
(``<!-- simulate:calibration -->`` ... ``<!-- /simulate:calibration -->``).
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from time import monotonic

from connguard.cli import STORM_SERVER
from connguard.simulate import Result, Scenario, Timing, simulate
from connguard.simulate.calibrate import measure
from connguard.simulate.plot import plot
from connguard.simulate.versus import Versus, against_storm
from connguard.storm.run import Server
from connguard.testing import MariaDBServer

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "simulate.md"

# (max_connections, clients): the storms of docs/benchmarks.md's base and big tables.
STORMS = [(10, 100), (10, 200), (151, 2000)]
# (processes, clients per process, rounds, hold distribution): 4000 clients of 10
# connections each either way, only how they are split over processes differs.
SCALES = [
    (100, 40, 10, "fixed"),
    (1000, 4, 10, "fixed"),
    (100, 40, 10, "pareto"),
    (1000, 4, 10, "pareto"),
]
SCALE_CONNECTIONS = 1000


def _range(
    values: Sequence[float],
    shown: Callable[[float], str],
    centre: Callable[[Sequence[float]], float] = statistics.median,
) -> str:
    return f"{shown(centre(values))} ({shown(min(values))}-{shown(max(values))})"


def _percent(error: float | None) -> str:
    return "-" if error is None else f"{error:+.0%}"


def calibration(runs: int, seeds: int) -> list[str]:
    lines = [
        "| max_connections | processes | clients | storm makespan | simulated | error "
        "| storm refused | simulated | error |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for max_connections, clients in STORMS:
        with MariaDBServer(max_connections=max_connections, options=STORM_SERVER) as db:
            connect = dict(db.connect_kwargs())
            admin = {"host": db.host, "port": db.admin_port, "user": "root", "password": ""}
            timing = measure(connect, admin, db.pid)
            print(f"max_connections={max_connections}: measured\n{timing.to_toml()}")
            for processes in (1, 4):
                scenario = Scenario(
                    processes=processes,
                    clients=clients // processes,
                    max_connections=max_connections,
                )
                v = against_storm(Server(connect, admin), scenario, timing, runs, seeds)
                lines.append(_calibration_row(v))
                print(lines[-1])
    return lines


def _calibration_row(v: Versus) -> str:
    s = v.scenario
    seconds = "{:.3f} s".format
    count = "{:.1f}".format
    return (
        f"| {s.max_connections} | {s.processes} | {s.total_clients} "
        f"| {_range([m for m, _ in v.storm], seconds)} "
        f"| {_range([m for m, _ in v.simulated], seconds)} | {_percent(v.makespan_error)} "
        f"| {_range([r for _, r in v.storm], count, statistics.fmean)} "
        f"| {_range([r for _, r in v.simulated], count, statistics.fmean)} "
        f"| {_percent(v.refused_error)} |"
    )


def scale(seeds: int, pictures: Path) -> list[str]:
    lines = [
        "| processes | clients x rounds | holds | makespan | x ideal | refused | probes/s "
        "| converged | in band | fairness | simulated in |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    timing = Timing()
    for processes, clients, rounds, dist in SCALES:
        base = Scenario(
            processes=processes,
            clients=clients,
            rounds=rounds,
            hold_dist=dist,
            max_connections=SCALE_CONNECTIONS,
        )
        started = monotonic()
        results = [simulate(replace(base, seed=seed), timing) for seed in range(1, seeds + 1)]
        took = (monotonic() - started) / seeds
        lines.append(_scale_row(base, results, took))
        print(lines[-1])
        if dist == "fixed":
            median = sorted(results, key=lambda r: r.makespan)[len(results) // 2]
            plot(median, pictures / f"simulate-{processes}.png")
    return lines


def _scale_row(s: Scenario, results: list[Result], took: float) -> str:
    def of(measure: Callable[[Result], float | None], shown: Callable[[float], str]) -> str:
        values = [v for v in map(measure, results) if v is not None]
        return _range(values, shown) if values else "-"

    seconds = "{:.2f} s".format
    return (
        f"| {s.processes} | {s.clients} x {s.rounds} | {s.hold_dist} "
        f"| {of(lambda r: r.makespan, seconds)} | {of(lambda r: r.ratio, '{:.2f}x'.format)} "
        f"| {of(lambda r: r.refused, '{:.0f}'.format)} "
        f"| {of(lambda r: r.probes_per_second, '{:.0f}'.format)} "
        f"| {of(lambda r: r.convergence, '{:.3f} s'.format)} "
        f"| {of(lambda r: r.in_band, '{:.0%}'.format)} | {of(lambda r: r.jain, '{:.2f}'.format)} "
        f"| {took:.1f} s |"
    )


def _replace(doc: Path, text: str, part: str, lines: list[str]) -> str:
    begin, end = f"<!-- simulate:{part} -->", f"<!-- /simulate:{part} -->"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{doc}: no {begin} ... {end} markers")
    return pattern.sub(lambda _: "\n".join([begin, *lines, end]), text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["calibration", "scale", "all"], default="all")
    parser.add_argument("--runs", type=int, default=5, help="storms a row (default: 5)")
    parser.add_argument("--seeds", type=int, default=11, help="simulations a row (default: 11)")
    parser.add_argument("--doc", type=Path, default=DOC, help="the page (its pictures beside it)")
    args = parser.parse_args()
    started = monotonic()
    doc: Path = args.doc
    text = doc.read_text()
    if args.part in ("calibration", "all"):
        text = _replace(doc, text, "calibration", calibration(args.runs, args.seeds))
    if args.part in ("scale", "all"):
        text = _replace(doc, text, "scale", scale(args.seeds, doc.parent))
    doc.write_text(text)
    print(f"{doc} written in {monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
