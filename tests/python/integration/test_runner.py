"""``python -m connguard.testing run``: the server runner of the C++, Node and Rust suites."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.integration

RUNNER = [sys.executable, "-m", "connguard.testing", "run"]
# The embedded MariaDB's runner, whatever server the suite was given.
EMBEDDED = {
    k: v for k, v in os.environ.items() if k not in ("MYSQL_TEST_URL", "MYSQL_TEST_ADMIN_URL")
}

# The child: checks its environment, logs in, asks for a restart, sees the
# server go down and come back, and leaves with a code of its own.
CHILD = textwrap.dedent(
    """
    import os, signal, socket, sys, time
    import mariadb

    env = {k[len("CONNGUARD_TEST_"):]: v for k, v in os.environ.items()
           if k.startswith("CONNGUARD_TEST_")}
    print("password:", env["PASSWORD"], flush=True)
    assert env["HOST"] == "127.0.0.1" and env["MAX_CONNECTIONS"] == "12", env
    assert env["DSN"].startswith(f"mariadb://{env['USER']}:"), "dsn"
    port = int(env["PORT"])

    def connect(port, user, password, database):
        return mariadb.connect(host=env["HOST"], port=port, user=user, password=password,
                               database=database, connect_timeout=5)

    conn = connect(port, env["USER"], env["PASSWORD"], env["DATABASE"])
    conn.close()
    admin = connect(int(env["ADMIN_PORT"]), "root", "", None)
    cur = admin.cursor()
    cur.execute("SELECT @@max_connections")
    assert cur.fetchone()[0] == 12
    admin.close()

    def refused():
        with socket.socket() as s:
            return s.connect_ex((env["HOST"], port)) != 0

    os.kill(int(env["CONTROL_PID"]), signal.SIGUSR1)
    deadline = time.monotonic() + 30
    while not refused():
        assert time.monotonic() < deadline, "never went down"
        time.sleep(0.01)
    down = time.monotonic()
    while True:
        try:
            connect(port, env["USER"], env["PASSWORD"], env["DATABASE"]).close()
            break
        except mariadb.Error:
            assert time.monotonic() < deadline, "never came back"
            time.sleep(0.05)
    print(f"down for {time.monotonic() - down:.2f}s", flush=True)
    print("port:", port, flush=True)
    sys.exit(7)
    """
)


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RUNNER, *args], capture_output=True, text=True, timeout=timeout, check=False, env=EMBEDDED
    )


def test_runs_the_command_restarts_on_request_and_stops_the_server() -> None:
    result = run("--max-connections", "12", "--", sys.executable, "-c", CHILD)
    assert result.returncode == 7, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    password = lines[0].removeprefix("password: ")
    assert len(password) >= 16
    down_for = float(lines[1].removeprefix("down for ").removesuffix("s"))
    assert down_for >= 0.9  # started again no sooner than 1 s after it was down
    port = int(lines[2].removeprefix("port: "))
    assert "restart requested" in result.stderr
    assert password not in result.stderr  # the runner logs the masked DSN only
    # Stopped: nothing listens on its port any more.
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_exit_code_of_the_command_and_of_a_signal() -> None:
    assert run("--", sys.executable, "-c", "pass").returncode == 0
    killed = run(
        "--", sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    )
    assert killed.returncode == 128 + 15, killed.stderr


def test_a_command_that_cannot_run_starts_no_server() -> None:
    result = run("--", "/nonexistent/connguard-test-command")
    assert result.returncode == 127
    assert "cannot run" in result.stderr
    assert "started" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give the command after --"),
        (("--max-connections", "5", "--", "true"), "max_connections must be between"),
    ],
)
def test_usage_errors(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_the_environment_is_passed_through() -> None:
    result = subprocess.run(
        [*RUNNER, "--", sys.executable, "-c", "import os; print(os.environ['CONNGUARD_KEEP'])"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**EMBEDDED, "CONNGUARD_KEEP": "kept"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "kept"
