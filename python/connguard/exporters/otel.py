"""OpenTelemetry (``opentelemetry-api``): spec 8.2's instruments on a meter named
``connguard``. With no SDK configured the API's instruments do nothing; configure a
``MeterProvider`` (before or after connguard starts: the global one is a proxy)."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import version

from opentelemetry import metrics as otel
from opentelemetry.metrics import CallbackOptions, MeterProvider, Observation

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

__all__ = ["OpenTelemetryExporter"]


def _observe(gauge: Instrument) -> otel.CallbackT:
    def callback(_options: CallbackOptions) -> Iterable[Observation]:
        return [
            Observation(value, {"server": server})
            for found, server, value in limiter_gauges()
            if found is gauge
        ]

    return callback


class OpenTelemetryExporter:
    """A hook recording into ``meter_provider`` (the global one unless given)."""

    def __init__(self, meter_provider: MeterProvider | None = None) -> None:
        meter = otel.get_meter("connguard", version("connguard"), meter_provider)
        self._counters = {
            i: meter.create_counter(i.otel, unit=i.unit, description=i.help)
            for i in INSTRUMENTS
            if i.kind == "counter"
        }
        self._duration = meter.create_histogram(
            DURATION.otel,
            unit=DURATION.unit,
            description=DURATION.help,
            explicit_bucket_boundaries_advisory=list(BOUNDS),
        )
        for gauge in GAUGES:
            meter.create_observable_gauge(
                gauge.otel, callbacks=[_observe(gauge)], unit=gauge.unit, description=gauge.help
            )

    def __call__(self, event: Event) -> None:
        record(event, self)

    def add(self, instrument: Instrument, labels: tuple[str, ...]) -> None:
        self._counters[instrument].add(1, dict(zip(instrument.labels, labels, strict=True)))

    def observe(self, instrument: Instrument, labels: tuple[str, ...], value: float) -> None:
        self._duration.record(value, dict(zip(instrument.labels, labels, strict=True)))
