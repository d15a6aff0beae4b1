"""One simulation: a model server, the processes and their clients, run to the end."""

from __future__ import annotations

import random
from collections import Counter
from time import monotonic

from connguard import _native
from connguard.simulate.cpu import Cpu
from connguard.simulate.loop import Loop
from connguard.simulate.process import Client, Process, Runner
from connguard.simulate.record import Recorder
from connguard.simulate.report import Result, convergence, jain, saturated_until
from connguard.simulate.scenario import Scenario
from connguard.simulate.server import ModelServer
from connguard.simulate.timing import Timing

__all__ = ["simulate", "storm_policy"]


def storm_policy(deadline: float) -> _native.Policy:
    """The storm's connguard policy (connguard.storm.strategies.guarded_policy): the
    deadline, attempts enough for it, the default limiter."""
    return _native.Policy.from_dict({"deadline": f"{deadline}s", "max_attempts": 1000})


def simulate(
    scenario: Scenario, timing: Timing | None = None, policy: _native.Policy | None = None
) -> Result:
    """Runs ``scenario`` with ``timing`` (default: :class:`Timing`'s) and each process's
    ``policy`` (default: the storm's, with the scenario's deadline). Deterministic: the
    scenario's seed seeds the limiters, the calls and the timing's spread."""
    started = monotonic()
    if timing is None:
        timing = Timing()
    if policy is None:
        policy = storm_policy(scenario.deadline)
    loop = Loop(scenario.max_events, scenario.max_time)
    server = ModelServer(scenario.max_connections, scenario.foreign)
    record = Recorder()
    seeds = _native.SplitMix64(scenario.seed)
    runner = Runner(
        loop,
        Cpu(loop, scenario.processes, timing.cores, timing.wake),
        server,
        timing,
        policy,
        seeds,
        random.Random(seeds.next()),
        record,
    )
    holds = scenario.holds()
    rounds = scenario.rounds
    processes = []
    for index in range(scenario.processes):
        process = Process(index, _native.Limiter(policy, seeds.next()))
        runner.record.changed(0.0, process.limit, 0, 0)
        first = index * scenario.clients
        process.clients = [
            Client(process, i, holds[(first + i) * rounds : (first + i + 1) * rounds])
            for i in range(scenario.clients)
        ]
        processes.append(process)
        runner.start(process)
    total = scenario.total_clients
    stopped = loop.run(lambda: record.finished == total)
    clients = [c for p in processes for c in p.clients]
    failed = Counter(
        "unfinished" if c.done_at is None else str(c.code) if c.code is not None else "waited"
        for c in clients
        if not c.ok
    )
    served = [
        sum(c.round for c in p.clients) / p.last_done if p.last_done > 0 else 0.0 for p in processes
    ]
    converged, in_band = convergence(record.trace, scenario.free, scenario.band)
    return Result(
        scenario=scenario,
        timing=timing,
        ok=sum(1 for c in clients if c.ok),
        failed=dict(failed),
        makespan=loop.now if stopped else max(c.done_at or 0.0 for c in clients),
        refused=server.refused,
        attempts=record.attempts,
        probes=len(record.probes),
        convergence=converged,
        in_band=in_band,
        saturated=saturated_until(record.trace, scenario.free),
        jain=jain(served),
        peak=server.peak,
        events=loop.events,
        stopped=stopped,
        wall=monotonic() - started,
        server_trace=server.trace,
        trace=record.trace,
        refused_at=server.refused_at,
        probed_at=record.probes,
        completions=record.completions,
    )
