"""What a storm is: how many clients, how long each holds its connection, how many processes.

Pure arithmetic, no I/O: the per-client holds (:func:`draw_holds`), how the
clients, the free slots and a pool scenario's queries split over the worker
processes, and the ideal makespan.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from typing import Any

# The workers a storm can run: each connects its clients through one adapter.
ADAPTERS = ("python-async", "python-sync", "cpp", "node", "rust")
# ``--adapter mix``: every adapter at once, each as its own service on one server.
MIX = "mix"
# How a client connects: the plain driver, tenacity (the best peer), connguard, and
# oracle: a fixed pool of exactly the process's share of the free slots.
STRATEGIES = ("none", "tenacity", "connguard", "oracle")
# The strategies compared with the oracle's makespan ("x oracle").
COMPARED = ("tenacity", "connguard")
# The pool scenario (--pool/--queries) runs with this adapter only.
POOL_ADAPTER = "python-sync"

HOLD_DISTS = ("fixed", "lognormal", "pareto")
LOGNORMAL_SIGMA = 1.0
PARETO_ALPHA = 1.5
# No client holds longer than this many times the mean.
HOLD_CAP = 20.0
DEFAULT_SEED = 1


def split(total: int, parts: int) -> list[int]:
    """``total`` over ``parts`` as evenly as possible, the larger parts first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _raw_hold(dist: str, mean: float, rng: random.Random) -> float:
    if dist == "lognormal":  # E[exp(N(mu, s))] = exp(mu + s^2 / 2) = mean
        return rng.lognormvariate(math.log(mean) - LOGNORMAL_SIGMA**2 / 2, LOGNORMAL_SIGMA)
    # Pareto with scale x_m = mean (alpha - 1) / alpha has mean `mean` (alpha > 1).
    scale = mean * (PARETO_ALPHA - 1) / PARETO_ALPHA
    return scale * rng.paretovariate(PARETO_ALPHA)


def draw_holds(dist: str, mean: float, count: int, seed: int) -> list[float]:
    """``count`` per-client holds of distribution ``dist`` whose mean is exactly ``mean``.

    ``fixed``: every client holds ``mean``. ``lognormal``: sigma 1 (median
    0.61x the mean). ``pareto``: alpha 1.5 scaled to the mean (minimum 1/3 of
    it, a heavy tail). Draws from ``random.Random(seed)``; no hold exceeds
    ``HOLD_CAP`` x ``mean``; the draws are then scaled (the capped ones kept at
    the cap) so their mean is ``mean`` exactly: every distribution does the
    same total work, only its shape differs.
    """
    if dist not in HOLD_DISTS:
        raise ValueError(f"unknown hold distribution {dist!r}; one of {', '.join(HOLD_DISTS)}")
    if count < 0 or mean < 0:
        raise ValueError("a hold distribution needs count >= 0 and mean >= 0")
    if dist == "fixed" or mean == 0 or count == 0:
        return [mean] * count
    rng = random.Random(seed)
    cap = HOLD_CAP * mean
    holds = [min(cap, _raw_hold(dist, mean, rng)) for _ in range(count)]
    # Water-filling: scale the uncapped holds to the target total, the capped ones
    # kept at the cap; each round ends it or caps at least one more hold.
    target = mean * count
    for _ in range(count + 1):
        total = math.fsum(holds)
        if abs(total - target) <= 1e-12 * target:
            break
        capped = [h >= cap for h in holds]
        fixed = cap * sum(capped)
        room = math.fsum(h for h, c in zip(holds, capped, strict=True) if not c)
        if fixed >= target or room <= 0:  # too few clients for the cap: scale all down
            holds = [h * target / total for h in holds]
            continue
        factor = (target - fixed) / room
        holds = [cap if c else min(cap, h * factor) for h, c in zip(holds, capped, strict=True)]
    return holds


@dataclass(frozen=True)
class Scenario:
    clients: int = 200
    hold: float = 0.05  # mean seconds each client keeps its connection (SELECT SLEEP(hold))
    processes: int = 1  # the clients are split over this many OS processes (per service in mix)
    max_connections: int = 10
    deadline: float = 60.0  # each client gives up after this long (every strategy that waits)
    hold_dist: str = "fixed"
    seed: int = DEFAULT_SEED
    foreign: int = 0  # plain connections held by the orchestrator for the whole storm
    services: int = 1  # 5 with --adapter mix: each its own workers, the clients split over them
    pool: int | None = None  # the pool scenario: each process's pool size
    queries: int | None = None  # ... and the queries of the whole storm, split like the clients

    def __post_init__(self) -> None:
        if self.clients < 1 or self.processes < 1 or self.services < 1:
            raise ValueError("a storm needs at least one client, process and service")
        if self.workers > self.clients:
            raise ValueError(
                f"a storm needs at least one client per process: {self.clients} clients "
                f"over {self.workers} processes"
            )
        if self.hold < 0 or self.deadline <= 0:
            raise ValueError("hold must be >= 0 and deadline > 0")
        if self.hold_dist not in HOLD_DISTS:
            raise ValueError(f"hold distribution must be one of {', '.join(HOLD_DISTS)}")
        if not 0 <= self.foreign < self.max_connections:
            raise ValueError(
                f"foreign connections must leave a free slot: 0 <= foreign < "
                f"max_connections ({self.max_connections})"
            )
        if (self.pool is None) != (self.queries is None):
            raise ValueError("the pool scenario needs both a pool size and a query count")
        if self.pool is not None and (self.pool < 1 or (self.queries or 0) < 1):
            raise ValueError("the pool scenario needs a pool size >= 1 and queries >= 1")

    @property
    def workers(self) -> int:
        """Worker processes in all: ``processes`` per service."""
        return self.processes * self.services

    @property
    def free(self) -> int:
        """Slots the storm can have: ``max_connections`` less the foreign connections."""
        return self.max_connections - self.foreign

    def holds(self) -> list[float]:
        """Every client's hold, in client order (seeded: the same for every run)."""
        return draw_holds(self.hold_dist, self.hold, self.clients, self.seed)

    def service_split(self) -> list[int]:
        """Clients per service, as even as possible."""
        return split(self.clients, self.services)

    def split(self) -> list[int]:
        """Clients per worker process (service by service), as even as possible."""
        return [n for per in self.service_split() for n in split(per, self.processes)]

    def shares(self) -> list[int]:
        """Each worker's share of the free slots, as even as possible (the oracle's pool)."""
        return split(self.free, self.workers)

    def query_split(self) -> list[int]:
        """The pool scenario's queries per worker process."""
        return split(self.queries or 0, self.workers)

    def pool_slots(self) -> list[int]:
        """The pool scenario's oracle: min(pool, share) connections per process."""
        return [min(self.pool or 0, share) for share in self.shares()]

    def work(self) -> float:
        """Seconds of holding in all: the sum of the holds (of every query with a pool)."""
        holds = self.holds()
        if self.queries is None:
            return math.fsum(holds)
        # Each process's queries go round-robin over its clients, each at its client's hold.
        total, first = [], 0
        for clients, queries in zip(self.split(), self.query_split(), strict=True):
            for i, n in enumerate(split(queries, clients)):
                total.append(n * holds[first + i])
            first += clients
        return math.fsum(total)

    @property
    def capacity(self) -> int:
        """Connections that can be busy at once: the free slots (the pools', if fewer)."""
        if self.pool is None:
            return self.free
        return min(self.free, self.pool * self.workers)

    @property
    def ideal_makespan(self) -> float:
        """The best possible: every usable slot busy all the time, no gap between holders."""
        return self.work() / self.capacity

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
