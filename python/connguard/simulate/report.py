"""What a simulation found, and its measures: makespan against the ideal, refusals,
fairness, probes per second and convergence.

- *fairness*: Jain's index over the processes' throughputs (connections
  served over the time the process's last client finished), as the storm
  computes it over services: 1 when every process gets the same, 1/n when
  one gets everything.
- *convergence*: the processes' limits together should settle on the free
  slots. A process's *effective limit* is min(limit, wanting), wanting being
  its clients in a call or holding a connection (a limit above what a
  process wants puts nothing more on the server). While the processes
  together want at least the free slots (the *saturated* stretch, up to the
  last moment they do), convergence time is when the sum of the effective
  limits first came within free x (1 +- band), None if it never did; and
  *in band* the share of the rest of the saturated stretch it stayed there.
  (Not "until it stays for good": as processes run out of work at different
  times, the ones still wanting slots must find those the others leave,
  which the sum shows as a dip at the end of every run.)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connguard.simulate.scenario import Scenario
from connguard.simulate.timing import Timing

__all__ = ["Result", "convergence", "jain", "saturated_until"]


def jain(throughputs: Sequence[float]) -> float | None:
    """Jain's fairness index: (sum x)^2 / (n sum x^2)."""
    squares = math.fsum(x * x for x in throughputs)
    if not throughputs or squares <= 0:
        return None
    return math.fsum(throughputs) ** 2 / (len(throughputs) * squares)


# (time, limits, effective limits, wanting) at each change, as the run records them
Trace = Sequence[tuple[float, int, int, int]]


def saturated_until(trace: Trace, free: int) -> float:
    """When the processes together last stopped wanting at least ``free`` slots (0: never)."""
    end = 0.0
    for (_, _, _, wanting), (after, _, _, _) in itertools.pairwise(trace):
        if wanting >= free:
            end = after
    return end


def convergence(trace: Trace, free: int, band: float) -> tuple[float | None, float | None]:
    """(When the effective limits first came within ``free`` x (1 +- ``band``), the share
    of the rest of the saturated stretch they were within it); see the module docstring."""
    until = saturated_until(trace, free)
    low, high = free * (1 - band), free * (1 + band)
    entered: float | None = None
    inside = 0.0
    for (start, _, effective, _), (after, _, _, _) in itertools.pairwise(trace):
        if start >= until:
            break
        if low <= effective <= high:
            if entered is None:
                entered = start
            inside += min(after, until) - start
    if entered is None:
        return None, None
    return entered, inside / (until - entered) if until > entered else 1.0


@dataclass
class Result:
    scenario: Scenario
    timing: Timing
    ok: int  # clients that opened all their connections
    failed: dict[str, int]  # error code -> clients that gave up with it ("waited": none)
    makespan: float  # when the last client finished (or the run stopped)
    refused: int  # connects the server refused
    attempts: int
    probes: int  # probes the limiters granted
    convergence: float | None  # when the effective limits first came within the band
    in_band: float | None  # the share of the saturated stretch from then on within it
    saturated: float  # end of the saturated stretch (0: the processes never wanted the slots)
    jain: float | None
    peak: int  # most connections the server counted at once, foreign ones included
    events: int
    stopped: str | None  # "events" or "time" when a bound ended the run
    wall: float = 0.0  # seconds the run took, in real time
    # For the plot and --json: (time, count) at each change of the server's count; the
    # recorder's trace; when each refusal, probe and completion happened.
    server_trace: list[tuple[float, int]] = field(default_factory=list, repr=False)
    trace: list[tuple[float, int, int, int]] = field(default_factory=list, repr=False)
    refused_at: list[float] = field(default_factory=list, repr=False)
    probed_at: list[float] = field(default_factory=list, repr=False)
    completions: list[float] = field(default_factory=list, repr=False)

    @property
    def clients(self) -> int:
        return self.scenario.total_clients

    @property
    def ideal(self) -> float:
        return self.scenario.ideal_makespan

    @property
    def ratio(self) -> float | None:
        """Makespan over ideal, when every client was served."""
        ideal = self.ideal
        return self.makespan / ideal if self.ok == self.clients and ideal > 0 else None

    @property
    def probes_per_second(self) -> float:
        return self.probes / self.makespan if self.makespan > 0 else 0.0

    def to_json(self, traces: bool = False) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "scenario": self.scenario.to_json(),
            "timing": self.timing.to_json(),
            "clients": self.clients,
            "ok": self.ok,
            "failed": self.failed,
            "makespan": self.makespan,
            "ideal": self.ideal,
            "ratio": self.ratio,
            "refused": self.refused,
            "attempts": self.attempts,
            "probes": self.probes,
            "probes_per_second": self.probes_per_second,
            "convergence": self.convergence,
            "in_band": self.in_band,
            "saturated": self.saturated,
            "jain": self.jain,
            "peak": self.peak,
            "events": self.events,
            "stopped": self.stopped,
            "wall": self.wall,
        }
        if traces:
            shown |= {
                "server_trace": self.server_trace,
                "trace": self.trace,
                "refused_at": self.refused_at,
                "probed_at": self.probed_at,
                "completions": self.completions,
            }
        return shown

    def lines(self) -> list[str]:
        """The result for people, a measure a line."""
        s = self.scenario
        ratio = f": {self.ratio:.2f}x" if self.ratio is not None else ""
        failed = ", ".join(f"{n} gave up ({code})" for code, n in sorted(self.failed.items()))
        if self.saturated == 0:
            converged = "- (the processes never wanted all the free slots)"
        elif self.convergence is None or self.in_band is None:
            converged = "never (the effective limits never came within the band)"
        else:
            converged = f"{self.convergence:.3f}s, then in band {self.in_band:.0%} of the time"
        stopped = f"; stopped by the {self.stopped} bound" if self.stopped else ""
        jain_shown = "-" if self.jain is None else f"{self.jain:.3f}"
        return [
            s.title(),
            f"  served       {self.ok}/{self.clients} clients" + (f"; {failed}" if failed else ""),
            f"  makespan     {self.makespan:.3f}s (ideal {self.ideal:.3f}s{ratio})",
            f"  refused      {self.refused} of {self.attempts} connects",
            f"  probes       {self.probes} ({self.probes_per_second:.1f}/s)",
            f"  convergence  {converged} (effective limits within {s.band:.0%} of "
            f"{s.free} free slots; saturated until {self.saturated:.3f}s)",
            f"  fairness     {jain_shown} (Jain's index over the processes' throughputs)",
            f"  peak         {self.peak} server connections",
            f"  simulated    {self.events} events in {self.wall:.1f}s{stopped}",
        ]
