"""Prometheus (``prometheus_client``): the counters and histogram of spec 8.2, and the
limiter's gauges read from the gates at each scrape."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import ClassVar

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from connguard.events import Event
from connguard.metrics import (
    BOUNDS,
    DURATION,
    GAUGES,
    INSTRUMENTS,
    Instrument,
    limiter_gauges,
    record,
)

__all__ = ["PrometheusExporter"]


class _LimiterGauges(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        families = {g: GaugeMetricFamily(g.prometheus, g.help, labels=["server"]) for g in GAUGES}
        for gauge, server, value in limiter_gauges():
            families[gauge].add_metric([server], value)
        yield from families.values()


class PrometheusExporter:
    """A hook exporting to ``registry`` (the default registry unless given).

    One per registry: :meth:`default` is the one the default hooks use.
    """

    _default: ClassVar[PrometheusExporter | None] = None
    _default_lock = threading.Lock()

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self._counters: dict[Instrument, Counter] = {}
        for instrument in INSTRUMENTS:
            if instrument.kind == "counter":
                self._counters[instrument] = Counter(
                    instrument.prometheus.removesuffix("_total"),
                    instrument.help,
                    instrument.labels,
                    registry=registry,
                )
        self._duration = Histogram(
            DURATION.prometheus, DURATION.help, DURATION.labels, buckets=BOUNDS, registry=registry
        )
        registry.register(_LimiterGauges())

    @classmethod
    def default(cls) -> PrometheusExporter:
        """The exporter to the default registry, made once per process."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = cls()
            return cls._default

    def __call__(self, event: Event) -> None:
        record(event, self)

    def add(self, instrument: Instrument, labels: tuple[str, ...]) -> None:
        self._counters[instrument].labels(*labels).inc()

    def observe(self, instrument: Instrument, labels: tuple[str, ...], value: float) -> None:
        self._duration.labels(*labels).observe(value)
