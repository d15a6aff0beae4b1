"""Part of the integration suite in a pytest subprocess, against an external server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from connguard.testing.external import ADMIN_URL_VARIABLE, URL_VARIABLE

ROOT = Path(__file__).resolve().parents[3]
_INTEGRATION = "tests/python/integration"
SUITE_TIMEOUT = 900  # seconds; the representative part takes about a minute here

# What uses the most of the harness: the test account's exact share and the refusal
# counter (test_server), connguard.pymysql storming a full server that counts what it
# refused (test_metrics_server, test_one_gate), QueueTimeout (test_driver_errors_server),
# GRANT (test_fatal_errors), KILL and the process list (test_pool), a full server
# (test_retry_mariadb), and storms watched over the lent admin slot (test_storm*).
REPRESENTATIVE = [
    f"{_INTEGRATION}/test_server.py::test_user_gets_exactly_max_connections",
    f"{_INTEGRATION}/test_server.py::test_wrong_password_is_1045",
    f"{_INTEGRATION}/test_metrics_server.py",
    f"{_INTEGRATION}/test_one_gate.py",
    f"{_INTEGRATION}/test_driver_errors_server.py",
    f"{_INTEGRATION}/test_fatal_errors.py",
    f"{_INTEGRATION}/test_pool.py",
    f"{_INTEGRATION}/test_retry_mariadb.py",
    f"{_INTEGRATION}/test_storm.py::test_foreign_connections_take_free_slots",
    f"{_INTEGRATION}/test_storm.py::test_pool_scenario_oracle_strands_no_client",
    f"{_INTEGRATION}/test_storm_metrics_mariadb.py::test_foreign_connections_do_not_count_as_refused",
]
# The harness's own checks: the exact share and the refusals, a storm's watch.
CORE = [
    f"{_INTEGRATION}/test_server.py::test_user_gets_exactly_max_connections",
    f"{_INTEGRATION}/test_storm_metrics_mariadb.py::test_foreign_connections_do_not_count_as_refused",
]

_SUMMARY = re.compile(r"^=* ?(\d+) passed(, \d+ warnings?)? in [\d.]+s")


def run_suite(url: str, admin_url: str, tests: Sequence[str]) -> str:
    """Run ``tests`` with ``MYSQL_TEST_URL`` and ``MYSQL_TEST_ADMIN_URL`` set; the
    output, once checked that every test passed and none was skipped."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *tests, "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env={**os.environ, URL_VARIABLE: url, ADMIN_URL_VARIABLE: admin_url},
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    summary = [line for line in output.splitlines() if _SUMMARY.match(line)]
    assert len(summary) == 1, output[-2000:]  # "N passed in": no failure, error or skip
    return output
