"""connguard storm on the real server: a short storm per adapter (issue 7)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connguard.cli import main
from connguard.storm.measure import Outcome
from connguard.storm.run import Server, run_storm
from connguard.storm.scenario import ADAPTERS, MIX, STRATEGIES, Scenario
from connguard.testing import ServerUnderTest

pytestmark = pytest.mark.integration


def _storm(mariadb_server: ServerUnderTest, *args: Any, **kwargs: Any) -> list[Outcome]:
    """``run_storm(server, *args, **kwargs)`` on the shared server; the storm's
    watch of the server takes the harness's admin slot meanwhile."""
    with mariadb_server.lend_admin_slot() as admin:
        server = Server(dict(mariadb_server.connect_kwargs()), dict(admin))
        return run_storm(server, *args, **kwargs)


def _within_free_slots(oracle: Outcome, free: int) -> None:
    """The oracle serves every client and never holds more than the free slots.
    ``Threads_connected`` may show one more for a moment: the server counts a
    closed connection out a little after the client has seen its end of stream,
    and a connect in that moment is one more thread, admitted if the old one is
    gone by its check, refused (and retried) if not."""
    assert oracle.ok == oracle.clients, oracle
    assert oracle.refused is not None and oracle.peak_connections is not None
    assert oracle.peak_connections <= free + 1, oracle


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_short_storm_per_adapter(adapter: str, mariadb_server: ServerUnderTest) -> None:
    """Plain clients fail; with tenacity's backoff and with connguard all succeed,
    connguard with fewer connects refused by the server; the oracle serves all
    within the free slots, and the others are measured against it."""
    scenario = Scenario(
        clients=60, hold=0.05, max_connections=mariadb_server.max_connections, deadline=30
    )
    runs = {o.strategy: o for o in _storm(mariadb_server, scenario, [adapter], STRATEGIES)}
    none, tenacity, guarded = runs["none"], runs["tenacity"], runs["connguard"]
    _within_free_slots(runs["oracle"], scenario.free)
    assert guarded.oracle == runs["oracle"].makespan and guarded.x_oracle is not None
    assert tenacity.oracle == runs["oracle"].makespan and none.oracle is None

    assert none.ok < scenario.clients and none.failed.get("1040", 0) > 0
    assert none.refused is not None and none.refused >= none.failed["1040"]  # the server's count
    for outcome in (tenacity, guarded):
        assert outcome.ok == scenario.clients, outcome
        assert outcome.ratio is not None and outcome.ratio >= 1.0  # nothing beats the ideal
        assert outcome.peak_connections is not None and outcome.peak_connections >= 1
    # The limiter queues callers instead of hammering: fewer refusals than blind backoff.
    assert guarded.refused is not None and tenacity.refused is not None
    assert guarded.refused < tenacity.refused, (guarded, tenacity)
    mariadb_server.wait_for_connections(0)


def test_storm_command_writes_table_json_and_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, picture = tmp_path / "storm.json", tmp_path / "storm.png"
    args = [
        "storm",
        "--clients",
        "20",
        "--hold",
        "20ms",
        "--strategy",
        "none,connguard",
        "--json",
        str(report),
        "--plot",
        str(picture),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "20 clients x SELECT SLEEP(0.02)" in out
    shown = json.loads(report.read_text())
    assert [o["strategy"] for o in shown["outcomes"]] == ["none", "connguard"]
    assert shown["outcomes"][1]["ok"] == 20
    assert picture.read_bytes().startswith(b"\x89PNG")


def test_foreign_connections_take_free_slots(mariadb_server: ServerUnderTest) -> None:
    """6 foreign connections held through the storm leave 4 free slots: the oracle
    (two processes, two slots each) stays within them, and so does the ideal."""
    scenario = Scenario(
        clients=24,
        hold=0.03,
        processes=2,
        max_connections=mariadb_server.max_connections,
        foreign=6,
        deadline=30,
    )
    assert scenario.free == 4 and scenario.shares() == [2, 2]
    (oracle,) = _storm(mariadb_server, scenario, ["python-async"], ["oracle"])
    _within_free_slots(oracle, scenario.free)
    assert oracle.ideal == pytest.approx(24 * 0.03 / 4)
    # The foreign connections were there all along (and are gone after the storm).
    assert min(n for _, n in oracle.samples) >= scenario.foreign
    mariadb_server.wait_for_connections(0)


def _no_password(
    mariadb_server: ServerUnderTest, outcomes: list[Outcome], capfd: pytest.CaptureFixture[str]
) -> None:
    """The job line holds the password: nothing a worker wrote, nor the results, does."""
    out, err = capfd.readouterr()
    shown = out + err + json.dumps([o.to_json() for o in outcomes])
    assert mariadb_server.password not in shown


def test_mix_runs_every_adapter_as_a_service(
    mariadb_server: ServerUnderTest, capfd: pytest.CaptureFixture[str]
) -> None:
    """All five adapters at once, each its own service: a row each and a total with
    Jain's fairness index over their throughputs, and the longest idle stretch."""
    scenario = Scenario(
        clients=40,
        hold=0.02,
        max_connections=mariadb_server.max_connections,
        services=len(ADAPTERS),
        deadline=30,
    )
    outcomes = _storm(mariadb_server, scenario, [MIX], ["connguard", "oracle"])
    assert [(o.adapter, o.strategy) for o in outcomes] == [
        *((a, "connguard") for a in ADAPTERS),
        (MIX, "connguard"),
        *((a, "oracle") for a in ADAPTERS),
        (MIX, "oracle"),
    ]
    for outcome in outcomes:
        assert outcome.ok == outcome.clients == (40 if outcome.adapter == MIX else 8), outcome
        if outcome.adapter == MIX:
            assert outcome.jain is not None and 0.0 <= outcome.jain <= 1.0
            assert outcome.idle is not None and 0.0 <= outcome.idle <= outcome.makespan
        if outcome.strategy == "connguard":
            assert outcome.x_oracle is not None  # against the same service's oracle
    _within_free_slots(outcomes[-1], scenario.free)
    _no_password(mariadb_server, outcomes, capfd)
    mariadb_server.wait_for_connections(0)


def test_pool_scenario_oracle_strands_no_client(
    mariadb_server: ServerUnderTest, capfd: pytest.CaptureFixture[str]
) -> None:
    """Pools of 4 in two processes, 240 queries over 20 threads: the oracle's fixed
    pools (4 each, within the 5-slot shares) and connguard's Pool run them all."""
    scenario = Scenario(
        clients=20,
        hold=0.005,
        processes=2,
        max_connections=mariadb_server.max_connections,
        pool=4,
        queries=240,
        deadline=30,
    )
    assert scenario.pool_slots() == [4, 4] and scenario.capacity == 8
    outcomes = _storm(mariadb_server, scenario, ["python-sync"], ["connguard", "oracle"])
    for outcome in outcomes:
        assert outcome.stranded == 0 and outcome.queries == 240, outcome
        assert outcome.ok == outcome.clients == 20, outcome
    oracle = outcomes[-1]
    assert oracle.peak_connections is not None and oracle.peak_connections <= 8
    assert outcomes[0].x_oracle is not None
    _no_password(mariadb_server, outcomes, capfd)
    mariadb_server.wait_for_connections(0)
