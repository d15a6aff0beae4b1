"""connguard plan against the embedded MariaDB: it flags an oversubscribed deployment,
and the limits it proposes, applied, carry a storm with no connect refused.

Each of the deployment's processes is a real process here (a limiter is per process):
this file, run as a script, is one, its clients threads through connguard.pymysql.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest

import connguard
import connguard.pymysql
from connguard.cli import main
from connguard.deployment import load_deployment
from connguard.testing import MariaDBServer

pytestmark = pytest.mark.integration

# 4 web processes wanting 6 connections each, 2 job runners wanting 4: 32 against
# max_connections 10 less a reserve of 2.
DEPLOYMENT = """\
[deployment]
reserve = 2

[deployment.service.web]
replicas = 2
processes = 2
pool_size = 6

[deployment.service.jobs]
processes = 2
pool_size = 4
"""
HOLD = 0.2  # each client's query; a process's clients share its cap, so it serializes them
PATIENCE = "60s"  # every client's deadline: the storm is bounded by it, and by TIMEOUT
TIMEOUT = 120.0


def _client_process() -> None:
    """One process of the deployment: the job on stdin, ``go``, then one summary line."""
    job = json.loads(sys.stdin.readline())
    policy = connguard.load_policy(job["policy"], job["service"])
    refused: list[int | None] = []

    def hook(event: connguard.Event) -> None:
        if event.name == "failed" and event.error_class == "capacity":
            refused.append(event.code)

    connguard.add_hook(hook)
    failed: list[str] = []

    def client() -> None:
        try:
            conn = connguard.pymysql.connect(policy=policy, **job["connect"])
        except Exception as exc:
            failed.append(f"{connguard.error_code(exc)}: {exc}")
            return
        try:
            cursor = conn.cursor()
            cursor.execute(f"SELECT SLEEP({job['hold']})")
            cursor.fetchall()
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(job["clients"])]
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"failed": failed, "refused": refused}), flush=True)


def _storm(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs one process per job, all let go at once; their summaries."""
    processes = [
        subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in jobs
    ]
    try:
        for process, job in zip(processes, jobs, strict=True):
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(json.dumps(job) + "\n")  # the password goes on stdin only
            process.stdin.flush()
            assert process.stdout.readline().strip() == "ready"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        summaries = []
        for process in processes:
            out, _ = process.communicate(timeout=TIMEOUT)
            assert process.returncode == 0, out
            summaries.append(json.loads(out))
        return summaries
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def _jobs(
    server: MariaDBServer, policy: Path, accounts: dict[str, tuple[str, str]] | None = None
) -> list[dict[str, Any]]:
    """A job per process of DEPLOYMENT: as many clients at once as its pool's size."""
    jobs = []
    for service in load_deployment(_write(policy.parent / "deployment.toml", DEPLOYMENT)).services:
        connect = dict(server.connect_kwargs())
        if accounts:
            connect["user"], connect["password"] = accounts[service.name]
        job = {
            "policy": str(policy),
            "service": service.name,
            "clients": service.per_process,
            "hold": HOLD,
            "connect": connect,
        }
        jobs += [job] * service.process_count
    return jobs


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _refusals(server: MariaDBServer) -> tuple[int, int]:
    return server.status("Aborted_connects"), server.status("Connection_errors_max_connections")


@pytest.fixture
def accounts(embedded_server: MariaDBServer) -> Iterator[dict[str, tuple[str, str]]]:
    """An account per service (the deployment names none: each is its service's name)."""
    made = {name: (name, secrets.token_urlsafe(12)) for name in ("web", "jobs")}
    for user, password in made.values():
        embedded_server.admin_sql(
            f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'; "
            f"GRANT ALL PRIVILEGES ON `{embedded_server.database}`.* TO '{user}'@'%'"
        )
    try:
        yield made
    finally:
        embedded_server.admin_sql("; ".join(f"DROP USER '{user}'@'%'" for user, _ in made.values()))


def _plan(server: MariaDBServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    deployment = _write(tmp_path / "deployment.toml", DEPLOYMENT)
    assert main(["plan", str(deployment), "--dsn", server.dsn, "--json"]) == 1  # oversubscribed
    shown = json.loads(capsys.readouterr().out)
    assert server.password not in json.dumps(shown)
    return shown


def _policy(tmp_path: Path, name: str, limiters: str) -> Path:
    return _write(
        tmp_path / name, f'[default]\ndeadline = "{PATIENCE}"\nmax_attempts = 1000\n\n{limiters}\n'
    )


def test_the_proposed_max_limits_carry_a_storm_the_deployment_as_written_does_not(
    embedded_server: MariaDBServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = _plan(embedded_server, tmp_path, capsys)
    assert shown["max_connections"] == embedded_server.max_connections
    assert (shown["budget"], shown["demand"], shown["fits"]) == (8, 32, False)
    proposed = {s["name"]: s["proposed_max_limit"] for s in shown["services"]}
    assert proposed == {"web": 1, "jobs": 2}
    assert sum(s["proposed_connections"] for s in shown["services"]) == shown["budget"]

    # As written (each process capped at its pool's size), the server refuses connects.
    as_written = "[service.web.limiter]\nmax_limit = 6\n[service.jobs.limiter]\nmax_limit = 4"
    before = _refusals(embedded_server)
    summaries = _storm(_jobs(embedded_server, _policy(tmp_path, "as_written.toml", as_written)))
    assert all(s["failed"] == [] for s in summaries), summaries  # connguard waits them out
    assert sum(len(s["refused"]) for s in summaries) > 0
    assert _refusals(embedded_server)[0] > before[0]

    # With the proposed caps in the policy, none.
    before = _refusals(embedded_server)
    summaries = _storm(
        _jobs(embedded_server, _policy(tmp_path, "applied.toml", shown["policy_toml"]))
    )
    assert all(s["failed"] == [] for s in summaries), summaries
    assert [s["refused"] for s in summaries] == [[]] * len(summaries)
    assert _refusals(embedded_server) == before


def test_the_proposed_account_caps_are_enforced_and_carry_a_storm(
    embedded_server: MariaDBServer,
    accounts: dict[str, tuple[str, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown = _plan(embedded_server, tmp_path, capsys)
    assert shown["statements"] == [
        "ALTER USER 'web'@'%' WITH MAX_USER_CONNECTIONS 4;",
        "ALTER USER 'jobs'@'%' WITH MAX_USER_CONNECTIONS 4;",
    ]
    for statement in shown["statements"]:
        embedded_server.admin_sql(statement)
    user, password = accounts["web"]
    plain: dict[str, Any] = {**embedded_server.connect_kwargs(), "user": user, "password": password}
    held = [pymysql.connect(**plain) for _ in range(4)]
    try:
        with pytest.raises(pymysql.err.OperationalError) as refused:
            pymysql.connect(**plain)
        assert refused.value.args[0] in (1203, 1226)  # the server enforces the cap
    finally:
        for conn in held:
            conn.close()
    embedded_server.wait_for_connections(0)

    before = _refusals(embedded_server)
    policy = _policy(tmp_path, "applied.toml", shown["policy_toml"])
    summaries = _storm(_jobs(embedded_server, policy, accounts))
    assert all(s["failed"] == [] for s in summaries), summaries
    # Never max_connections: at most an account's cap, when a connect follows a close
    # before the server has counted the closed connection out (connguard retries it).
    codes = [code for s in summaries for code in s["refused"]]
    assert set(codes) <= {1203, 1226}, codes
    assert _refusals(embedded_server)[1] == before[1]


def test_plan_takes_the_servers_max_connections_and_the_policys_max_limit(
    embedded_server: MariaDBServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A policy file holding the deployment: a service's per-process connections are its
    limiter's max_limit; --dsn's max_connections wins over the file's, and says so."""
    both = _write(
        tmp_path / "connguard.toml",
        '[default]\ndeadline = "5s"\n\n[service.web.limiter]\nmax_limit = 3\n\n'
        "[deployment]\nmax_connections = 151\nreserve = 1\n\n"
        "[deployment.service.web]\nprocesses = 2\n",
    )
    assert main(["plan", str(both), "--dsn", embedded_server.dsn]) == 0
    out, err = capsys.readouterr()
    assert "says max_connections 151, the server 10: planning with the server's" in err
    assert f"max_connections 10 (read from {embedded_server.safe_dsn})" in out
    assert "3 (policy max_limit)" in out
    assert "fits: 6 of 9 connections (3 spare)" in out
    assert embedded_server.password not in out + err


if __name__ == "__main__":
    _client_process()
