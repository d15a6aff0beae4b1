"""The suite against MySQL 8 and MariaDB in containers (testcontainers), where Docker runs.

Each server starts fresh in its container (MySQL through testcontainers'
``MySqlContainer``, MariaDB as a generic container of its official image), with
an account that has privileges on its own database only and root as the admin;
the representative part of the integration suite then runs against it in a
pytest subprocess through :class:`~connguard.testing.ExternalServer`
(``MYSQL_TEST_URL``, ``MYSQL_TEST_ADMIN_URL``): connguard.pymysql storming a
full server, the server's own count of what it refused (in the flavour's
counter), QueueTimeout, GRANT and KILL, storms watched over the admin slot.

Without a Docker engine on this machine these tests are skipped, saying so;
the embedded MariaDB suite runs regardless.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from external_suite import REPRESENTATIVE, run_suite

from connguard.testing.flavour import REFUSED_STATUS

pytestmark = pytest.mark.integration

MYSQL_IMAGE = "mysql:8.4"
MARIADB_IMAGE = "mariadb:11.4"
PORT = 3306
ACCOUNT = DATABASE = "connguard"
# Both images start a temporary server to initialise, then the real one.
READY = re.compile(r"ready for connections.*ready for connections", re.DOTALL)


@dataclass(frozen=True)
class Started:
    flavour: str
    host: str
    port: int
    password: str
    root_password: str

    @property
    def url(self) -> str:
        return f"{self.flavour}://{ACCOUNT}:{self.password}@{self.host}:{self.port}/{DATABASE}"

    @property
    def admin_url(self) -> str:
        return f"{self.flavour}://root:{self.root_password}@{self.host}:{self.port}/"


@pytest.fixture(scope="module")
def docker_engine() -> None:
    """Skips the module, saying why, unless testcontainers can reach a Docker engine."""
    try:
        from testcontainers.core.docker_client import DockerClient
    except ImportError as exc:
        pytest.skip(f"testcontainers is not installed ({exc}): pip install --group dev")
    try:
        DockerClient().client.ping()
    except Exception as exc:  # docker's errors for a missing socket, refused or denied
        pytest.skip(
            f"no Docker engine reachable ({type(exc).__name__}: {exc}); the MySQL 8 and "
            "MariaDB containers need one (the embedded MariaDB suite ran without)"
        )


def _loopback(host: str) -> str:
    """The container's published address, on this machine only (the tests talk to no other)."""
    address = "127.0.0.1" if host == "localhost" else host
    try:
        local = ipaddress.ip_address(address).is_loopback
    except ValueError:
        local = False
    if not local:
        pytest.skip(f"the Docker engine publishes its containers on {host}, not on loopback")
    return address


def _mysql(password: str, root_password: str) -> Iterator[Started]:
    from testcontainers.community.mysql import MySqlContainer

    with MySqlContainer(
        MYSQL_IMAGE,
        username=ACCOUNT,
        password=password,
        root_password=root_password,
        dbname=DATABASE,
    ) as container:
        host = _loopback(container.get_container_host_ip())
        yield Started("mysql", host, container.get_exposed_port(PORT), password, root_password)


def _mariadb(password: str, root_password: str) -> Iterator[Started]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    container = (
        DockerContainer(MARIADB_IMAGE)
        .with_env("MARIADB_ROOT_PASSWORD", root_password)
        .with_env("MARIADB_USER", ACCOUNT)
        .with_env("MARIADB_PASSWORD", password)
        .with_env("MARIADB_DATABASE", DATABASE)
        .with_exposed_ports(PORT)
        .waiting_for(LogMessageWaitStrategy(READY))
    )
    with container:
        host = _loopback(container.get_container_host_ip())
        yield Started("mariadb", host, container.get_exposed_port(PORT), password, root_password)


@pytest.fixture(params=["mysql", "mariadb"], ids=[MYSQL_IMAGE, MARIADB_IMAGE])
def container(request: pytest.FixtureRequest, docker_engine: None) -> Iterator[Started]:
    start = _mysql if request.param == "mysql" else _mariadb
    yield from start(secrets.token_hex(12), secrets.token_hex(12))


def test_the_suite_passes_on_a_container(container: Started) -> None:
    output = run_suite(container.url, container.admin_url, REPRESENTATIVE)
    # The admin shares the clients' port: its connection takes a slot, on either flavour.
    safe_dsn = f"mariadb://{ACCOUNT}:***@{container.host}:{container.port}/{DATABASE}"
    assert (
        f"connguard test server: external {container.flavour} {safe_dsn}; refused connects "
        f"in {REFUSED_STATUS[container.flavour]}; the harness's admin connection takes a slot"
    ) in output
    assert container.password not in output and container.root_password not in output
