"""The wheel as a user gets it: built with build isolation, installed into a
fresh venv with no driver, its command run from outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "connguard.toml"


def _run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, check=False, cwd=cwd, timeout=60
    )


@pytest.fixture(scope="module")
def user_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding only the connguard wheel: no driver, no storm tools."""
    root = tmp_path_factory.mktemp("install")
    wheels = root / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
         "--config-settings=build-dir=" + str(root / "build"), str(ROOT)],
        capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("connguard-*.whl")
    venv.create(root / "venv", with_pip=True)
    python = root / "venv" / "bin" / "python"
    installed = _run(python, "-m", "pip", "install", "-q", wheel, cwd=root)
    assert installed.returncode == 0, installed.stderr
    return root / "venv" / "bin"


def test_the_wheel_brings_no_driver(user_venv: Path, tmp_path: Path) -> None:
    listed = _run(user_venv / "python", "-m", "pip", "list", "--format=freeze", cwd=tmp_path)
    names = {line.split("==")[0].lower() for line in listed.stdout.split()}
    assert "connguard" in names
    assert not names & {"mariadb", "pymysql", "aiomysql", "mysql-connector-python", "sqlalchemy"}


def test_version_check_and_explain_work_without_a_driver(user_venv: Path, tmp_path: Path) -> None:
    connguard = user_venv / "connguard"
    version = _run(connguard, "--version", cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    shown = _run(user_venv / "python", "-c", "import connguard; print(connguard.__version__)",
                 cwd=tmp_path)  # fmt: skip
    assert version.stdout.strip() == f"connguard {shown.stdout.strip()}"
    check = _run(connguard, "check", EXAMPLE, cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    assert "valid (4 services)" in check.stdout
    for code in ("1040", "ER_CON_COUNT_ERROR", "er_con_count_error"):
        explain = _run(connguard, "explain", code, cwd=tmp_path)
        assert explain.returncode == 0, explain.stderr
        assert explain.stdout.startswith("1040 ER_CON_COUNT_ERROR: capacity (retried)")


def test_explain_out_of_range_is_one_line_and_exit_2(user_venv: Path, tmp_path: Path) -> None:
    explain = _run(user_venv / "connguard", "explain", "2147483648", cwd=tmp_path)
    assert explain.returncode == 2
    assert explain.stdout == ""
    assert explain.stderr.count("\n") == 1
    assert "out of range" in explain.stderr and "Traceback" not in explain.stderr


def test_storm_says_what_an_installed_package_lacks(user_venv: Path, tmp_path: Path) -> None:
    cpp = _run(user_venv / "connguard", "storm", "--adapter", "cpp", cwd=tmp_path)
    assert cpp.returncode == 2
    assert "clone of the connguard repository" in cpp.stderr and "Traceback" not in cpp.stderr
    python = _run(user_venv / "connguard", "storm", "--adapter", "python-async", cwd=tmp_path)
    assert python.returncode == 2
    assert "pip install 'connguard[storm]'" in python.stderr
    assert "Traceback" not in python.stderr
