"""The storm as a picture: server connections and completed clients over time.

An x on a connection line marks a sample at which the server had refused
connects since the previous one (its ``Aborted_connects`` rose).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt

from connguard.storm.measure import Outcome
from connguard.storm.scenario import Scenario
from connguard.storm.table import title


def marks(outcome: Outcome) -> list[tuple[float, int]]:
    """(seconds, server connections) of each sample at which the server had refused
    connects since the previous one: where the plot puts an x."""
    connections = dict(outcome.samples)  # the refusals are sampled with the connections
    return [(time, connections[time]) for time, _ in outcome.refusals]


def plot(scenario: Scenario, outcomes: Sequence[Outcome], path: Path) -> None:
    figure, (connections, completions) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    marked = False
    for outcome in outcomes:
        if outcome.service == "service":
            continue  # a mix: its total row stands for it
        label = f"{outcome.adapter} / {outcome.strategy}"
        if outcome.samples:
            times, counts = zip(*outcome.samples, strict=True)
            (line,) = connections.step(times, counts, where="post", label=label)
            refused = marks(outcome)
            if refused:
                connections.scatter(
                    *zip(*refused, strict=True), marker="x", color=line.get_color(), zorder=3
                )
                marked = True
        done = outcome.completions
        completions.step(done, range(1, len(done) + 1), where="post", label=label)
    if marked:  # one legend entry for the marks of every line
        connections.scatter([], [], marker="x", color="grey", label="refused connects")
    connections.axhline(
        scenario.max_connections, color="grey", linestyle=":", label="max_connections"
    )
    if scenario.foreign:
        connections.axhline(scenario.foreign, color="grey", linestyle="--", label="foreign")
    connections.set_ylabel("server connections")
    completions.axvline(
        scenario.ideal_makespan, color="grey", linestyle=":", label="ideal makespan"
    )
    completions.set_ylabel("clients done")
    completions.set_xlabel("seconds since the storm started")
    connections.legend(fontsize="small")
    completions.legend(fontsize="small")
    figure.suptitle(title(scenario), fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
