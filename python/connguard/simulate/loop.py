"""The discrete-event loop: a simulated clock and the events due on it, bounded.

Events due at the same instant run in the order they were scheduled, so a run
is a function of its inputs alone: the same scenario, timing and seed give
the same result.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

__all__ = ["Loop"]


class Loop:
    def __init__(self, max_events: int, max_time: float) -> None:
        self.now = 0.0
        self.events = 0  # handled so far
        self._max_events = max_events
        self._max_time = max_time
        self._due: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._order = itertools.count()

    def at(self, when: float, action: Callable[..., None], *args: Any) -> None:
        """``action(*args)`` at ``when``, or now if that has passed."""
        heapq.heappush(self._due, (max(when, self.now), next(self._order), action, args))

    def after(self, delay: float, action: Callable[..., None], *args: Any) -> None:
        self.at(self.now + delay, action, *args)

    def run(self, finished: Callable[[], bool]) -> str | None:
        """Runs events in time order until ``finished()`` or nothing is due (None), or a
        bound is reached: then ``"events"`` or ``"time"``."""
        due, pop = self._due, heapq.heappop
        while due and not finished():
            if self.events >= self._max_events:
                return "events"
            when, _, action, args = pop(due)
            if when > self._max_time:
                self.now = self._max_time
                return "time"
            self.now = when
            self.events += 1
            action(*args)
        return None
