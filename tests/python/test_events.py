"""Events, metrics and test mode (docs/spec.md section 8) with a scripted driver.

The events of tests/vectors/events.json come from the real runners and gate:
only the driver is fake (each attempt ends as the case's script says) and test
mode takes the waits out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pymysql
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    HistogramDataPoint,
    InMemoryMetricReader,
    NumberDataPoint,
)
from prometheus_client import CollectorRegistry, generate_latest

import connguard
from conftest import vector_cases
from connguard import Event, Metrics, Policy, PolicySet, retry_call, retry_call_async
from connguard.exporters.otel import OpenTelemetryExporter
from connguard.exporters.prometheus import PrometheusExporter
from connguard.metrics import INSTRUMENTS

EVENTS = vector_cases("events")
TARGET = "mariadb://app:s3cret-pw@127.0.0.1:1/main"  # a DSN: the call goes through its gate
SHOWN = "mariadb://app:***@127.0.0.1:1/main"
SERVER = "127.0.0.1:1"
# What each event's vector form keeps (times are left out, spec 8.1).
FIELDS = {
    "granted": (),
    "attempt": ("attempt",),
    "failed": ("attempt", "code", "class"),
    "retry": ("attempt", "delay"),
    "give_up": ("reason", "attempts", "code", "class"),
    "connected": ("attempts",),
    "released": (),
    "limit": ("limit", "holding", "in_flight", "queued"),
}


class Connection:
    closed = False

    def close(self) -> None:
        self.closed = True


class Script:
    """A connect function whose attempts end as ``outcomes`` say: "ok", a code, None (network)."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = list(outcomes)

    def _next(self) -> Connection:
        outcome = self.outcomes.pop(0)
        if outcome == "ok":
            return Connection()
        if outcome is None:
            raise ConnectionRefusedError(111, "Connection refused")
        raise pymysql.err.OperationalError(outcome, f"error {outcome}")

    def connect(self) -> Connection:
        return self._next()

    async def connect_async(self) -> Connection:
        return self._next()


def vector_form(event: Event) -> list[Any]:
    fields: dict[str, Any] = {}
    for name in FIELDS[event.name]:
        value = getattr(event, "error_class" if name == "class" else name)
        fields[name] = "sleep" if name == "delay" and value is not None else value
    return [event.name, fields]


# Connections a case leaves open, closed once its events are checked: collected
# during a later case, they would release their slots into its events.
_open: list[Connection] = []


@pytest.fixture
def seen() -> Iterator[list[Event]]:
    """Test mode, fresh gates, and every event of the test."""
    found: list[Event] = []
    connguard.set_testing(True)
    connguard.reset_gates()
    connguard.set_hooks([found.append])
    yield found
    connguard.set_hooks([])
    while _open:
        _open.pop().close()
    connguard.set_hooks(None)
    connguard.set_testing(False)
    connguard.reset_gates()


def play(case: dict[str, Any], asynchronous: bool) -> Connection | None:
    policy = PolicySet.parse(case["policy"], "vector.toml").defaults
    script = Script([step for step in case["script"] if step != "close"])
    target = TARGET if case["gated"] else None
    try:
        if asynchronous:
            conn = asyncio.run(retry_call_async(policy, script.connect_async, target=target))
        else:
            conn = retry_call(policy, script.connect, target=target)
    except (pymysql.err.OperationalError, ConnectionRefusedError):
        return None
    if "close" in case["script"]:
        conn.close()
    else:
        _open.append(conn)
    return conn


@pytest.mark.parametrize("asynchronous", [False, True], ids=["threads", "asyncio"])
@pytest.mark.parametrize("case", EVENTS, ids=[c["name"] for c in EVENTS])
def test_events_vector(case: dict[str, Any], asynchronous: bool, seen: list[Event]) -> None:
    play(case, asynchronous)
    assert [vector_form(e) for e in seen] == case["events"]
    for event in seen:
        if event.name in ("limit", "released"):
            assert event.server == (SERVER if case["gated"] else None)
        else:
            assert (event.service, event.target) == ("default", SHOWN if case["gated"] else "-")
        assert "s3cret" not in repr(event)


def test_events_carry_times(seen: list[Event]) -> None:
    play(next(c for c in EVENTS if c["name"] == "gated_capacity_waits_for_a_probe"), False)
    times = [e.elapsed or 0.0 for e in seen if e.name in ("failed", "retry", "connected")]
    assert len(times) == 3
    assert times == sorted(times)
    assert all(e.waited is not None and e.waited >= 0 for e in seen if e.name == "granted")


def scripted_call(case_name: str) -> None:
    play(next(c for c in EVENTS if c["name"] == case_name), False)


def test_metrics_of_a_scripted_call(seen: list[Event]) -> None:
    metrics = Metrics()
    connguard.add_hook(metrics)
    scripted_call("gated_capacity_waits_for_a_probe")  # 1040, then ok, then close
    scripted_call("fatal_on_the_first_attempt")  # ungated: target "-"
    call = {"service": "default", "target": SHOWN}
    assert metrics.value("connguard_attempts_total", **call) == 2
    assert metrics.value("connguard_attempt_failures_total", **call, code="1040") == 1
    assert metrics.value("connguard_attempt_failures_total", **call, **{"class": "capacity"}) == 1
    assert metrics.value("connguard_connects_total", **call) == 1
    assert metrics.value("connguard_connects_retried_total", **call) == 1
    assert metrics.value("connguard_connect_duration_seconds", outcome="connected") == 1
    assert metrics.value("connguard_give_ups_total", target="-", reason="fatal") == 1
    assert metrics.value("connguard_connect_duration_seconds", outcome="gave_up") == 1
    # The gauges are the gate's state now: the connection is closed.
    assert metrics.value("connguard_limiter_holding", server=SERVER) == 0
    assert metrics.value("connguard_limiter_limit", server=SERVER) == 2
    snapshot = metrics.snapshot()
    assert snapshot == sorted(snapshot, key=lambda s: (s["name"], sorted(s["labels"].items())))
    duration = next(s for s in snapshot if s["name"] == "connguard_connect_duration_seconds")
    assert duration["buckets"][-1] == ["+Inf", duration["count"]]
    assert [n for _, n in duration["buckets"]] == sorted(n for _, n in duration["buckets"])
    assert {s["name"] for s in snapshot} == {i.prometheus for i in INSTRUMENTS}


METRICS = vector_cases("metrics")
# Spec 8.1's field names where Event's differ ("class" is a keyword).
_FIELDS = {"class": "error_class"}


def vector_event(fields: dict[str, Any]) -> Event:
    return Event(**{_FIELDS.get(key, key): value for key, value in fields.items()})


@pytest.mark.parametrize("case", METRICS, ids=[c["name"] for c in METRICS])
def test_metrics_vector(case: dict[str, Any]) -> None:
    metrics = Metrics()
    for fields in case["events"]:
        metrics(vector_event(fields))
    # The gauges are the gates' state, not counted from events: left out (spec 8.2).
    counted = [s for s in metrics.snapshot() if not s["name"].startswith("connguard_limiter_")]
    assert counted == [
        {**s, "sum": pytest.approx(s["sum"], abs=1e-9)} if "sum" in s else s
        for s in case["snapshot"]
    ]


def test_opentelemetry_in_memory_reader(seen: list[Event]) -> None:
    reader = InMemoryMetricReader()
    connguard.add_hook(OpenTelemetryExporter(MeterProvider(metric_readers=[reader])))
    scripted_call("gated_capacity_waits_for_a_probe")
    scripted_call("fatal_on_the_first_attempt")
    data = reader.get_metrics_data()
    assert data is not None
    found = {
        m.name: m
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        if sm.scope.name == "connguard"
        for m in sm.metrics
    }
    assert set(found) == {i.otel for i in INSTRUMENTS}

    def points(name: str, *keys: str) -> set[tuple[Any, ...]]:
        return {
            (*(dict(p.attributes or {})[k] for k in keys), p.value)
            for p in found[name].data.data_points
            if isinstance(p, NumberDataPoint)
        }

    assert points("connguard.attempts", "target") == {(SHOWN, 2), ("-", 1)}
    assert points("connguard.attempt.failures", "class", "code") == {
        ("capacity", "1040", 1),
        ("fatal", "1045", 1),
    }
    assert points("connguard.limiter.limit", "server") == {(SERVER, 2)}
    durations = found["connguard.connect.duration"].data.data_points
    assert sorted(p.count for p in durations if isinstance(p, HistogramDataPoint)) == [1, 1]


def test_prometheus_exporter_renders_every_series(seen: list[Event]) -> None:
    registry = CollectorRegistry()
    connguard.add_hook(PrometheusExporter(registry))
    scripted_call("gated_capacity_waits_for_a_probe")
    scripted_call("fatal_on_the_first_attempt")
    text = generate_latest(registry).decode()
    for instrument in INSTRUMENTS:
        assert f"# TYPE {instrument.prometheus} {instrument.kind}" in text
    assert (
        'connguard_attempt_failures_total{class="capacity",code="1040",service="default",'
        f'target="{SHOWN}"}} 1.0'
    ) in text
    assert f'connguard_limiter_limit{{server="{SERVER}"}} 2.0' in text


@pytest.mark.parametrize("asynchronous", [False, True], ids=["threads", "asyncio"])
def test_set_testing_takes_the_waits_out(asynchronous: bool, seen: list[Event]) -> None:
    # Real delays would add up to seconds (100ms doubling, no jitter); test mode skips them.
    policy = Policy.from_dict(
        {"max_attempts": 11, "initial_delay": "100ms", "jitter": "none", "deadline": "60s"}
    )
    script = Script([2013] * 10 + ["ok"])
    if asynchronous:
        conn = asyncio.run(retry_call_async(policy, script.connect_async))
    else:
        conn = retry_call(policy, script.connect)
    assert isinstance(conn, Connection)
    assert [e.attempts for e in seen if e.name == "connected"] == [11]
    assert [e.delay for e in seen if e.name == "retry"] == [min(0.1 * 2**n, 5.0) for n in range(10)]


def test_set_testing_caps_attempts(seen: list[Event]) -> None:
    connguard.set_testing(True, attempts=3)
    script = Script([2013] * 10 + ["ok"])
    with pytest.raises(pymysql.err.OperationalError) as raised:
        retry_call(Policy.from_dict({"max_attempts": 11}), script.connect)
    assert connguard.give_up_info(raised.value).reason == "attempts"  # type: ignore[union-attr]
    assert [(e.name, e.attempts) for e in seen if e.name == "give_up"] == [("give_up", 3)]
    with pytest.raises(ValueError, match="at least 1"):
        connguard.set_testing(True, attempts=0)


def test_no_hook_builds_no_event(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    original: Callable[..., Event] = connguard.events.Event

    def counting(*args: Any, **kwargs: Any) -> Event:
        built.append(args[0])
        return original(*args, **kwargs)

    for module in (connguard.runner, connguard.gate):
        monkeypatch.setattr(module, "Event", counting)
    connguard.set_hooks([])
    connguard.set_testing(True)
    try:
        scripted_call("gated_capacity_waits_for_a_probe")
        scripted_call("capacity_then_network_then_ok")
    finally:
        connguard.set_hooks(None)
        connguard.set_testing(False)
        connguard.reset_gates()
    assert built == []


def test_a_failing_hook_is_logged_and_changes_nothing(
    seen: list[Event], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: Event) -> None:
        raise RuntimeError("hook bug")

    connguard.add_hook(broken)
    conn = retry_call(Policy(), Script(["ok"]).connect, target=TARGET)
    conn.close()
    assert [e.name for e in seen] == ["granted", "attempt", "limit", "connected", "released"]
    _, (_, holding, in_flight, queued) = connguard.gate.gate_states()[0]
    assert (holding, in_flight, queued) == (0, 0, 0)
    failures = [r for r in caplog.records if "hook" in r.getMessage()]
    assert len(failures) == 5
    assert all("hook bug" in (r.exc_text or "") for r in failures)
