"""The Node integration suite against a server of yours (MYSQL_TEST_URL), shown on a
private MariaDB, as test_external_server.py shows the Python suite.

Part of node-shim's integration suite runs under ``python -m connguard.testing
run`` with ``MYSQL_TEST_URL`` the private server's test account and
``MYSQL_TEST_ADMIN_URL`` root, on its ordinary port (the admin connection takes
a slot, as on MySQL) or on MariaDB's extra port (it takes none). The files:
metrics.test.js counts refusals in ``CONNGUARD_TEST_REFUSED_STATUS`` against
connguard's and waits for an idle server less the admin's connection;
connection.test.js fills the server, which is full only with the admin's slot
held where it counts. They must all pass, and leave the server as it was.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable

import pytest
from external_suite import ROOT

from connguard.testing import MariaDBServer
from connguard.testing.external import ADMIN_URL_VARIABLE, URL_VARIABLE

pytestmark = pytest.mark.integration

Factory = Callable[..., MariaDBServer]
PRIVATE_MAX = 20  # the private server's own max_connections, restored after each run
NODE_TESTS = [
    "node-shim/test/integration/metrics.test.js",
    "node-shim/test/integration/connection.test.js",
]
# The files run by the runner, one at a time as test:integration runs them.
COMMAND = [sys.executable, "-m", "connguard.testing", "run", "--", "node", "--test"]
COMMAND += ["--test-concurrency=1", "--test-reporter=tap", *NODE_TESTS]
# The totals node:test's TAP reporter ends with.
_TAP_TOTAL = re.compile(r"^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$", re.MULTILINE)


@pytest.mark.parametrize(
    "extra_port", [False, True], ids=["admin-takes-a-slot", "admin-on-extra-port"]
)
def test_the_node_suite_passes_on_an_external_server(
    extra_port: bool, mariadb_server_factory: Factory
) -> None:
    private = mariadb_server_factory(max_connections=PRIVATE_MAX)
    admin_port = private.admin_port if extra_port else private.port
    done = subprocess.run(
        COMMAND,
        cwd=ROOT,
        env={
            **os.environ,
            URL_VARIABLE: private.dsn,
            ADMIN_URL_VARIABLE: f"mariadb://root:@127.0.0.1:{admin_port}/",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    totals = {name: int(count) for name, count in _TAP_TOTAL.findall(done.stdout)}
    assert totals.get("pass", 0) > 0, output[-2000:]
    assert [totals.get(name) for name in ("fail", "cancelled", "skipped")] == [0, 0, 0], totals
    admin = "" if extra_port else " (+1 for the harness's admin connection)"
    assert f"using the external mariadb server {private.safe_dsn}: " in done.stderr
    assert f"max_connections 10 for the test account{admin}\n" in done.stderr
    assert private.password not in output
    assert int(private.admin_sql("SELECT @@GLOBAL.max_connections")[0][0]) == PRIVATE_MAX
    private.wait_for_connections(0)  # the suite closed what it opened
