"""The suite against a server of yours (MYSQL_TEST_URL), shown on a private MariaDB.

A server from the factory (max_connections 20) stands for an external one:
``MYSQL_TEST_URL`` is its test account, ``MYSQL_TEST_ADMIN_URL`` root, either on
its ordinary port (an admin connection that takes a slot, as every admin
connection on MySQL does, its admin port's too) or on MariaDB's extra port (one
that takes none). Part of the integration suite runs in a pytest subprocess
with them set; it must pass on the external server (the session's summary says
which server it was), and the server must have its max_connections back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable

import pymysql
import pytest
from external_suite import CORE, REPRESENTATIVE, ROOT, run_suite

from connguard.testing import ExternalServer, ExternalServerError, MariaDBServer
from connguard.testing.external import ADMIN_URL_VARIABLE, URL_VARIABLE
from connguard.testing.flavour import REFUSED_STATUS, admin_counted, flavour_of

pytestmark = pytest.mark.integration

Factory = Callable[..., MariaDBServer]
PRIVATE_MAX = 20  # the private server's own max_connections, restored after each run


def _admin_url(server: MariaDBServer, *, extra_port: bool) -> str:
    return f"mariadb://root:@127.0.0.1:{server.admin_port if extra_port else server.port}/"


def _max_connections(server: MariaDBServer) -> int:
    return int(server.admin_sql("SELECT @@GLOBAL.max_connections")[0][0])


@pytest.mark.parametrize(
    ("extra_port", "tests"),
    [(False, REPRESENTATIVE), (True, CORE)],
    ids=["admin-takes-a-slot", "admin-on-extra-port"],
)
def test_the_suite_passes_on_an_external_server(
    extra_port: bool, tests: list[str], mariadb_server_factory: Factory
) -> None:
    private = mariadb_server_factory(max_connections=PRIVATE_MAX)
    output = run_suite(private.dsn, _admin_url(private, extra_port=extra_port), tests)
    admin = "outside max_connections" if extra_port else "takes a slot"
    assert (
        f"connguard test server: external mariadb {private.safe_dsn}; refused connects in "
        f"Aborted_connects; the harness's admin connection {admin}"
    ) in output
    assert private.password not in output
    assert _max_connections(private) == PRIVATE_MAX
    private.wait_for_connections(0)  # the suite closed what it opened


# The runner's child: what it was told, and the test account's exact share while
# the child holds the admin connection the runner lent it the slot for.
CHILD = textwrap.dedent(
    """
    import os, pymysql
    env = {k[len("CONNGUARD_TEST_"):]: v for k, v in os.environ.items()
           if k.startswith("CONNGUARD_TEST_") and "PASSWORD" not in k}
    for name in sorted(env):
        print(f"{name}={env[name]}")
    admin = pymysql.connect(host=env["ADMIN_HOST"], port=int(env["ADMIN_PORT"]),
                            user=env["ADMIN_USER"],
                            password=os.environ["CONNGUARD_TEST_ADMIN_PASSWORD"])
    cur = admin.cursor()
    cur.execute("SELECT @@max_connections")
    print("server max_connections", cur.fetchone()[0])
    account = dict(host=env["HOST"], port=int(env["PORT"]), user=env["USER"],
                   password=os.environ["CONNGUARD_TEST_PASSWORD"], database=env["DATABASE"])
    held = [pymysql.connect(**account) for _ in range(int(env["MAX_CONNECTIONS"]))]
    try:
        pymysql.connect(**account)
    except pymysql.err.OperationalError as exc:
        print("one more:", exc.args[0])
    cur.execute("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
    print("clients", int(cur.fetchone()[1]) - int(env["ADMIN_COUNTED"]))
    for conn in held:
        conn.close()
    """
)


def _runner(private: MariaDBServer, child: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connguard.testing", "run", "--", sys.executable, "-c", child],
        cwd=ROOT,
        env={
            **os.environ,
            URL_VARIABLE: private.dsn,
            ADMIN_URL_VARIABLE: _admin_url(private, extra_port=False),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_runner_hands_the_external_server_to_its_command(
    mariadb_server_factory: Factory,
) -> None:
    private = mariadb_server_factory(max_connections=PRIVATE_MAX)
    done = _runner(private, CHILD)
    assert done.returncode == 0, done.stdout + done.stderr
    shown = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert shown["SERVER_KIND"] == "external"
    assert (shown["FLAVOUR"], shown["REFUSED_STATUS"]) == ("mariadb", "Aborted_connects")
    assert (shown["PORT"], shown["ADMIN_PORT"]) == (str(private.port), str(private.port))
    assert (shown["ADMIN_USER"], shown["ADMIN_COUNTED"], shown["MAX_CONNECTIONS"]) == (
        "root",
        "1",
        "10",
    )
    # One slot more for the admin connection: the child's own held it, the account had 10.
    assert "server max_connections 11" in done.stdout
    assert "one more: 1040" in done.stdout
    assert "clients 10" in done.stdout
    assert "using the external mariadb server" in done.stderr
    assert "started mariadb://" not in done.stderr  # no embedded server was started
    assert private.password not in done.stderr
    assert _max_connections(private) == PRIVATE_MAX


def test_the_runner_refuses_to_restart_an_external_server(
    mariadb_server_factory: Factory,
) -> None:
    private = mariadb_server_factory(max_connections=PRIVATE_MAX)
    # The request is served on the runner's thread at once; the child gives it a second.
    child = (
        "import os, signal, time; "
        "os.kill(int(os.environ['CONNGUARD_TEST_CONTROL_PID']), signal.SIGUSR1); time.sleep(1)"
    )
    done = _runner(private, child)
    assert done.returncode == 1, done.stderr
    assert "not the runner's to restart" in done.stderr
    assert _max_connections(private) == PRIVATE_MAX


def test_an_account_with_a_global_admin_privilege_is_refused(
    mariadb_server_factory: Factory,
) -> None:
    private = mariadb_server_factory(max_connections=PRIVATE_MAX)
    private.admin_sql(
        "CREATE USER 'boss'@'127.0.0.1' IDENTIFIED BY 'boss-pw-4711';"
        "GRANT SUPER ON *.* TO 'boss'@'127.0.0.1';"
        f"GRANT ALL ON {private.database}.* TO 'boss'@'127.0.0.1'"
    )
    url = f"mariadb://boss:boss-pw-4711@127.0.0.1:{private.port}/{private.database}"
    server = ExternalServer(url, _admin_url(private, extra_port=False))
    with pytest.raises(ExternalServerError) as raised:
        server.start()
    message = str(raised.value)
    assert f"{URL_VARIABLE}=mariadb://boss:***@127.0.0.1:{private.port}/" in message
    assert "SUPER ON *.*" in message and "max_connections is not exact" in message
    assert "boss-pw-4711" not in message
    assert _max_connections(private) == PRIVATE_MAX  # refused before it changed anything


def test_a_server_other_clients_use_is_refused(mariadb_server_factory: Factory) -> None:
    private = mariadb_server_factory(max_connections=PRIVATE_MAX)
    other = pymysql.connect(
        host=private.host, port=private.port, user=private.user, password=private.password
    )
    try:
        server = ExternalServer(private.dsn, _admin_url(private, extra_port=True))
        with pytest.raises(ExternalServerError, match="other clients are connected"):
            server.start()
    finally:
        other.close()
    assert _max_connections(private) == PRIVATE_MAX


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({URL_VARIABLE: "mysql://app:pw-1@db/app"}, f"{ADMIN_URL_VARIABLE} is not"),
        ({ADMIN_URL_VARIABLE: "mysql://root:pw-1@db/"}, f"{URL_VARIABLE} is not"),
        (
            {URL_VARIABLE: "postgres://app:pw-1@db/app", ADMIN_URL_VARIABLE: "mysql://r@db/"},
            f"{URL_VARIABLE}=postgres://app:***@db/app: the scheme 'postgres' is not mysql",
        ),
        (
            {URL_VARIABLE: "mysql://app:pw-1@db:3306", ADMIN_URL_VARIABLE: "mysql://r@db/"},
            f"{URL_VARIABLE}=mysql://app:***@db:3306: no database",
        ),
        (
            {URL_VARIABLE: "mysql://app:pw-1@db/app", ADMIN_URL_VARIABLE: "mysql://db:3306/"},
            f"{ADMIN_URL_VARIABLE}=mysql://db:3306/: no user",
        ),
    ],
    ids=["no-admin-url", "no-url", "scheme", "no-database", "no-admin-user"],
)
def test_a_misdescribed_server_is_named_with_what_is_allowed(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ExternalServerError) as raised:
        ExternalServer.from_environment(environ)
    assert message in str(raised.value)
    assert "pw-1" not in str(raised.value)


def test_no_variables_is_the_embedded_server() -> None:
    assert ExternalServer.from_environment({}) is None


@pytest.mark.parametrize(
    ("version", "comment", "flavour"),
    [
        ("10.11.19-MariaDB-0+deb12u1", "Debian 12", "mariadb"),
        ("11.4.4-MariaDB-ubu2404", "mariadb.org binary distribution", "mariadb"),
        ("8.4.3", "MySQL Community Server - GPL", "mysql"),
        ("8.0.36-28", "Percona Server (GPL), Release 28, Revision 47601f19", "mysql"),
    ],
)
def test_flavour_and_its_refusal_counter(version: str, comment: str, flavour: str) -> None:
    assert flavour_of(version, comment) == flavour
    expected = "Aborted_connects" if flavour == "mariadb" else "Connection_errors_max_connections"
    assert REFUSED_STATUS[flavour] == expected


def test_only_mariadbs_extra_port_keeps_an_admin_connection_out_of_max_connections() -> None:
    assert not admin_counted("mariadb", extra_port=3307, admin_port=3307, client_port=3306)
    assert admin_counted("mariadb", extra_port=0, admin_port=3306, client_port=3306)
    assert admin_counted("mariadb", extra_port=3307, admin_port=3306, client_port=3306)
    assert admin_counted("mysql", extra_port=0, admin_port=33062, client_port=3306)


def test_make_test_mysql_says_what_it_needs() -> None:
    environ = {k: v for k, v in os.environ.items() if k not in (URL_VARIABLE, ADMIN_URL_VARIABLE)}
    done = subprocess.run(
        ["make", "-s", "test-mysql"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert f"set {URL_VARIABLE}=mysql://user:password@host:port/database" in done.stderr
    assert ADMIN_URL_VARIABLE in done.stderr and "docs/testing.md" in done.stderr
