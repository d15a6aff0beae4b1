"""What a storm run measured: the clients' outcomes and what the server saw.

Beside makespan over the ideal (``x ideal``), a run compares each retrying
strategy with the oracle of the same adapter in the same run (``x oracle``:
makespan over the oracle's), finds the longest idle stretch (from the
server's connection samples: the longest time fewer than ``max_connections``
were connected while some client still had to connect) and, with several
services at once (``--adapter mix``), Jain's fairness index over the
services' throughputs.

Refused connects are the server's count, not the clients': the delta, over a
run in which nothing else fails to connect, of the counter where the server's
flavour counts a 1040 (:mod:`connguard.testing.flavour`: MariaDB counts one
refused to an account without CONNECTION ADMIN in ``Aborted_connects``, MySQL
every one in ``Connection_errors_max_connections``), sampled (with the
connections) to show when the refusals came. The connections are
``Threads_connected`` less the watch's own admin connection where it counts
there (always on MySQL; not on MariaDB's ``extra_port``).
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from time import monotonic
from typing import Any

import mariadb

from connguard.testing.flavour import REFUSED_STATUS, admin_counted, flavour_of


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
    peak_connections: int | None  # highest storm connections sampled (foreign ones excluded)
    samples: list[tuple[float, int]] = field(default_factory=list, repr=False)
    completions: list[float] = field(default_factory=list, repr=False)
    idle: float | None = None  # longest idle stretch, seconds (see longest_idle)
    oracle: float | None = None  # the oracle's makespan, same adapter and run, all clients ok
    service: str | None = None  # with --adapter mix: "service" rows, and the "total" row
    jain: float | None = None  # the total row of a mix: Jain's index over the services
    stranded: int | None = None  # the pool scenario: clients still waiting at the deadline
    queries: int | None = None  # the pool scenario: queries done
    # (seconds, connects the server refused since the previous sample), where it refused any
    refusals: list[tuple[float, int]] = field(default_factory=list, repr=False)
    metrics: list[dict[str, Any]] | None = None  # --metrics: the processes' summed snapshot

    @property
    def ratio(self) -> float | None:
        """Makespan over ideal, when every client succeeded."""
        return self.makespan / self.ideal if self.ok == self.clients and self.ideal > 0 else None

    @property
    def x_oracle(self) -> float | None:
        """Makespan over the oracle's (same adapter, same run), when every client succeeded."""
        if self.oracle is None or self.oracle <= 0 or self.ok != self.clients:
            return None
        return self.makespan / self.oracle

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "x_oracle": self.x_oracle}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        fields = {k: v for k, v in data.items() if k not in ("ratio", "x_oracle")}
        fields["samples"] = [tuple(sample) for sample in fields.get("samples", [])]
        fields["refusals"] = [tuple(rise) for rise in fields.get("refusals", [])]
        return cls(**fields)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _failure(client: dict[str, Any]) -> str:
    if client.get("stranded"):
        return "stranded"
    return str(client["code"]) if client["code"] is not None else "network"


def summarize(
    adapter: str,
    strategy: str,
    processes: int,
    ideal: float,
    clients: list[dict[str, Any]],
) -> Outcome:
    oks = [c for c in clients if c["ok"]]
    failed = Counter(_failure(c) for c in clients if not c["ok"])
    waits = [c["wait"] for c in oks]
    pooled = any("queries" in c for c in clients)
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
        stranded=sum(1 for c in clients if c.get("stranded")) if pooled else None,
        queries=sum(int(c.get("queries", 0)) for c in clients) if pooled else None,
    )


def longest_idle(samples: list[tuple[float, int]], full: int, until: float) -> float:
    """The longest stretch before ``until`` in which fewer than ``full`` connections were open.

    ``samples`` are (seconds, server connections) in time order, each taken
    to hold until the next; ``full`` is ``max_connections`` (foreign
    connections count: they are open); ``until`` when the last client had its
    answer from the server (connected, or gave up). Slots idle while every
    client is connected or done are not a strategy's fault, so they do not count.
    """
    if not samples:
        return 0.0
    longest = current = 0.0
    ends = [t for t, _ in samples[1:]] + [until]
    for (time, count), next_time in zip(samples, ends, strict=True):
        if time >= until:
            break
        end = min(next_time, until)
        if count < full:
            current += end - time
            longest = max(longest, current)
        else:
            current = 0.0
    return longest


def refusals(refused: list[tuple[float, int]], before: int) -> list[tuple[float, int]]:
    """Where the server refused connects: (seconds, how many since the previous sample)
    at each sample of its refusal counter (seconds, its value) that rose, from
    ``before`` (its value at the start)."""
    rises, last = [], before
    for time, count in refused:
        if count > last:
            rises.append((time, count - last))
        last = max(last, count)
    return rises


def last_answer(clients: list[dict[str, Any]]) -> float:
    """When the last client connected or gave up (seconds since go)."""
    return max((c["wait"] for c in clients), default=0.0)


def jain(throughputs: list[float]) -> float | None:
    """Jain's fairness index: (sum x)^2 / (n sum x^2), 1 when all are equal, 1/n at worst."""
    squares = math.fsum(x * x for x in throughputs)
    if not throughputs or squares <= 0:
        return None
    return math.fsum(throughputs) ** 2 / (len(throughputs) * squares)


class ServerWatch:
    """Reads the server's status counters over an admin connection, in the server's
    flavour: ``admin`` connects it, ``client_port`` is the clients' (whether the
    admin's port is MariaDB's extra port, whose connections take no slot)."""

    def __init__(self, admin: dict[str, Any], client_port: int) -> None:
        self._conn = mariadb.connect(**admin)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.samples: list[tuple[float, int]] = []  # (seconds, connections)
        self.refused: list[tuple[float, int]] = []  # (seconds, the refusal counter)
        cursor = self._conn.cursor()
        cursor.execute("SELECT VERSION(), @@version_comment")
        flavour = flavour_of(*cursor.fetchone())
        cursor.execute("SHOW GLOBAL VARIABLES LIKE 'extra_port'")
        extra = cursor.fetchone()
        cursor.close()
        extra_port = int(extra[1]) if extra else 0
        self.refused_status = REFUSED_STATUS[flavour]
        counted = admin_counted(flavour, extra_port, int(admin.get("port", 3306)), client_port)
        self._own = 1 if counted else 0  # the watch's connection, in Threads_connected

    def statuses(self, *names: str) -> dict[str, int]:
        """Status counters, in one round trip."""
        marks = ", ".join("?" * len(names))
        with self._lock:
            cursor = self._conn.cursor()
            cursor.execute(f"SHOW GLOBAL STATUS WHERE Variable_name IN ({marks})", names)
            rows = cursor.fetchall()
            cursor.close()
        return {name: int(value) for name, value in rows}

    def status(self, name: str) -> int:
        return self.statuses(name)[name]

    def refused_count(self) -> int:
        """The connects refused with 1040 so far (the flavour's counter)."""
        return self.status(self.refused_status)

    def connections(self) -> int:
        """The clients' connections: ``Threads_connected`` without the watch's own."""
        return self.status("Threads_connected") - self._own

    def settle(self, foreign: int = 0, timeout: float = 15.0) -> None:
        """Wait until no client connection is left from a previous run (but the foreign ones)."""
        end = monotonic() + timeout
        while self.connections() > foreign and monotonic() < end:
            threading.Event().wait(0.02)

    def sample_from(self, start: float, every: float = 0.01) -> None:
        """Sample the connections and the refusal counter on a grid of ``every`` s (10 ms:
        the idle stretch needs them at most 20 ms apart; one status query takes about
        1 ms, a sample late for its turn is taken at once), times relative to ``start``."""
        self.samples, self.refused = [], []
        self._stop.clear()

        def run() -> None:
            due = monotonic()
            while not self._stop.is_set():
                time = monotonic() - start
                now = self.statuses("Threads_connected", self.refused_status)
                self.samples.append((time, now["Threads_connected"] - self._own))
                self.refused.append((time, now[self.refused_status]))
                due = max(due + every, monotonic())
                self._stop.wait(due - monotonic())

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def stop_sampling(self) -> list[tuple[float, int]]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.samples

    def close(self) -> None:
        self._conn.close()
