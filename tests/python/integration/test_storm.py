"""connguard storm on the real server: a short storm per adapter (issue 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connguard.cli import main
from connguard.storm.run import Server, run_storm
from connguard.storm.scenario import ADAPTERS, STRATEGIES, Scenario
from connguard.testing import MariaDBServer

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_short_storm_per_adapter(adapter: str, mariadb_server: MariaDBServer) -> None:
    """Plain clients fail; with tenacity's backoff and with connguard all succeed,
    connguard with fewer connects refused by the server."""
    scenario = Scenario(
        clients=60, hold=0.05, max_connections=mariadb_server.max_connections, deadline=30
    )
    admin = {
        "host": mariadb_server.host,
        "port": mariadb_server.admin_port,
        "user": "root",
        "password": "",
    }
    server = Server(dict(mariadb_server.connect_kwargs()), admin)
    runs = {o.strategy: o for o in run_storm(server, scenario, [adapter], STRATEGIES)}
    none, tenacity, guarded = runs["none"], runs["tenacity"], runs["connguard"]

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
