"""The storm as a picture: server connections and completed clients over time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt

from connguard.storm.measure import Outcome
from connguard.storm.scenario import Scenario
from connguard.storm.table import title


def plot(scenario: Scenario, outcomes: Sequence[Outcome], path: Path) -> None:
    figure, (connections, completions) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for outcome in outcomes:
        if outcome.service == "service":
            continue  # a mix: its total row stands for it
        label = f"{outcome.adapter} / {outcome.strategy}"
        if outcome.samples:
            times, counts = zip(*outcome.samples, strict=True)
            connections.step(times, counts, where="post", label=label)
        done = outcome.completions
        completions.step(done, range(1, len(done) + 1), where="post", label=label)
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
