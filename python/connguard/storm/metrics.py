"""``connguard storm --metrics``: the workers' metric snapshots, summed and read.

Each worker of a run with ``--metrics`` prints its process's snapshot (spec
8.3: a list of series sorted by name, then labels). A row's metrics are the
sum over its processes: series of the same name and labels add up (counters,
a histogram's count, sum and buckets, and the limiter's gauges too, since
each process has its own limiter). :class:`Reading` then reads a summed
snapshot the way the storm prints it.

Only the ``connguard`` strategy goes through connguard; the other strategies'
snapshots are empty.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["SERIES", "Reading", "quantile", "sum_snapshots"]

# Every series name of spec 8.2, in its Prometheus spelling (a snapshot's names).
SERIES = (
    "connguard_attempts_total",
    "connguard_attempt_failures_total",
    "connguard_give_ups_total",
    "connguard_connects_total",
    "connguard_connects_retried_total",
    "connguard_connect_duration_seconds",
    "connguard_limiter_limit",
    "connguard_limiter_holding",
    "connguard_limiter_in_flight",
    "connguard_limiter_queued",
)

Snapshot = list[dict[str, Any]]
_Key = tuple[str, tuple[tuple[str, str], ...]]


def _key(series: dict[str, Any]) -> _Key:
    return series["name"], tuple(sorted(series["labels"].items()))


def _le(bound: Any) -> float:
    return math.inf if bound == "+Inf" else float(bound)


def sum_snapshots(snapshots: Iterable[Snapshot]) -> Snapshot:
    """One snapshot whose every series is the sum of the same name and labels in
    ``snapshots``, sorted by name then labels (spec 8.3)."""
    summed: dict[_Key, dict[str, Any]] = {}
    for snapshot in snapshots:
        for series in snapshot:
            key = _key(series)
            into = summed.get(key)
            if "buckets" not in series:
                if into is None:
                    summed[key] = {"name": key[0], "labels": dict(key[1]), "value": 0}
                summed[key]["value"] += series["value"]
                continue
            if into is None:
                into = summed[key] = {
                    "name": key[0],
                    "labels": dict(key[1]),
                    "count": 0,
                    "sum": 0.0,
                    "buckets": {},
                }
            into["count"] += series["count"]
            into["sum"] += series["sum"]
            for bound, cumulative in series["buckets"]:
                into["buckets"][_le(bound)] = into["buckets"].get(_le(bound), 0) + cumulative
    result = [summed[key] for key in sorted(summed)]
    for series in result:
        if "buckets" in series:
            series["buckets"] = [
                ["+Inf" if le == math.inf else le, n] for le, n in sorted(series["buckets"].items())
            ]
    return result


def quantile(q: float, buckets: Sequence[Sequence[Any]]) -> float | None:
    """The ``q`` quantile (0 < q <= 1) estimated from cumulative ``buckets`` as Prometheus's
    ``histogram_quantile`` does: linear within the bucket the rank falls in (the
    first from 0), the highest finite bound when it falls in ``+Inf``; ``None``
    when the histogram is empty."""
    total = int(buckets[-1][1]) if buckets else 0
    if total == 0:
        return None
    rank = q * total
    lower, below = 0.0, 0
    for bound, count in buckets:
        upper, cumulative = _le(bound), int(count)
        if cumulative >= rank:
            if upper == math.inf:
                return lower
            return lower + (upper - lower) * (rank - below) / (cumulative - below)
        lower, below = upper, cumulative
    return lower


@dataclass(frozen=True)
class Reading:
    """What a summed snapshot says, over every service, target and server in it."""

    snapshot: Snapshot

    def _values(self, name: str) -> list[dict[str, Any]]:
        return [s for s in self.snapshot if s["name"] == name]

    def total(self, name: str) -> int:
        """A counter's (or gauge's) sum over its label sets."""
        return sum(int(s["value"]) for s in self._values(name))

    def by(self, name: str, *labels: str) -> Counter[tuple[str, ...]]:
        """A counter's sums by the values of ``labels``."""
        counts: Counter[tuple[str, ...]] = Counter()
        for series in self._values(name):
            counts[tuple(series["labels"][label] for label in labels)] += int(series["value"])
        return counts

    @property
    def attempts(self) -> int:
        return self.total("connguard_attempts_total")

    @property
    def failures(self) -> Counter[tuple[str, ...]]:
        """Failed attempts by (class, code)."""
        return self.by("connguard_attempt_failures_total", "class", "code")

    @property
    def capacity_failures(self) -> int:
        """Attempts refused for capacity: what the server counts as refused (spec 8.2)."""
        return sum(n for (cls, _), n in self.failures.items() if cls == "capacity")

    @property
    def give_ups(self) -> Counter[tuple[str, ...]]:
        """Give-ups by (reason,)."""
        return self.by("connguard_give_ups_total", "reason")

    @property
    def connects(self) -> int:
        return self.total("connguard_connects_total")

    @property
    def retried(self) -> int:
        return self.total("connguard_connects_retried_total")

    def _histogram(self, outcome: str) -> dict[str, Any] | None:
        """The connect-duration histogram of the calls that ended so (``connected``,
        ``gave_up``), summed over services and targets."""
        merged = sum_snapshots(
            [
                [
                    {**s, "labels": {}}
                    for s in self._values("connguard_connect_duration_seconds")
                    if s["labels"].get("outcome") == outcome
                ]
            ]
        )
        return merged[0] if merged else None

    def ended(self, outcome: str) -> int:
        """How many calls the histogram has that ended so (``connected``, ``gave_up``)."""
        histogram = self._histogram(outcome)
        return 0 if histogram is None else int(histogram["count"])

    def duration(self, q: float, outcome: str = "connected") -> float | None:
        """The ``q`` quantile of the time to connect (``outcome`` connected) or to give
        up (``gave_up``), estimated from the histogram's buckets."""
        histogram = self._histogram(outcome)
        return None if histogram is None else quantile(q, histogram["buckets"])
