"""Running a storm: start the workers together, collect their clients, ask the server."""

from __future__ import annotations

import functools
import json
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import monotonic
from typing import IO, Any

from connguard.storm.measure import Outcome, ServerWatch, summarize
from connguard.storm.scenario import Scenario
from connguard.storm.workers import worker_command

__all__ = ["Server", "pairs", "run_storm"]


def pairs(adapters: Sequence[str], strategies: Sequence[str]) -> list[tuple[str, str]]:
    """The (adapter, strategy) pairs to run, in that order."""
    return [(adapter, strategy) for adapter in adapters for strategy in strategies]


@dataclass(frozen=True)
class Server:
    connect: dict[str, Any]  # host, port, user, password, database for the clients
    admin: dict[str, Any] | None  # a root connection outside max_connections, for status


class _Worker:
    def __init__(self, command: list[str], job: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.stdin: IO[str] = self.proc.stdin  # type: ignore[assignment]
        self.stdout: IO[str] = self.proc.stdout  # type: ignore[assignment]
        self.stdin.write(json.dumps(job) + "\n")
        self.stdin.flush()
        self.clients: list[dict[str, Any]] = []

    def wait_ready(self) -> None:
        line = self.stdout.readline().strip()
        if line != "ready":
            self.proc.kill()
            raise RuntimeError(f"storm worker did not start (said {line!r}); see its stderr")

    def go(self) -> None:
        self.stdin.write("go\n")
        self.stdin.flush()

    def collect(self, on_client: Callable[[], None]) -> None:
        for line in self.stdout:
            record = json.loads(line)
            if record.get("end"):
                return
            self.clients.append(record)
            on_client()

    def finish(self, timeout: float) -> None:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_once(
    server: Server,
    scenario: Scenario,
    adapter: str,
    strategy: str,
    watch: ServerWatch | None,
    on_client: Callable[[], None] = lambda: None,
) -> Outcome:
    """One storm with one adapter and one strategy."""
    if watch is not None:
        watch.settle()
        refused_before = watch.status("Aborted_connects")
    workers = [
        _Worker(
            worker_command(adapter),
            {
                "adapter": adapter,
                "strategy": strategy,
                "clients": count,
                "hold": scenario.hold,
                "deadline": scenario.deadline,
                "connect": server.connect,
            },
        )
        for count in scenario.split()
    ]
    for worker in workers:
        worker.wait_ready()
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
    outcome = summarize(adapter, strategy, scenario.processes, scenario.ideal_makespan, clients)
    if len(clients) < scenario.clients:  # a worker died: its missing clients count as failed
        outcome.failed["lost"] = scenario.clients - len(clients)
        outcome.clients = scenario.clients
    if watch is not None:
        outcome.samples = watch.stop_sampling()
        outcome.peak_connections = max((n for _, n in outcome.samples), default=0)
        watch.settle()  # a refused connect is counted when its server thread ends
        outcome.refused = watch.status("Aborted_connects") - refused_before
    return outcome


def run_storm(
    server: Server,
    scenario: Scenario,
    adapters: Sequence[str],
    strategies: Sequence[str],
    on_client: Callable[[str, str], None] = lambda adapter, strategy: None,
) -> list[Outcome]:
    """Every (adapter, strategy) pair in turn (see :func:`pairs`), against the same server."""
    watch = ServerWatch(server.admin) if server.admin is not None else None
    try:
        outcomes = []
        for adapter, strategy in pairs(adapters, strategies):
            count = functools.partial(on_client, adapter, strategy)
            outcomes.append(run_once(server, scenario, adapter, strategy, watch, count))
        return outcomes
    finally:
        if watch is not None:
            watch.close()
