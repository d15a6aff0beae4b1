"""``connguard storm --metrics`` on the real server, per adapter: what each worker's
metrics say, summed over its processes, against the clients' own records and the
server's count of refused connects (spec 8.2, issue 15)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connguard.cli import main
from connguard.storm.measure import Outcome
from connguard.storm.metrics import SERIES, Reading, sum_snapshots
from connguard.storm.run import Server, run_storm
from connguard.storm.scenario import ADAPTERS, MIX, Scenario
from connguard.testing import ServerUnderTest

pytestmark = pytest.mark.integration

GAUGES = [name for name in SERIES if name.startswith("connguard_limiter_")]


def _storm(mariadb_server: ServerUnderTest, *args: Any, **kwargs: Any) -> list[Outcome]:
    """``run_storm(server, *args, **kwargs)`` on the shared server; the storm's
    watch of the server takes the harness's admin slot meanwhile."""
    with mariadb_server.lend_admin_slot() as admin:
        server = Server(dict(mariadb_server.connect_kwargs()), dict(admin))
        return run_storm(server, *args, **kwargs)


def _consistent(outcome: Outcome) -> Reading:
    """What holds of any connguard row: every attempt connected or failed, every
    connected call is a client's connect, each call's end is in the histogram, and no
    caller is left at the gate."""
    assert outcome.metrics, outcome
    read = Reading(outcome.metrics)
    assert read.attempts == read.connects + sum(read.failures.values()), outcome.metrics
    assert read.connects == outcome.ok, outcome
    assert sum(read.give_ups.values()) == outcome.clients - outcome.ok, outcome
    assert read.ended("connected") == read.connects
    assert read.ended("gave_up") == sum(read.give_ups.values())
    assert read.total("connguard_limiter_in_flight") == read.total("connguard_limiter_queued") == 0
    assert read.total("connguard_limiter_holding") == 0  # every connection closed, its slot too
    return read


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_capacity_failures_are_the_servers_refusals(
    adapter: str, mariadb_server: ServerUnderTest
) -> None:
    """Two processes, nothing else connecting: the capacity failures summed over them
    are exactly the connects the server refused, and every client connected."""
    scenario = Scenario(
        clients=60,
        hold=0.05,
        processes=2,
        max_connections=mariadb_server.max_connections,
        deadline=30,
    )
    (outcome,) = _storm(mariadb_server, scenario, [adapter], ["connguard"], metrics=True)
    assert outcome.ok == scenario.clients, outcome
    read = _consistent(outcome)
    assert read.connects == scenario.clients
    assert read.capacity_failures == outcome.refused, outcome
    names = {s["name"] for s in outcome.metrics or []}
    assert names == set(SERIES) - {"connguard_give_ups_total"}  # nobody gave up
    assert read.total("connguard_limiter_limit") >= 2  # one limiter per process
    mariadb_server.wait_for_connections(0)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_give_ups_are_counted_by_reason(adapter: str, mariadb_server: ServerUnderTest) -> None:
    """40 clients holding 0.2 s with a 0.5 s deadline: 10 slots connect at most 30 of
    them in time, so some give up (reason deadline) and every series of spec 8.2 shows."""
    scenario = Scenario(
        clients=40, hold=0.2, max_connections=mariadb_server.max_connections, deadline=0.5
    )
    assert scenario.max_connections == 10
    (outcome,) = _storm(mariadb_server, scenario, [adapter], ["connguard"], metrics=True)
    assert 0 < outcome.ok <= 30, outcome
    read = _consistent(outcome)
    assert set(read.give_ups) == {("deadline",)}, read.give_ups
    # An attempt cut off at the deadline is refused by nobody, yet the server may count it.
    assert outcome.refused is not None and read.capacity_failures <= outcome.refused
    assert {s["name"] for s in outcome.metrics or []} == set(SERIES)
    mariadb_server.wait_for_connections(0)


def test_foreign_connections_do_not_count_as_refused(mariadb_server: ServerUnderTest) -> None:
    """The foreign connections are opened before the storm's count of refusals starts:
    with 4 of the 10 slots taken, the capacity failures still equal the server's count."""
    scenario = Scenario(
        clients=30,
        hold=0.03,
        processes=2,
        max_connections=mariadb_server.max_connections,
        foreign=4,
        deadline=30,
    )
    (outcome,) = _storm(mariadb_server, scenario, ["python-sync"], ["connguard"], metrics=True)
    read = _consistent(outcome)
    assert read.connects == scenario.clients
    assert read.capacity_failures == outcome.refused, outcome
    mariadb_server.wait_for_connections(0)


def test_a_mix_sums_its_services_into_the_total(mariadb_server: ServerUnderTest) -> None:
    """Each service's row has its own workers' metrics; the total row has them all, and
    only it has the server's count to compare with."""
    scenario = Scenario(
        clients=40,
        hold=0.02,
        max_connections=mariadb_server.max_connections,
        services=len(ADAPTERS),
        deadline=30,
    )
    outcomes = _storm(mariadb_server, scenario, [MIX], ["connguard"], metrics=True)
    *services, total = outcomes
    for service in services:
        assert service.refused is None
        assert Reading(service.metrics or []).connects == service.clients == 8, service
    assert total.metrics == sum_snapshots(s.metrics or [] for s in services)
    assert _consistent(total).capacity_failures == total.refused, total
    mariadb_server.wait_for_connections(0)


def test_storm_command_prints_and_writes_the_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The oracle does not go through connguard: its snapshot is empty; connguard's row
    shows its counts and the check against the server."""
    report = tmp_path / "storm.json"
    args = ["storm", "--clients", "30", "--hold", "20ms", "--strategy", "oracle,connguard"]
    assert main([*args, "--metrics", "--json", str(report)]) == 0
    out = capsys.readouterr().out
    assert "metrics, summed over each row's processes" in out
    assert "not through connguard" in out
    oracle, guarded = json.loads(report.read_text())["outcomes"]
    assert oracle["metrics"] == []
    read = Reading(guarded["metrics"])
    assert read.connects == 30
    check = f"{read.capacity_failures} = {guarded['refused']}"
    assert check in out
