"""A gated connection's close returns once the server has let it go (spec 6, the close
race): right after ``close()`` the server lists the connection as ``Killed`` or not at
all, so the slot the gate hands on is free on the server too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import connguard.mariadb
import connguard.mysql_connector
import connguard.pymysql
from connguard.testing import ServerUnderTest

pytestmark = pytest.mark.integration

CLOSES = 30

# The sync adapters whose driver shows its socket; mysql-connector's C extension
# shows none, so its close is the driver's own.
CONNECTS: dict[str, Callable[..., Any]] = {
    "mariadb": connguard.mariadb.connect,
    "pymysql": connguard.pymysql.connect,
    "mysql-connector-pure": lambda **kw: connguard.mysql_connector.connect(use_pure=True, **kw),
}


@pytest.mark.parametrize("driver", list(CONNECTS))
def test_close_returns_once_the_server_let_the_connection_go(
    driver: str, mariadb_server: ServerUnderTest
) -> None:
    kwargs = dict(mariadb_server.connect_kwargs())
    still_open = []
    for _ in range(CLOSES):
        conn = CONNECTS[driver](**kwargs)
        cursor = conn.cursor()
        cursor.execute("SELECT CONNECTION_ID()")
        (connection_id,) = cursor.fetchone()
        cursor.close()
        conn.close()
        listed = mariadb_server.admin_sql(
            "SELECT COMMAND FROM information_schema.PROCESSLIST "
            f"WHERE ID = {int(connection_id)} AND COMMAND <> 'Killed'"
        )
        if listed:
            still_open.append((connection_id, listed))
    assert still_open == [], f"{len(still_open)} of {CLOSES} closes returned before the server"
    mariadb_server.wait_for_connections(0)
