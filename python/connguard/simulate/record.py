"""What a run records as it goes: the processes' limits and demand, probes, attempts,
completions. The server records its own count and refusals (:mod:`.server`)."""

from __future__ import annotations

__all__ = ["Recorder"]


class Recorder:
    def __init__(self) -> None:
        self.limits = 0  # the processes' limits, summed
        self.effective = 0  # sum of min(limit, wanting): what each would put on the server
        self.wanting = 0  # clients in a call or holding (the limiter's in_use plus its queue)
        # (time, limits, effective, wanting) at each change
        self.trace: list[tuple[float, int, int, int]] = [(0.0, 0, 0, 0)]
        self.probes: list[float] = []  # when a probe was granted
        self.attempts = 0
        self.completions: list[float] = []  # when each client that succeeded finished
        self.finished = 0  # clients done, served or not

    def changed(self, now: float, limits: int, effective: int, wanting: int) -> None:
        """The sums moved by these deltas at ``now``."""
        self.limits += limits
        self.effective += effective
        self.wanting += wanting
        entry = (now, self.limits, self.effective, self.wanting)
        if self.trace[-1][0] == now:
            self.trace[-1] = entry
        else:
            self.trace.append(entry)
