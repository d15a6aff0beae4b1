"""Metrics of a real storm (docs/spec.md section 8.2): the server's own count agrees.

40 threads connect through connguard.pymysql to a server with 10 slots. The
capacity failures connguard counts are the connects the server refused
(``refused_connects()``: MariaDB counts a 1040 refused to a non-admin account in
``Aborted_connects``, MySQL in ``Connection_errors_max_connections``), exactly:
nothing else connects during the storm. The Prometheus exporter is then
scraped and holds every documented series with the in-memory values.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pymysql
import pytest
from adapters import driver_kwargs
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

import connguard
import connguard.pymysql
from connguard import Metrics, Policy
from connguard.exporters.prometheus import PrometheusExporter
from connguard.metrics import INSTRUMENTS
from connguard.testing import ServerUnderTest

pytestmark = pytest.mark.integration

CLIENTS = 40
POLICY = Policy.from_dict({"deadline": "60s", "max_attempts": 1000})


@pytest.fixture
def observed() -> Iterator[tuple[Metrics, CollectorRegistry]]:
    metrics, registry = Metrics(), CollectorRegistry()
    connguard.reset_gates()
    connguard.set_hooks([metrics, PrometheusExporter(registry)])
    yield metrics, registry
    connguard.set_hooks(None)
    connguard.reset_gates()


def test_a_storm_counts_what_the_server_refused(
    mariadb_server: ServerUnderTest, observed: tuple[Metrics, CollectorRegistry]
) -> None:
    metrics, registry = observed
    mariadb_server.wait_for_connections(0)
    refused_before = mariadb_server.refused_connects()
    errors: list[BaseException] = []

    def client() -> None:
        try:
            conn = connguard.pymysql.connect(
                policy=POLICY, service="worker", **driver_kwargs(mariadb_server, "pymysql")
            )
            with conn.cursor() as cur:
                cur.execute("SELECT SLEEP(0.05)")
            conn.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert errors == []
    mariadb_server.wait_for_connections(0)
    refused = mariadb_server.refused_connects() - refused_before

    worker = {"service": "worker"}
    capacity = metrics.value("connguard_attempt_failures_total", **worker, **{"class": "capacity"})
    failures = metrics.value("connguard_attempt_failures_total", **worker)
    assert capacity == refused
    assert failures == capacity  # nothing else failed
    assert metrics.value("connguard_connects_total", **worker) == CLIENTS
    assert metrics.value("connguard_attempts_total", **worker) == CLIENTS + failures
    assert metrics.value("connguard_connect_duration_seconds", **worker) == CLIENTS
    assert metrics.value("connguard_limiter_holding") == 0

    # A fatal error: the give-up series.
    with pytest.raises(pymysql.err.OperationalError):
        connguard.pymysql.connect(
            policy=POLICY, **driver_kwargs(mariadb_server, "pymysql", password="wrong")
        )

    scraped = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
    }
    names = {name for name, _ in scraped}
    for instrument in INSTRUMENTS:
        suffix = "_count" if instrument.kind == "histogram" else ""
        assert instrument.prometheus + suffix in names
    # The exporter and the in-memory metrics saw the same events.
    for series in metrics.snapshot():
        labels = tuple(sorted(series["labels"].items()))
        if "buckets" in series:
            name = series["name"] + "_count"
            assert scraped[(name, labels)] == series["count"]
        else:
            assert scraped[(series["name"], labels)] == series["value"]
