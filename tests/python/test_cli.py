"""The connguard command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import connguard
from conftest import vector_cases
from connguard import _native
from connguard.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "connguard.toml"
INVALID = vector_cases("invalid_policy")


def test_check_prints_every_effective_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "[default]" in out
    for name in _native.PolicySet.load(EXAMPLE).service_names:
        assert f"[service.{name}]" in out
    assert 'deadline = "' in out


@pytest.mark.parametrize("case", INVALID, ids=[case["name"] for case in INVALID])
def test_check_rejects_each_invalid_vector(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(case["policy"])
    args = ["check", str(path)] + (["--service", case["service"]] if case["service"] else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert case["key"] in err
    if case["table"]:
        assert f"[{case['table']}]" in err


def test_explain_known_unknown_and_blocked_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "1040"]) == 0
    assert "ER_CON_COUNT_ERROR: capacity (retried)" in capsys.readouterr().out
    assert main(["explain", "1129"]) == 0
    out = capsys.readouterr().out
    assert "fatal (never retried)" in out and "FLUSH HOSTS" in out
    # Unknown to connguard: said so, and a non-zero exit a script can test.
    assert main(["explain", "1064"]) == 1
    assert "not in connguard's table, so fatal" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["ER_CON_COUNT_ERROR", "er_con_count_error"])
def test_explain_by_name(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", name]) == 0
    assert capsys.readouterr().out.startswith("1040 ER_CON_COUNT_ERROR: capacity")


@pytest.mark.parametrize("text", ["0", "-5", "65536", "2147483648", "99999999999999999999"])
def test_explain_refuses_numbers_out_of_range(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", "--", text]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"connguard explain: {text} is out of range: MySQL/MariaDB error numbers are 1 to 65535\n"
    )


@pytest.mark.parametrize("text", ["ER_NO_SUCH_THING", "1040; DROP", ""])
def test_explain_refuses_unknown_names(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", text]) in (1, 2)
    err = capsys.readouterr().err
    assert err.startswith("connguard explain: ") and err.count("\n") == 1


def test_check_json_is_every_effective_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    policies = _native.PolicySet.load(EXAMPLE)
    assert shown["valid"] is True
    assert shown["default"] == policies.defaults.to_dict()
    assert shown["services"] == {
        name: policies.service(name).to_dict() for name in policies.service_names
    }


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"connguard {connguard.__version__}\n"


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`connguard check FILE | head -1`: no BrokenPipeError traceback."""
    # Output well past a pipe's buffer, so the write fails whenever the reader leaves.
    path = tmp_path / "many.toml"
    path.write_text("".join(f"[service.s{i}]\nmax_attempts = 3\n" for i in range(2000)))
    script = Path(sys.executable).parent / "connguard"
    with subprocess.Popen(
        [str(script), "check", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().endswith(b"valid (2000 services)\n")
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=30) == 1
    assert err == ""


def test_schedule_without_jitter_is_the_capped_exponential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        '[default]\nmax_attempts = 6\ninitial_delay = "100ms"\nmax_delay = "1s"\n'
        'jitter = "none"\ndeadline = "1s"\n'
    )
    assert main(["schedule", str(path), "--seed", "1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    # The deadline (1s) is ignored: five delays, doubling up to max_delay.
    assert shown["delays"] == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0], abs=1e-12)


def test_schedule_matches_the_engine_for_a_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule", str(EXAMPLE), "--seed", "42", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    policy = _native.PolicySet.load(EXAMPLE).defaults
    schedule = _native.Schedule(policy, 42)
    assert shown["delays"] == [schedule.next() for _ in range(policy.max_attempts - 1)]


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "connguard"
    done = subprocess.run(
        [str(script), "explain", "1045"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "ER_ACCESS_DENIED_ERROR" in done.stdout
