"""The storm's workers in other languages: C++ and Rust (built by ``make``), Node.

Their short storms run with the Python adapters' in test_storm.py."""

from __future__ import annotations

import json
import subprocess

import pytest

from connguard.storm.workers import worker_command

BUILT = ["cpp", "node", "rust"]
JOB = {
    "clients": 1,
    "hold": 0.05,
    "deadline": 1.0,
    "connect": {"host": "127.0.0.1", "port": 1, "user": "u", "password": "s3cret", "database": "d"},
}


def _run(adapter: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        worker_command(adapter), input=stdin, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("adapter", BUILT)
def test_an_unknown_strategy_is_refused_with_exit_status_2(adapter: str) -> None:
    done = _run(adapter, json.dumps({**JOB, "adapter": adapter, "strategy": "blind"}) + "\n")
    assert done.returncode == 2, done.stderr  # a worker not built fails with 1 and says so
    assert done.stdout == ""  # not "ready": the storm reports the worker did not start
    assert "unknown strategy" in done.stderr and '"blind"' in done.stderr
    assert "s3cret" not in done.stderr


@pytest.mark.parametrize("adapter", BUILT)
def test_no_go_means_no_client_runs(adapter: str) -> None:
    done = _run(adapter, json.dumps({**JOB, "adapter": adapter, "strategy": "none"}) + "\nstop\n")
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["ready"]  # and no client line


@pytest.mark.parametrize("adapter", BUILT)
def test_the_oracle_needs_its_slots(adapter: str) -> None:
    job = {**JOB, "adapter": adapter, "strategy": "oracle"}
    done = _run(adapter, json.dumps(job) + "\n")
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and "slots" in done.stderr
    assert "s3cret" not in done.stderr


@pytest.mark.parametrize("adapter", BUILT)
def test_holds_need_one_per_client(adapter: str) -> None:
    job = {**JOB, "adapter": adapter, "strategy": "oracle", "slots": 1, "holds": [0.1, 0.2]}
    done = _run(adapter, json.dumps(job) + "\n")
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and "holds" in done.stderr
    assert "s3cret" not in done.stderr


@pytest.mark.parametrize("adapter", BUILT)
def test_the_oracle_with_its_slots_starts(adapter: str) -> None:
    job = {**JOB, "adapter": adapter, "strategy": "oracle", "slots": 1, "holds": [0.1]}
    done = _run(adapter, json.dumps(job) + "\nstop\n")
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["ready"]
