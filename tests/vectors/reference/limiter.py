"""Spec 6: the limiter, event by event."""

from reference.decision import Decision
from reference.splitmix64 import SplitMix64

STREAK_CAP = 17  # 2**17 - 1 > any max_limit: the growth reaches every cap
PROBE_SCALE_CAP = 8  # a probe's delay is the schedule's times min(8, 1 + holding)


class Limiter:
    """Spec 6, event by event; each event returns (granted, probe_in)."""

    def __init__(self, policy, seed):
        self.policy = policy
        self.seeds = SplitMix64(seed)
        self.probes = Decision(policy, self.seeds.next_u64())  # its delay(n) is the schedule
        self.retries = 0
        self.limit = policy["limiter"]["initial_limit"]
        self.max_limit = policy["limiter"]["max_limit"]
        self.holding = 0
        self.in_flight = []
        self.queue = []
        self.probing = None
        self.timer_armed = False
        self.slow_start = True
        self.streak = 0  # probes that succeeded since the last rejection

    @property
    def in_use(self):
        return self.holding + len(self.in_flight)

    def acquire(self, w):
        assert w not in self.in_flight and w not in self.queue
        self.queue.append(w)
        return self.settle([])

    def connected(self, w):
        self.in_flight.remove(w)
        self.holding += 1
        self.limit = min(self.max_limit, max(self.limit, self.holding))
        if self.probing == w:
            self.probing = None
            self.streak += 1
            grow = 2 ** min(self.streak, STREAK_CAP) - 1
            self.limit = min(self.max_limit, max(self.limit, self.in_use + grow))
            self.probes, self.retries = Decision(self.policy, self.seeds.next_u64()), 0
        elif self.slow_start:
            self.limit = min(self.max_limit, self.limit + 1)
        return self.settle([])

    def rejected(self, w):
        self.in_flight.remove(w)
        if self.probing == w:
            self.probing = None
        self.limit = self.in_use
        self.slow_start = False
        self.streak = 0
        self.queue.insert(0, w)
        return self.settle([])

    def left(self, w):
        if w in self.in_flight:
            self.in_flight.remove(w)
        elif w in self.queue:
            self.queue.remove(w)
        if self.probing == w:
            self.probing = None
        return self.settle([])

    def released(self):
        assert self.holding > 0
        self.holding -= 1
        return self.settle([])

    def probe(self):
        self.timer_armed = False
        granted = []
        if self.queue and self.probing is None and self.in_use < self.max_limit:
            self.probing = self.queue.pop(0)
            self.in_flight.append(self.probing)
            granted.append(self.probing)
        return self.settle(granted)

    def settle(self, granted):
        while self.queue and self.in_use < self.limit:
            w = self.queue.pop(0)
            self.in_flight.append(w)
            granted.append(w)
        probe_in = None
        capped = self.in_use >= self.max_limit  # no probe could go: a close re-arms it
        if self.queue and self.probing is None and not self.timer_armed and not capped:
            self.timer_armed = True
            self.retries += 1
            probe_in = self.probes.delay(self.retries) * min(PROBE_SCALE_CAP, 1 + self.holding)
        assert self.in_use <= self.max_limit, "max_limit is a hard cap"
        return granted, probe_in

    def state(self):
        return {
            "limit": self.limit,
            "holding": self.holding,
            "in_use": self.in_use,
            "queue": list(self.queue),
        }
