"""Running a storm: start the workers together, collect their clients, ask the server."""

from __future__ import annotations

import contextlib
import functools
import json
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from time import monotonic
from typing import IO, Any

from connguard.storm.measure import (
    Outcome,
    ServerWatch,
    jain,
    last_answer,
    longest_idle,
    refusals,
    summarize,
)
from connguard.storm.metrics import sum_snapshots
from connguard.storm.scenario import ADAPTERS, COMPARED, MIX, Scenario
from connguard.storm.workers import worker_command

__all__ = ["Server", "compare_with_oracle", "foreign_connections", "pairs", "run_storm"]


def pairs(adapters: Sequence[str], strategies: Sequence[str]) -> list[tuple[str, str]]:
    """The (adapter, strategy) pairs to run, in that order."""
    return [(adapter, strategy) for adapter in adapters for strategy in strategies]


@dataclass(frozen=True)
class Server:
    connect: dict[str, Any]  # host, port, user, password, database for the clients
    admin: dict[str, Any] | None  # an admin account, for the status counters


class _Worker:
    def __init__(self, adapter: str, job: dict[str, Any]) -> None:
        self.adapter = adapter
        self.proc = subprocess.Popen(
            worker_command(adapter),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.stdin: IO[str] = self.proc.stdin  # type: ignore[assignment]
        self.stdout: IO[str] = self.proc.stdout  # type: ignore[assignment]
        self.stdin.write(json.dumps(job) + "\n")
        self.stdin.flush()
        self.clients: list[dict[str, Any]] = []
        self.metrics: list[dict[str, Any]] | None = None  # its snapshot, when the job asked

    def wait_ready(self) -> None:
        line = self.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(
                f"the {self.adapter} storm worker did not start (said {line!r}); see its stderr"
            )

    def go(self) -> None:
        self.stdin.write("go\n")
        self.stdin.flush()

    def collect(self, on_client: Callable[[], None]) -> None:
        for line in self.stdout:
            record = json.loads(line)
            if record.get("end"):
                return
            if "metrics" in record:
                self.metrics = record["metrics"]
                continue
            self.clients.append(record)
            on_client()

    def finish(self, timeout: float) -> None:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _services(adapter: str) -> list[str]:
    """The adapter of each service: all five for a mix."""
    return list(ADAPTERS) if adapter == MIX else [adapter]


def _jobs(
    server: Server, scenario: Scenario, adapter: str, strategy: str, metrics: bool
) -> list[tuple[str, dict[str, Any]]]:
    """Each worker's adapter and job, service by service (see worker.py for the protocol)."""
    services = _services(adapter)
    holds = scenario.holds()
    slots = scenario.pool_slots() if scenario.pool is not None else scenario.shares()
    queries = scenario.query_split()
    jobs, first = [], 0
    for index, count in enumerate(scenario.split()):
        job: dict[str, Any] = {
            "adapter": services[index // scenario.processes],
            "strategy": strategy,
            "clients": count,
            "hold": scenario.hold,
            "holds": holds[first : first + count],
            "deadline": scenario.deadline,
            "slots": slots[index],
            "connect": server.connect,
        }
        if scenario.pool is not None:
            job["pool"] = scenario.pool
            job["queries"] = queries[index]
        if metrics:
            job["metrics"] = True
        jobs.append((job["adapter"], job))
        first += count
    return jobs


def _metrics(workers: list[_Worker]) -> list[dict[str, Any]] | None:
    """The workers' snapshots summed; None when one of them printed none."""
    snapshots = [w.metrics for w in workers]
    if any(snapshot is None for snapshot in snapshots):
        return None
    return sum_snapshots(s for s in snapshots if s is not None)


def _service_rows(
    scenario: Scenario,
    strategy: str,
    workers: list[_Worker],
    clients: list[dict[str, Any]],
    ideal: float,
    metrics: bool,
) -> list[Outcome]:
    """A mix: one row per service, then the total row with Jain's index over them."""
    rows = []
    for service in ADAPTERS:
        theirs = [w for w in workers if w.adapter == service]
        mine = [c for w in theirs for c in w.clients]
        row = summarize(service, strategy, scenario.processes, ideal, mine)
        row.service = "service"
        row.metrics = _metrics(theirs) if metrics else None
        rows.append(row)
    total = summarize(MIX, strategy, scenario.processes, ideal, clients)
    total.service = "total"
    total.jain = jain([r.ok / r.makespan if r.makespan > 0 else 0.0 for r in rows])
    total.metrics = _metrics(workers) if metrics else None
    return [*rows, total]


def run_once(
    server: Server,
    scenario: Scenario,
    adapter: str,
    strategy: str,
    watch: ServerWatch | None,
    on_client: Callable[[], None] = lambda: None,
    metrics: bool = False,
) -> list[Outcome]:
    """One storm with one adapter (or the mix of all) and one strategy; ``metrics``:
    each worker's metrics snapshot, summed per row (``Outcome.metrics``).

    Its outcome; for a mix, one per service and the total last.
    """
    if watch is not None:
        watch.settle(scenario.foreign)
        refused_before = watch.refused_count()
    workers: list[_Worker] = []
    try:
        for name, job in _jobs(server, scenario, adapter, strategy, metrics):
            workers.append(_Worker(name, job))
        for worker in workers:
            worker.wait_ready()
    except BaseException:
        for worker in workers:
            worker.proc.kill()
            worker.proc.wait()
        raise
    start = monotonic()
    if watch is not None:
        watch.sample_from(start)
    for worker in workers:
        worker.go()
    readers = [threading.Thread(target=w.collect, args=(on_client,)) for w in workers]
    for reader in readers:
        reader.start()
    for reader, worker in zip(readers, workers, strict=True):
        reader.join(timeout=scenario.deadline + 60)  # bounded, whatever a worker does
        worker.finish(timeout=5)
    clients = [c for w in workers for c in w.clients]
    ideal = scenario.ideal_makespan
    if adapter == MIX:
        outcomes = _service_rows(scenario, strategy, workers, clients, ideal, metrics)
    else:
        outcomes = [summarize(adapter, strategy, scenario.processes, ideal, clients)]
        outcomes[0].metrics = _metrics(workers) if metrics else None
    whole = outcomes[-1]
    if len(clients) < scenario.clients:  # a worker died: its missing clients count as failed
        whole.failed["lost"] = scenario.clients - len(clients)
        whole.clients = scenario.clients
    if watch is not None:
        whole.samples = watch.stop_sampling()
        storm = [n - scenario.foreign for _, n in whole.samples]
        whole.peak_connections = max(storm, default=0)
        whole.idle = longest_idle(whole.samples, scenario.max_connections, last_answer(clients))
        watch.settle(scenario.foreign)  # a refused connect is counted when its thread ends
        whole.refused = watch.refused_count() - refused_before
        whole.refusals = refusals(watch.refused, refused_before)
    return outcomes


def compare_with_oracle(outcomes: Sequence[Outcome]) -> None:
    """Give each tenacity and connguard row the makespan of the oracle's row of the same
    adapter (and service) in the same run, when the oracle served all its clients."""
    oracles = {
        (o.adapter, o.service): o.makespan
        for o in outcomes
        if o.strategy == "oracle" and o.ok == o.clients
    }
    for outcome in outcomes:
        if outcome.strategy in COMPARED:
            outcome.oracle = oracles.get((outcome.adapter, outcome.service))


@contextlib.contextmanager
def foreign_connections(server: Server, count: int) -> Iterator[None]:
    """``count`` plain connections of the client account, open for the ``with`` body:
    another tenant's load, taking slots the storm cannot have."""
    import mariadb

    held: list[Any] = []
    try:
        for _ in range(count):
            held.append(mariadb.connect(**server.connect))
        yield
    finally:
        for conn in held:
            with contextlib.suppress(mariadb.Error):
                conn.close()


def run_storm(
    server: Server,
    scenario: Scenario,
    adapters: Sequence[str],
    strategies: Sequence[str],
    on_client: Callable[[str, str], None] = lambda adapter, strategy: None,
    metrics: bool = False,
) -> list[Outcome]:
    """Every (adapter, strategy) pair in turn (see :func:`pairs`), against the same server,
    with ``scenario.foreign`` connections held throughout; ``metrics``: see :func:`run_once`."""
    port = int(server.connect.get("port", 3306))
    watch = ServerWatch(server.admin, port) if server.admin is not None else None
    try:
        if watch is not None:
            watch.settle()
        with foreign_connections(server, scenario.foreign):
            outcomes = []
            for adapter, strategy in pairs(adapters, strategies):
                count = functools.partial(on_client, adapter, strategy)
                outcomes += run_once(server, scenario, adapter, strategy, watch, count, metrics)
        compare_with_oracle(outcomes)
        return outcomes
    finally:
        if watch is not None:
            watch.close()
