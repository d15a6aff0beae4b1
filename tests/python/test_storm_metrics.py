"""``connguard storm --metrics`` with no server: summing the workers' snapshots, reading
them, the metrics table, where the plot marks refusals, and the Python worker's
snapshot line (against a closed loopback port)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest
from rich.console import Console

from connguard.storm.measure import Outcome, refusals
from connguard.storm.metrics import Reading, quantile, sum_snapshots
from connguard.storm.plot import marks
from connguard.storm.table import metrics_table

A = {"service": "default", "target": "mariadb://app@127.0.0.1:3306/main"}
B = {"service": "default", "target": "mysql+aiomysql://app@127.0.0.1:3306/main"}
INF = "+Inf"


def _counter(name: str, labels: dict[str, str], value: int) -> dict[str, Any]:
    return {"name": name, "labels": labels, "value": value}


def _histogram(labels: dict[str, str], counts: list[int], total: float) -> dict[str, Any]:
    """A connect-duration series over the bounds 0.1, 1 and +Inf (``counts`` per bucket)."""
    cumulative = [sum(counts[: i + 1]) for i in range(len(counts))]
    return {
        "name": "connguard_connect_duration_seconds",
        "labels": labels,
        "count": cumulative[-1],
        "sum": total,
        "buckets": [[bound, n] for bound, n in zip([0.1, 1, INF], cumulative, strict=True)],
    }


def _process(attempts: int, refused: int, connected: list[int], limit: int) -> list[dict[str, Any]]:
    """One worker's snapshot: ``refused`` 1040s, then every call connected."""
    return [
        _counter(
            "connguard_attempt_failures_total", {**A, "class": "capacity", "code": "1040"}, refused
        ),
        _counter("connguard_attempts_total", A, attempts),
        _histogram({**A, "outcome": "connected"}, connected, 0.5 * sum(connected)),
        _counter("connguard_connects_total", A, attempts - refused),
        _counter("connguard_limiter_limit", {"server": "127.0.0.1:3306"}, limit),
    ]


def test_sum_adds_counters_histograms_and_gauges_of_the_same_name_and_labels() -> None:
    first = _process(attempts=12, refused=2, connected=[4, 5, 1], limit=5)
    second = _process(attempts=11, refused=1, connected=[0, 8, 2], limit=6)
    second.append(_counter("connguard_attempts_total", B, 3))  # another target: its own series

    summed = sum_snapshots([first, second])

    assert [(s["name"], s["labels"].get("target")) for s in summed] == [
        ("connguard_attempt_failures_total", A["target"]),
        ("connguard_attempts_total", A["target"]),
        ("connguard_attempts_total", B["target"]),
        ("connguard_connect_duration_seconds", A["target"]),
        ("connguard_connects_total", A["target"]),
        ("connguard_limiter_limit", None),
    ]
    values = [s.get("value") for s in summed]
    assert values == [3, 23, 3, None, 20, 11]  # the limits of two processes' limiters add up
    duration = summed[3]
    assert duration["count"] == 20 and duration["sum"] == pytest.approx(10.0)
    assert duration["buckets"] == [[0.1, 4], [1.0, 17], [INF, 20]]
    assert summed[0]["labels"] == {**A, "class": "capacity", "code": "1040"}


def test_sum_of_empty_snapshots_is_empty_and_one_snapshot_sums_to_itself() -> None:
    assert sum_snapshots([[], []]) == []
    one = sorted(
        _process(attempts=3, refused=1, connected=[1, 1, 0], limit=2),
        key=lambda s: (s["name"], sorted(s["labels"].items())),
    )
    assert sum_snapshots([one]) == one


def test_quantile_interpolates_within_a_bucket_as_prometheus_does() -> None:
    buckets: list[list[Any]] = [[0.1, 4], [1, 17], [INF, 20]]
    assert quantile(0.5, buckets) == pytest.approx(0.1 + 0.9 * (10 - 4) / 13)
    assert quantile(0.1, buckets) == pytest.approx(0.05)  # the first bucket starts at 0
    assert quantile(0.99, buckets) == 1.0  # in +Inf: the highest finite bound
    assert quantile(0.5, [[0.1, 0], [1, 0], [INF, 0]]) is None
    assert quantile(0.5, []) is None


def test_a_reading_totals_over_targets_and_splits_by_labels() -> None:
    snapshot = sum_snapshots(
        [
            _process(attempts=12, refused=2, connected=[4, 5, 1], limit=5),
            [
                _counter("connguard_attempts_total", B, 4),
                _counter(
                    "connguard_attempt_failures_total",
                    {**B, "class": "transient", "code": "network"},
                    1,
                ),
                _counter(
                    "connguard_attempt_failures_total",
                    {**B, "class": "capacity", "code": "1203"},
                    2,
                ),
                _counter("connguard_give_ups_total", {**B, "reason": "deadline"}, 1),
                _histogram({**B, "outcome": "connected"}, [0, 10, 0], 5.0),
                _histogram({**B, "outcome": "gave_up"}, [0, 0, 1], 30.0),
            ],
        ]
    )
    read = Reading(snapshot)
    assert read.attempts == 16
    assert read.failures == Counter(
        {("capacity", "1040"): 2, ("capacity", "1203"): 2, ("transient", "network"): 1}
    )
    assert read.capacity_failures == 4
    assert read.give_ups == Counter({("deadline",): 1})
    assert read.connects == 10
    # Connected: 4 under 0.1 s, 15 more under 1 s over both targets: the median is in (0.1, 1].
    assert read.duration(0.5) == pytest.approx(0.1 + 0.9 * (10 - 4) / 15)
    assert read.duration(0.5, "gave_up") == 1.0
    assert (read.ended("connected"), read.ended("gave_up")) == (20, 1)
    assert Reading([]).duration(0.5) is None


def _outcome(strategy: str, metrics: list[dict[str, Any]] | None, **fields: Any) -> Outcome:
    base: dict[str, Any] = {
        "adapter": "python-sync",
        "strategy": strategy,
        "processes": 2,
        "clients": 10,
        "ok": 10,
        "failed": {},
        "refused": 3,
        "makespan": 1.0,
        "ideal": 0.5,
        "wait_p50": 0.1,
        "wait_p99": 0.2,
        "peak_connections": 10,
    }
    return Outcome(**{**base, **fields}, metrics=metrics)


def _render(outcomes: list[Outcome]) -> list[list[str]]:
    console = Console(file=io.StringIO(), width=300)
    console.print(metrics_table(outcomes))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if "│" in line]


def test_the_metrics_table_shows_a_row_per_outcome() -> None:
    snapshot = sum_snapshots([_process(attempts=13, refused=3, connected=[4, 5, 1], limit=5)])
    snapshot.append(_counter("connguard_give_ups_total", {**A, "reason": "deadline"}, 2))
    rows = _render(
        [
            _outcome("tenacity", [], refused=40),
            _outcome("connguard", snapshot),
            _outcome("connguard", snapshot, refused=5, adapter="node"),
            _outcome("connguard", snapshot, refused=None, service="service"),
            _outcome("connguard", None, adapter="mix", service="total"),
        ]
    )
    assert rows == [
        ["python-sync", "tenacity", "-", "not through connguard", *["-"] * 6],
        ["python-sync", "connguard", "13", "capacity 1040: 3", "deadline: 2", "10", "0", "0.280s",
         "1.000s", "3 = 3"],
        ["node", "connguard", "13", "capacity 1040: 3", "deadline: 2", "10", "0", "0.280s",
         "1.000s", "3 != 5"],
        ["python-sync", "connguard", "13", "capacity 1040: 3", "deadline: 2", "10", "0",
         "0.280s", "1.000s", "3 / -"],
        ["total", "connguard", "-", "no snapshot from a worker", *["-"] * 6],
    ]  # fmt: skip


def test_refusals_are_where_the_servers_count_rose() -> None:
    aborted = [(0.0, 7), (0.01, 7), (0.02, 9), (0.03, 10), (0.04, 10)]
    assert refusals(aborted, before=7) == [(0.02, 2), (0.03, 1)]
    assert refusals(aborted, before=10) == []


def test_the_plot_marks_refusals_on_the_connection_line() -> None:
    outcome = _outcome(
        "tenacity",
        [],
        samples=[(0.0, 3), (0.01, 11), (0.02, 10)],
        refusals=[(0.01, 4), (0.02, 1)],
    )
    assert marks(outcome) == [(0.01, 11), (0.02, 10)]


def test_an_outcome_keeps_its_metrics_and_refusals_through_json() -> None:
    snapshot = sum_snapshots([_process(attempts=3, refused=1, connected=[1, 1, 0], limit=2)])
    outcome = _outcome("connguard", snapshot, refusals=[(0.01, 1)])
    again = Outcome.from_json(json.loads(json.dumps(outcome.to_json())))
    assert again == outcome and again.refusals == [(0.01, 1)]
    assert again.metrics == snapshot


def _worker(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The Python worker's lines after ``ready``, for ``job`` against a closed loopback port."""
    connect = {"host": "127.0.0.1", "port": 1, "user": "u", "password": "s3cret", "database": "d"}
    line = json.dumps({"clients": 1, "hold": 0.0, "connect": connect, **job})
    done = subprocess.run(
        [sys.executable, "-m", "connguard.storm.worker"],
        input=line + "\ngo\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    first, *rest = done.stdout.splitlines()
    assert first == "ready"
    assert "s3cret" not in done.stdout + done.stderr
    return [json.loads(line) for line in rest]


@pytest.mark.parametrize("adapter", ["python-sync", "python-async"])
def test_the_worker_writes_its_snapshot_before_the_end(adapter: str) -> None:
    """Refused by a closed port until the deadline: every attempt failed (transient), the
    call gave up, and the snapshot line comes after the client's line."""
    client, metrics, end = _worker(
        {"adapter": adapter, "strategy": "connguard", "deadline": 0.3, "metrics": True}
    )
    assert client["ok"] is False and end == {"end": True}
    read = Reading(metrics["metrics"])
    assert read.attempts >= 1
    assert sum(read.failures.values()) == read.attempts  # as 2002 or 2003, by driver
    assert {cls for cls, _ in read.failures} == {"transient"}
    assert sum(read.give_ups.values()) == 1 and read.connects == 0
    gauges = {s["name"]: s["value"] for s in metrics["metrics"] if "server" in s["labels"]}
    assert gauges["connguard_limiter_holding"] == gauges["connguard_limiter_queued"] == 0


def test_the_worker_writes_an_empty_snapshot_for_a_strategy_without_connguard() -> None:
    lines = _worker({"adapter": "python-sync", "strategy": "none", "deadline": 1, "metrics": True})
    assert lines[1:] == [{"metrics": []}, {"end": True}]


def test_the_worker_writes_no_snapshot_unless_asked() -> None:
    lines = _worker({"adapter": "python-sync", "strategy": "connguard", "deadline": 0.1})
    assert [line for line in lines if "metrics" in line] == [] and lines[-1] == {"end": True}
