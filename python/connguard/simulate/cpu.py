"""Where the CPU time of a step goes.

Each process runs one step at a time (an event loop; threads under the GIL),
and a step that finds its process idle costs ``wake`` more (a fraction: an
event loop's turn, caches gone cold): a busy process runs its steps back to
back. With ``cores`` set, the steps running at once (one per process, and
the server's) share that many cores as an operating system's scheduler
shares them, each at min(1, cores / running) of a core (processor sharing);
without, each process has a core of its own and the server's work is free.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable
from typing import Any

from connguard.simulate.loop import Loop

__all__ = ["SERVER", "Cpu"]

# The owner of the server's jobs: its threads run side by side, only cores limit them.
SERVER = -1

_Job = tuple[float, Callable[..., None], tuple[Any, ...]]


class Cpu:
    def __init__(self, loop: Loop, processes: int, cores: int | None, wake: float) -> None:
        self._loop = loop
        self._cores = cores
        self._wake = wake
        self._queues: list[deque[_Job]] = [deque() for _ in range(processes)]
        self._busy = [False] * processes
        # Processor sharing: every running step has had ``_work`` CPU seconds since the
        # start (as of ``_when``); a step of s seconds started at w ends when it reaches
        # w + s: the heap holds those ends, (end, order, owner, then, args).
        self._work = 0.0
        self._when = 0.0
        self._running: list[tuple[float, int, int, Callable[..., None], tuple[Any, ...]]] = []
        self._order = itertools.count()
        self._version = 0  # the pending end event is stale when this moved on

    def run(self, owner: int, seconds: float, then: Callable[..., None], *args: Any) -> None:
        """``then(*args)`` once ``owner`` (a process index, or SERVER) has had ``seconds``
        of CPU, after the steps it submitted before; (1 + ``wake``) times that if the
        process was idle."""
        self._submit(owner, seconds, 1 + self._wake, then, args)

    def start(self, owner: int, seconds: float, then: Callable[..., None], *args: Any) -> None:
        """As :meth:`run`, for a process's first step: nothing to wake."""
        self._submit(owner, seconds, 1.0, then, args)

    def _submit(
        self, owner: int, seconds: float, woken: float, then: Callable[..., None], args: Any
    ) -> None:
        if owner != SERVER:
            if self._busy[owner]:
                self._queues[owner].append((seconds, then, args))
                return  # it runs when the owner's earlier steps are done
            self._busy[owner] = True
            seconds *= woken
        elif self._cores is None:
            self._loop.after(seconds, then, *args)
            return
        self._begin(owner, seconds, then, args)

    def _begin(self, owner: int, seconds: float, then: Callable[..., None], args: Any) -> None:
        if self._cores is None:
            self._loop.after(seconds, self._done, owner, then, args)
            return
        self._advance()
        heapq.heappush(self._running, (self._work + seconds, next(self._order), owner, then, args))
        self._next_end()

    def _rate(self) -> float:
        """The share of a core each running step has."""
        assert self._cores is not None
        return min(1.0, self._cores / len(self._running)) if self._running else 1.0

    def _advance(self) -> None:
        now = self._loop.now
        self._work += (now - self._when) * self._rate()
        self._when = now

    def _next_end(self) -> None:
        self._version += 1
        if self._running:
            left = max(0.0, self._running[0][0] - self._work)
            self._loop.after(left / self._rate(), self._ended, self._version)

    def _ended(self, version: int) -> None:
        if version != self._version:
            return  # the running steps changed since: a later event has the next end
        self._advance()
        running = self._running
        ended = []
        while running and running[0][0] <= self._work + 1e-9:  # a nanosecond: rounding
            _, _, owner, then, args = heapq.heappop(running)
            ended.append((owner, then, args))
        for owner, then, args in ended:
            self._done(owner, then, args)
        self._next_end()

    def _done(self, owner: int, then: Callable[..., None], args: Any) -> None:
        then(*args)  # the steps it submits queue behind: the process is still awake
        if owner != SERVER:
            queue = self._queues[owner]
            if queue:
                seconds, then, args = queue.popleft()
                self._begin(owner, seconds, then, args)
            else:
                self._busy[owner] = False
