"""The simulation against the real storm: the same scenario run both ways, medians compared.

A storm (``connguard storm``'s connguard strategy: every client connects,
runs ``SELECT SLEEP(hold)`` and closes, all released together) is run
``runs`` times against a real server; the simulation of the same scenario
(one round per client) ``seeds`` times, with the timing measured on that
server (:mod:`.calibrate`). Each side's median makespan and mean refusals
are compared (a storm's refusals vary by a few either way, its makespan has
a long tail): the error is simulated over measured, less 1.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from connguard.simulate.run import simulate
from connguard.simulate.scenario import Scenario
from connguard.simulate.timing import Timing

if TYPE_CHECKING:
    from connguard.storm.run import Server

__all__ = ["Versus", "against_storm"]


@dataclass
class Versus:
    scenario: Scenario
    adapter: str
    storm: list[tuple[float, int]] = field(default_factory=list)  # (makespan, refused) a run
    simulated: list[tuple[float, int]] = field(default_factory=list)  # the same, a seed

    @property
    def storm_makespan(self) -> float:
        return statistics.median(m for m, _ in self.storm)

    @property
    def storm_refused(self) -> float:
        return statistics.fmean(r for _, r in self.storm)

    @property
    def simulated_makespan(self) -> float:
        return statistics.median(m for m, _ in self.simulated)

    @property
    def simulated_refused(self) -> float:
        return statistics.fmean(r for _, r in self.simulated)

    @property
    def makespan_error(self) -> float:
        return self.simulated_makespan / self.storm_makespan - 1

    @property
    def refused_error(self) -> float | None:
        """None when the storm refused nothing (no ratio to take)."""
        if self.storm_refused == 0:
            return None
        return self.simulated_refused / self.storm_refused - 1


def against_storm(
    server: Server,
    scenario: Scenario,
    timing: Timing,
    runs: int,
    seeds: int,
    adapter: str = "python-async",
) -> Versus:
    """Runs the storm of ``scenario`` ``runs`` times (``adapter``'s workers, the connguard
    strategy) on ``server``, which needs its admin account for the refusals, and the
    simulation of it with seeds 1 to ``seeds``."""
    from connguard.storm.run import run_storm
    from connguard.storm.scenario import Scenario as Storm

    if scenario.rounds != 1:
        raise ValueError("a storm's clients connect once: the scenario needs rounds=1")
    if scenario.hold_dist != "fixed":
        # The storm draws its holds from one seed, the simulation from each of its seeds.
        raise ValueError("compare fixed holds: the two sides would draw different ones")
    if server.admin is None:
        raise ValueError("the storm's refusals are the server's count: give its admin account")
    storm = Storm(
        clients=scenario.total_clients,
        hold=scenario.hold,
        processes=scenario.processes,
        max_connections=scenario.max_connections,
        deadline=scenario.deadline,
        hold_dist=scenario.hold_dist,
        seed=scenario.seed,
        foreign=scenario.foreign,
    )
    versus = Versus(scenario, adapter)
    for _ in range(runs):
        (outcome,) = run_storm(server, storm, [adapter], ["connguard"])
        if outcome.ok != outcome.clients or outcome.refused is None:
            raise RuntimeError(f"the storm did not serve every client: {outcome}")
        versus.storm.append((outcome.makespan, outcome.refused))
    for seed in range(1, seeds + 1):
        result = simulate(replace(scenario, seed=seed), timing)
        versus.simulated.append((result.makespan, result.refused))
    return versus
