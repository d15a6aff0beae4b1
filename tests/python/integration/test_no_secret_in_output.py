"""No output of the suite's secret-bearing tests holds the server's password.

The tests that connect, fail, give up and log (wrong passwords, refused and
dropped connections, pools) run again in a subprocess against a server whose
password is distinctive and odd (a space, '#', '@', ':'), with every log
record shown at DEBUG and every test's captured output reported; the password
must appear nowhere in what they print, raw or percent-encoded. They run on the
embedded MariaDB (it takes that password), whatever server the suite was given.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "Dstnct Pw#7f3e@x:y"
EMBEDDED = {
    k: v for k, v in os.environ.items() if k not in ("MYSQL_TEST_URL", "MYSQL_TEST_ADMIN_URL")
}
SECRET_BEARING = [
    "tests/python/integration/test_fatal_errors.py",
    "tests/python/integration/test_retry_mariadb.py",
    "tests/python/integration/test_pool.py",
    "tests/python/test_retry.py",
]


def test_the_password_is_never_printed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *SECRET_BEARING, "-rA", "-vv", "-p", "no:cacheprovider",
         "--log-level=DEBUG", "-o", "log_cli=true", "--log-cli-level=DEBUG"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**EMBEDDED, "CONNGUARD_TEST_SERVER_PASSWORD": PASSWORD},
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert " passed" in output
    for shown in {PASSWORD, urllib.parse.quote(PASSWORD, safe=""), urllib.parse.quote(PASSWORD)}:
        assert shown not in output
