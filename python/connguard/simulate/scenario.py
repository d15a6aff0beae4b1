"""What a simulation runs: processes, their clients, the holds, the server's size, the bounds.

Pure arithmetic, no clock: the holds (drawn as the storm draws them), who
holds which, and the ideal makespan.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from connguard.storm.scenario import HOLD_DISTS, draw_holds

DEFAULT_SEED = 1
# A run stops at whichever comes first (the result says which): events handled...
MAX_EVENTS = 20_000_000
# ... or simulated seconds.
MAX_TIME = 3600.0
# Convergence: the processes' limits together within this fraction of the free slots.
BAND = 0.1


@dataclass(frozen=True)
class Scenario:
    processes: int = 1
    clients: int = 200  # per process
    rounds: int = 1  # connections each client opens, one after the other
    hold: float = 0.05  # mean seconds a connection is held (SELECT SLEEP(hold))
    hold_dist: str = "fixed"
    max_connections: int = 10
    foreign: int = 0  # connections another tenant holds throughout
    deadline: float = 60.0  # each call's (the storm's policy: max_attempts 1000)
    seed: int = DEFAULT_SEED
    band: float = BAND
    max_events: int = MAX_EVENTS
    max_time: float = MAX_TIME

    def __post_init__(self) -> None:
        if self.processes < 1 or self.clients < 1 or self.rounds < 1:
            raise ValueError("a simulation needs processes, clients and rounds of at least 1")
        if self.hold < 0 or self.deadline <= 0:
            raise ValueError("hold must be >= 0 and deadline > 0")
        if self.hold_dist not in HOLD_DISTS:
            raise ValueError(f"hold distribution must be one of {', '.join(HOLD_DISTS)}")
        if not 0 <= self.foreign < self.max_connections:
            raise ValueError(
                f"foreign connections must leave a free slot: 0 <= foreign < "
                f"max_connections ({self.max_connections})"
            )
        if not 0 < self.band < 1:
            raise ValueError("the convergence band is a fraction between 0 and 1")
        if not 0 <= self.seed < 2**64:
            raise ValueError("a seed is an integer from 0 to 2**64-1")
        if self.max_events < 1 or self.max_time <= 0:
            raise ValueError("the bounds (events, simulated time) must be positive")

    @property
    def total_clients(self) -> int:
        return self.processes * self.clients

    @property
    def connections(self) -> int:
        """Connections opened in all when every client is served."""
        return self.total_clients * self.rounds

    @property
    def free(self) -> int:
        return self.max_connections - self.foreign

    def holds(self) -> list[float]:
        """Every connection's hold: client ``i``'s round ``r`` is ``[i * rounds + r]``, the
        clients numbered process by process (seeded: the same for every run)."""
        return draw_holds(self.hold_dist, self.hold, self.connections, self.seed)

    @property
    def ideal_makespan(self) -> float:
        """Every free slot busy all the time, no gap between holders (the storm's ideal)."""
        return math.fsum(self.holds()) / self.free

    def title(self) -> str:
        holds = "" if self.hold_dist == "fixed" else f" ({self.hold_dist} holds, mean)"
        rounds = f" x {self.rounds} rounds" if self.rounds > 1 else ""
        return (
            f"{self.processes} process(es) x {self.clients} clients{rounds} x "
            f"SELECT SLEEP({self.hold:g}){holds}, max_connections={self.max_connections}"
            + (f" ({self.foreign} foreign)" if self.foreign else "")
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
