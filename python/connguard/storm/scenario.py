"""What a storm is: how many clients, how long each holds its connection, how many processes."""

from __future__ import annotations

from dataclasses import dataclass

# The workers a storm can run: each connects its clients through one adapter.
ADAPTERS = ("python-async", "python-sync", "cpp", "node", "rust")
# How a client connects: the plain driver, tenacity (the best peer), connguard.
STRATEGIES = ("none", "tenacity", "connguard")


@dataclass(frozen=True)
class Scenario:
    clients: int = 200
    hold: float = 0.05  # seconds each client keeps its connection (SELECT SLEEP(hold))
    processes: int = 1  # the clients are split over this many OS processes
    max_connections: int = 10
    deadline: float = 60.0  # each client gives up after this long (both retrying strategies)

    def __post_init__(self) -> None:
        if self.clients < 1 or self.processes < 1 or self.processes > self.clients:
            raise ValueError("a storm needs 1 <= processes <= clients")
        if self.hold < 0 or self.deadline <= 0:
            raise ValueError("hold must be >= 0 and deadline > 0")

    @property
    def ideal_makespan(self) -> float:
        """The best possible: every slot busy all the time, no gap between holders."""
        return self.clients * self.hold / self.max_connections

    def split(self) -> list[int]:
        """Clients per process, as even as possible."""
        base, extra = divmod(self.clients, self.processes)
        return [base + (1 if i < extra else 0) for i in range(self.processes)]
