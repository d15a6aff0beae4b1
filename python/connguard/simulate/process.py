"""Simulated processes: the engine's limiter per process and the engine's call per
client, driven as :mod:`connguard.runner` and :mod:`connguard.gate` drive them.

A client opens its connections one after the other: each is one
:class:`~connguard._native.Call` whose actions are performed in order, as
``runner._steps`` performs them; ``join``, ``rejected``, ``left`` and
``connected`` go to the process's :class:`~connguard._native.Limiter`, whose
grants wake the waiter and whose probe delay arms a timer, as the gate does.
What the runtime does with I/O the model does on the simulated clock: an
attempt goes to the model server (counted at accept, checked once the
handshake's waits and CPU are done); a connection is held for its hold and a
query's round trip, closed, and released to the limiter at the server's end
of stream; the server counts it out ``free_delay`` later.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from connguard import _native
from connguard.simulate.cpu import SERVER, Cpu
from connguard.simulate.loop import Loop
from connguard.simulate.record import Recorder
from connguard.simulate.server import ModelServer
from connguard.simulate.timing import Timing

__all__ = ["TOO_MANY_CONNECTIONS", "Client", "Process", "Runner"]

TOO_MANY_CONNECTIONS = 1040


class Client:
    __slots__ = (
        "call",
        "code",
        "done_at",
        "granted",
        "holds",
        "index",
        "ok",
        "process",
        "round",
        "start",
        "turn",
        "waiting",
    )

    def __init__(self, process: Process, index: int, holds: list[float]) -> None:
        self.process = process
        self.index = index  # its waiter number at the process's limiter
        self.holds = holds  # one per round
        self.round = 0
        self.call: _native.Call | None = None
        self.start = 0.0  # when the current call started
        self.waiting = False  # at the gate, for a grant or its deadline
        self.granted = False  # granted while not yet waiting (the gate's turn, set early)
        self.turn = 0  # counts the waits: an expiry of an earlier wait is stale
        self.ok = False
        self.code: int | None = None  # the last error of a client that gave up
        self.done_at: float | None = None


class Process:
    __slots__ = ("clients", "effective", "index", "last_done", "limit", "limiter", "wanting")

    def __init__(self, index: int, limiter: _native.Limiter) -> None:
        self.index = index
        self.limiter = limiter
        self.clients: list[Client] = []
        self.limit = limiter.limit
        self.wanting = 0  # clients in a call or holding a connection
        self.effective = 0  # min(limit, wanting), as last recorded
        self.last_done = 0.0


class Runner:
    """Performs every client's call actions on the simulated clock."""

    def __init__(
        self,
        loop: Loop,
        cpu: Cpu,
        server: ModelServer,
        timing: Timing,
        policy: _native.Policy,
        seeds: _native.SplitMix64,
        rng: random.Random,
        record: Recorder,
    ) -> None:
        self.loop = loop
        self.cpu = cpu
        self.server = server
        self.timing = timing
        self.policy = policy
        self.seeds = seeds
        self.record = record
        self._random = rng.random
        self._low = 1.0 - timing.spread
        self._width = 2.0 * timing.spread
        self._actions: dict[str, Callable[[Client, _native.Action], None]] = {
            "join": self._join,
            "rejected": self._rejected,
            "left": self._left,
            "connected": self._connected,
            "retry": _nothing,  # the WARNING line: the model logs nothing
            "done": self._done,
            "give_up": self._give_up,
            "attempt": self._attempt,
            "wait": self._wait,
        }  # no "sleep": every failure here is a refusal (capacity), after which a call waits

    def _time(self, seconds: float) -> float:
        """A step's time: ``seconds`` within +-spread (uniform)."""
        return seconds * (self._low + self._width * self._random()) if seconds else 0.0

    # The process

    def start(self, process: Process) -> None:
        """The process warms up on its CPU, then every client starts its first call."""
        self.cpu.start(process.index, self._time(self.timing.warmup), self._start_clients, process)

    def _start_clients(self, process: Process) -> None:
        for client in process.clients:
            self._call(client)

    def _answer(self, process: Process, actions: _native.LimiterActions) -> None:
        """What the gate does with the limiter's answer: wake the granted, arm the timer."""
        clients = process.clients
        for waiter in actions.granted:
            self._grant(clients[waiter])
        probe_in = actions.probe_in
        if probe_in is not None:
            self.loop.after(probe_in, self._probe, process)
        limit = process.limiter.limit
        if limit != process.limit:
            self._demand(process, limit - process.limit, 0)

    def _demand(self, process: Process, limit: int, wanting: int) -> None:
        """The process's limit or its wanting moved: the sums move with them."""
        process.limit += limit
        process.wanting += wanting
        effective = min(process.limit, process.wanting)
        self.record.changed(self.loop.now, limit, effective - process.effective, wanting)
        process.effective = effective

    def _probe(self, process: Process) -> None:
        actions = process.limiter.probe()
        granted = actions.granted
        if granted:
            self.record.probes.append(self.loop.now)
        self._answer(process, actions)

    def _grant(self, client: Client) -> None:
        if client.waiting:
            client.waiting = False
            self.loop.after(0.0, self._granted, client)
        else:
            client.granted = True

    # A client's calls

    def _call(self, client: Client) -> None:
        client.call = _native.Call(self.policy, self.seeds.next(), True)
        client.start = self.loop.now
        self._demand(client.process, 0, 1)
        self._perform(client, client.call.start())

    def _t(self, client: Client) -> float:
        return self.loop.now - client.start

    def _perform(self, client: Client, actions: list[_native.Action]) -> None:
        for action in actions:
            self._actions[action.do](client, action)

    def _join(self, client: Client, _: _native.Action) -> None:
        self._answer(client.process, client.process.limiter.acquire(client.index))

    def _rejected(self, client: Client, _: _native.Action) -> None:
        self._answer(client.process, client.process.limiter.rejected(client.index))

    def _left(self, client: Client, _: _native.Action) -> None:
        client.granted = False
        self._answer(client.process, client.process.limiter.left(client.index))

    def _connected(self, client: Client, _: _native.Action) -> None:
        self._answer(client.process, client.process.limiter.connected(client.index))

    def _wait(self, client: Client, action: _native.Action) -> None:
        if client.granted:
            client.granted = False
            self.loop.after(0.0, self._granted, client)
            return
        client.waiting = True
        client.turn += 1
        assert action.until is not None
        self.loop.at(client.start + action.until, self._expired, client, client.turn)

    def _granted(self, client: Client) -> None:
        assert client.call is not None
        self._perform(client, client.call.granted(self._t(client)))

    def _expired(self, client: Client, turn: int) -> None:
        if client.waiting and client.turn == turn:
            client.waiting = False
            assert client.call is not None
            self._perform(client, client.call.expired(self._t(client)))

    # An attempt at the model server

    def _attempt(self, client: Client, _: _native.Action) -> None:
        self.record.attempts += 1
        cpu = self._time(self.timing.open_cpu)
        self.cpu.run(client.process.index, cpu, self._arrive, client)

    def _arrive(self, client: Client) -> None:
        """Counted at accept (or refused there: the client hears it instead of the greeting),
        then the handshake: waits, the client's CPU, the server's CPU, the check."""
        wait = self._time(self.timing.auth_wait)
        if self.server.accept(self.loop.now):
            self.loop.after(wait, self._authenticate, client)
        else:
            self.loop.after(wait, self._failed, client)

    def _authenticate(self, client: Client) -> None:
        # ``then`` of the client's CPU submits the server's, whose ``then`` is the check.
        cpu, server = self._time(self.timing.auth_cpu), self._time(self.timing.server_cpu)
        self.cpu.run(client.process.index, cpu, self.cpu.run, SERVER, server, self._check, client)

    def _check(self, client: Client) -> None:
        if self.server.authenticated(self.loop.now):
            cpu = self._time(self.timing.setup_cpu)
            wait = self._time(self.timing.setup_wait)
            self.cpu.run(client.process.index, cpu, self.loop.after, wait, self._succeeded, client)
            return
        self.cpu.run(SERVER, self._time(self.timing.free_delay), self._counted_out)
        self._failed(client)

    def _counted_out(self) -> None:
        self.server.leave(self.loop.now)

    def _succeeded(self, client: Client) -> None:
        assert client.call is not None
        self._perform(client, client.call.succeeded(self._t(client)))

    def _failed(self, client: Client) -> None:
        assert client.call is not None
        self._perform(client, client.call.failed(self._t(client), TOO_MANY_CONNECTIONS))

    # A connection: its query, its close

    def _done(self, client: Client, _: _native.Action) -> None:
        cpu = self._time(self.timing.query_cpu)
        self.cpu.run(client.process.index, cpu, self._querying, client)

    def _querying(self, client: Client) -> None:
        hold = client.holds[client.round] + self._time(self.timing.query_wait)
        self.loop.after(hold, self._close, client)

    def _close(self, client: Client) -> None:
        cpu, wait = self._time(self.timing.close_cpu), self._time(self.timing.close_wait)
        # The CPU first, then the wait: its ``then`` schedules what follows the wait.
        self.cpu.run(client.process.index, cpu, self.loop.after, wait, self._closed, client)

    def _closed(self, client: Client) -> None:
        """The server's end of stream: the slot goes back to the limiter (the server counts
        the connection out a moment later), and the client goes on or is done."""
        process = client.process
        self.cpu.run(SERVER, self._time(self.timing.free_delay), self._counted_out)
        self._answer(process, process.limiter.released())
        self._demand(process, 0, -1)
        client.round += 1
        if client.round < len(client.holds):
            self._call(client)
        else:
            client.ok = True
            self._finish(client)

    def _give_up(self, client: Client, action: _native.Action) -> None:
        client.code = action.code
        self._demand(client.process, 0, -1)
        self._finish(client)

    def _finish(self, client: Client) -> None:
        now = self.loop.now
        client.done_at = now
        client.process.last_done = now
        self.record.finished += 1
        if client.ok:
            self.record.completions.append(now)


def _nothing(client: Client, action: _native.Action) -> None:
    """An action the model has nothing to do for."""
