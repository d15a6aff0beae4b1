"""connguard storm with the C++ adapter: connguard_storm_worker, built by ``make build-native``.

Its short storm runs with the other adapters' in test_storm.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from connguard.cli import main
from connguard.storm.run import ADAPTERS

WORKER = ADAPTERS["cpp"]


def test_the_cpp_worker_is_built() -> None:
    assert Path(WORKER[0]).name == "connguard_storm_worker", (
        "the C++ worker is not built: run make build-native"
    )


def test_a_strategy_cpp_does_not_have_is_refused_with_exit_status_2() -> None:
    job = {
        "adapter": "cpp",
        "strategy": "tenacity",
        "clients": 1,
        "hold": 0.05,
        "deadline": 1.0,
        "connect": {"host": "127.0.0.1", "port": 1, "user": "u", "password": "", "database": "d"},
    }
    done = subprocess.run(
        WORKER, input=json.dumps(job) + "\n", capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert done.stdout == ""  # not "ready": the storm reports the worker did not start
    assert 'strategy "tenacity" is not available for cpp' in done.stderr


@pytest.mark.integration
def test_storm_command_runs_the_cpp_adapter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "storm.json"
    args = ["storm", "--adapter", "cpp", "--strategy", "none,connguard", "--clients", "20"]
    assert main([*args, "--hold", "20ms", "--json", str(report)]) == 0
    assert "20 clients x SELECT SLEEP(0.02)" in capsys.readouterr().out
    shown = json.loads(report.read_text())["outcomes"]
    assert [(o["adapter"], o["strategy"]) for o in shown] == [("cpp", "none"), ("cpp", "connguard")]
    assert shown[1]["ok"] == 20
