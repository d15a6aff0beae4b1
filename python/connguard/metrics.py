"""Metrics (docs/spec.md section 8.2): one mapping from events to instruments.

:func:`record` is the only place that decides which instrument an event moves;
:class:`Metrics` (in memory, with the snapshot of section 8.3) and the
exporters in :mod:`connguard.exporters` are the recorders it writes into. The
limiter's gauges are read from the live gates when a recorder collects.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any, Protocol

from connguard.events import Event, Hook
from connguard.gate import gate_states

__all__ = [
    "ATTEMPTS",
    "BOUNDS",
    "CONNECTS",
    "DURATION",
    "FAILURES",
    "GAUGES",
    "GIVE_UPS",
    "INSTRUMENTS",
    "RETRIED",
    "Instrument",
    "Metrics",
    "Recorder",
    "default_exporters",
    "record",
]


@dataclass(frozen=True, eq=False)  # hashed by identity: each is a module constant
class Instrument:
    otel: str  # the OpenTelemetry instrument's name
    prometheus: str  # the series' name in Prometheus (counters end in _total)
    kind: str  # counter, histogram or gauge
    unit: str
    labels: tuple[str, ...]
    help: str


_CALL = ("service", "target")
ATTEMPTS = Instrument(
    "connguard.attempts", "connguard_attempts_total", "counter", "{attempt}", _CALL,
    "Connection attempts made.",
)  # fmt: skip
FAILURES = Instrument(
    "connguard.attempt.failures", "connguard_attempt_failures_total", "counter", "{attempt}",
    (*_CALL, "class", "code"),
    "Attempts that failed to connect, by error class and code (code 'network' without one).",
)  # fmt: skip
GIVE_UPS = Instrument(
    "connguard.give_ups", "connguard_give_ups_total", "counter", "{call}", (*_CALL, "reason"),
    "Calls that gave up, by reason (fatal, attempts, deadline).",
)  # fmt: skip
CONNECTS = Instrument(
    "connguard.connects", "connguard_connects_total", "counter", "{call}", _CALL,
    "Calls that connected.",
)  # fmt: skip
RETRIED = Instrument(
    "connguard.connects.retried", "connguard_connects_retried_total", "counter", "{call}",
    _CALL, "Calls that connected after more than one attempt.",
)  # fmt: skip
DURATION = Instrument(
    "connguard.connect.duration", "connguard_connect_duration_seconds", "histogram", "s",
    (*_CALL, "outcome"),
    "Seconds from a call's start to connected or given up, waits at the gate included.",
)  # fmt: skip
GAUGES = tuple(
    Instrument(f"connguard.limiter.{field}", f"connguard_limiter_{field}", "gauge",
               "{connection}", ("server",), text)
    for field, text in (
        ("limit", "The limiter's limit: connections and attempts it allows at once."),
        ("holding", "Connections this process holds open through connguard."),
        ("in_flight", "Attempts granted and not yet reported."),
        ("queued", "Callers waiting at the gate for a turn."),
    )
)  # fmt: skip
INSTRUMENTS = (ATTEMPTS, FAILURES, GIVE_UPS, CONNECTS, RETRIED, DURATION, *GAUGES)
BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Recorder(Protocol):
    def add(self, instrument: Instrument, labels: tuple[str, ...]) -> None:
        """Adds 1 to a counter's series."""

    def observe(self, instrument: Instrument, labels: tuple[str, ...], value: float) -> None:
        """Records a value in a histogram's series."""


def record(event: Event, into: Recorder) -> None:
    """Moves the instruments ``event`` moves (spec 8.2's "from" column)."""
    name = event.name
    call = (event.service, event.target)
    if name == "attempt":
        into.add(ATTEMPTS, call)
    elif name == "failed":
        code = "network" if event.code is None else str(event.code)
        into.add(FAILURES, (*call, event.error_class or "", code))
    elif name == "connected":
        into.add(CONNECTS, call)
        if (event.attempts or 0) > 1:
            into.add(RETRIED, call)
        into.observe(DURATION, (*call, "connected"), event.elapsed or 0.0)
    elif name == "give_up":
        into.add(GIVE_UPS, (*call, event.reason or ""))
        into.observe(DURATION, (*call, "gave_up"), event.elapsed or 0.0)


def limiter_gauges() -> list[tuple[Instrument, str, int]]:
    """(gauge, server, value) for every gate of the process, read now."""
    found = []
    for server, state in gate_states():
        for gauge, value in zip(GAUGES, state, strict=True):
            found.append((gauge, server, value))
    return found


class Metrics:
    """A hook that keeps spec 8.2's metrics in memory: for tests, storms and ad hoc looks.

    ``connguard.add_hook(metrics)`` starts it; :meth:`snapshot` renders section 8.3.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[Instrument, tuple[str, ...]], int] = {}
        # series -> [count per bucket (the last is +Inf), sum]
        self._histograms: dict[tuple[Instrument, tuple[str, ...]], list[float]] = {}

    def __call__(self, event: Event) -> None:
        with self._lock:
            record(event, self)

    def add(self, instrument: Instrument, labels: tuple[str, ...]) -> None:
        key = (instrument, labels)
        self._counts[key] = self._counts.get(key, 0) + 1

    def observe(self, instrument: Instrument, labels: tuple[str, ...], value: float) -> None:
        series = self._histograms.setdefault((instrument, labels), [0] * (len(BOUNDS) + 2))
        series[bisect.bisect_left(BOUNDS, value)] += 1
        series[-1] += value

    def value(self, name: str, **labels: str) -> float:
        """The sum of the series of ``name`` whose labels include ``labels`` (a
        histogram's count); 0 when there is none."""
        return sum(
            float(s["value"] if "value" in s else s["count"])
            for s in self.snapshot()
            if s["name"] == name and labels.items() <= s["labels"].items()
        )

    def snapshot(self) -> list[dict[str, Any]]:
        """Every series (spec 8.3), sorted by name then labels; gauges read from the gates now."""
        series: list[dict[str, Any]] = []
        with self._lock:
            for (instrument, labels), count in self._counts.items():
                series.append(_series(instrument, labels, value=count))
            for (instrument, labels), counts in self._histograms.items():
                cumulative, buckets = 0, []
                for bound, n in zip([*BOUNDS, "+Inf"], counts[:-1], strict=True):
                    cumulative += int(n)
                    buckets.append([bound, cumulative])
                series.append(
                    _series(instrument, labels, count=cumulative, sum=counts[-1], buckets=buckets)
                )
        for gauge, server, value in limiter_gauges():
            series.append(_series(gauge, (server,), value=value))
        series.sort(key=lambda s: (s["name"], sorted(s["labels"].items())))
        return series


def _series(instrument: Instrument, labels: tuple[str, ...], **values: Any) -> dict[str, Any]:
    return {
        "name": instrument.prometheus,
        "labels": dict(zip(instrument.labels, labels, strict=True)),
        **values,
    }


def default_exporters() -> list[Hook]:
    """The exporters whose packages are installed (the ``prometheus`` and ``otel`` extras)."""
    found: list[Hook] = []
    if find_spec("prometheus_client") is not None:
        from connguard.exporters.prometheus import PrometheusExporter

        found.append(PrometheusExporter.default())
    if find_spec("opentelemetry") is not None and find_spec("opentelemetry.metrics") is not None:
        from connguard.exporters.otel import OpenTelemetryExporter

        found.append(OpenTelemetryExporter())
    return found
