"""What a storm run measured: the clients' outcomes and what the server saw.

Refused connects are the server's count, not the clients': MariaDB counts a
1040 refused to an account without CONNECTION ADMIN in ``Aborted_connects``
(its ``Connection_errors_max_connections`` only counts refusals at accept
time, which such accounts rarely reach), so the storm reads the delta of
``Aborted_connects`` over a run in which nothing else fails to connect.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from time import monotonic
from typing import Any

import mariadb


@dataclass
class Outcome:
    adapter: str
    strategy: str
    processes: int
    clients: int
    ok: int
    failed: dict[str, int]  # error code (or "network") -> clients that failed with it
    refused: int | None  # connects the server refused during the run
    makespan: float  # seconds from the start until the last client finished
    ideal: float
    wait_p50: float | None  # seconds until connected, over the clients that connected
    wait_p99: float | None
    peak_connections: int | None  # highest Threads_connected sampled
    samples: list[tuple[float, int]] = field(default_factory=list, repr=False)
    completions: list[float] = field(default_factory=list, repr=False)

    @property
    def ratio(self) -> float | None:
        """Makespan over ideal, when every client succeeded."""
        return self.makespan / self.ideal if self.ok == self.clients and self.ideal > 0 else None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        fields = {k: v for k, v in data.items() if k != "ratio"}
        fields["samples"] = [tuple(sample) for sample in fields.get("samples", [])]
        return cls(**fields)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarize(
    adapter: str,
    strategy: str,
    processes: int,
    ideal: float,
    clients: list[dict[str, Any]],
) -> Outcome:
    oks = [c for c in clients if c["ok"]]
    failed = Counter(
        str(c["code"]) if c["code"] is not None else "network" for c in clients if not c["ok"]
    )
    waits = [c["wait"] for c in oks]
    return Outcome(
        adapter=adapter,
        strategy=strategy,
        processes=processes,
        clients=len(clients),
        ok=len(oks),
        failed=dict(failed),
        refused=None,
        makespan=max((c["done"] for c in clients), default=0.0),
        ideal=ideal,
        wait_p50=percentile(waits, 50),
        wait_p99=percentile(waits, 99),
        peak_connections=None,
        completions=sorted(c["done"] for c in oks),
    )


class ServerWatch:
    """Reads the server's status counters over an admin connection that takes no slot."""

    def __init__(self, admin: dict[str, Any]) -> None:
        self._conn = mariadb.connect(**admin)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.samples: list[tuple[float, int]] = []

    def status(self, name: str) -> int:
        with self._lock:
            cursor = self._conn.cursor()
            cursor.execute("SHOW GLOBAL STATUS LIKE ?", (name,))
            row = cursor.fetchone()
            cursor.close()
        return int(row[1])

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until no client connection is left from a previous run."""
        end = monotonic() + timeout
        while self.status("Threads_connected") > 0 and monotonic() < end:
            threading.Event().wait(0.02)

    def sample_from(self, start: float, every: float = 0.01) -> None:
        """Sample Threads_connected every ``every`` s, times relative to ``start``."""
        self.samples = []
        self._stop.clear()

        def run() -> None:
            while not self._stop.is_set():
                self.samples.append((monotonic() - start, self.status("Threads_connected")))
                self._stop.wait(every)

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def stop_sampling(self) -> list[tuple[float, int]]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.samples

    def close(self) -> None:
        self._conn.close()
