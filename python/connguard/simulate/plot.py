"""A simulation as a picture: connections and limits, refusals and probes, completions.

Above, the server's connections and the processes' effective limits summed,
against ``max_connections`` and the convergence band; in the middle,
refused connects and probes per second; below, the clients done over time,
against the ideal makespan. Long runs are drawn from their values on a grid
of :data:`POINTS` instants (a step plot of a million changes says no more).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt

from connguard.simulate.report import Result

__all__ = ["plot"]

POINTS = 2000
BINS = 100


def _on_grid(
    times: Sequence[float], values: Sequence[int], end: float
) -> tuple[list[float], list[int]]:
    """A step function's value at ``POINTS`` instants from 0 to ``end``."""
    grid = [end * i / (POINTS - 1) for i in range(POINTS)]
    return grid, [values[max(0, bisect.bisect_right(times, t) - 1)] for t in grid]


def _rate(events: Sequence[float], end: float) -> tuple[list[float], list[float]]:
    """Events per second in ``BINS`` bins from 0 to ``end``: (bin starts, rates)."""
    width = end / BINS
    counts = [0] * BINS
    for t in events:
        counts[min(BINS - 1, int(t / width))] += 1
    return [i * width for i in range(BINS)], [n / width for n in counts]


def plot(result: Result, path: Path) -> None:
    scenario = result.scenario
    end = max(result.makespan, 1e-9)
    figure, (load, rates, done) = plt.subplots(3, 1, figsize=(9, 9), sharex=True)

    times = [t for t, _ in result.server_trace]
    load.step(
        *_on_grid(times, [n for _, n in result.server_trace], end),
        where="post",
        label="server connections",
    )
    times = [t for t, *_ in result.trace]
    load.step(
        *_on_grid(times, [e for _, _, e, _ in result.trace], end),
        where="post",
        label="effective limits, summed",
    )
    load.axhline(scenario.max_connections, color="grey", linestyle=":", label="max_connections")
    free = scenario.free
    load.axhspan(
        free * (1 - scenario.band),
        free * (1 + scenario.band),
        color="grey",
        alpha=0.15,
        label=f"convergence band (free +-{scenario.band:.0%})",
    )
    if result.convergence is not None:
        load.axvline(result.convergence, color="green", linestyle="--", label="converged")
    load.set_ylabel("connections")
    load.legend(fontsize="small")

    starts, refused = _rate(result.refused_at, end)
    rates.step(starts, refused, where="post", label="refused connects")
    starts, probes = _rate(result.probed_at, end)
    rates.step(starts, probes, where="post", label="probes")
    rates.set_ylabel("per second")
    rates.legend(fontsize="small")

    completions = result.completions
    done.step(completions, range(1, len(completions) + 1), where="post", label="clients done")
    done.axvline(result.ideal, color="grey", linestyle=":", label="ideal makespan")
    done.set_ylabel("clients done")
    done.set_xlabel("simulated seconds")
    done.legend(fontsize="small")

    figure.suptitle(f"connguard simulate: {scenario.title()}", fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
