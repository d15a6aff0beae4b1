"""1045 and 1049 fail on the first attempt through every adapter, without the password (issue 3)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from adapters import SYNC_ADAPTERS, driver_kwargs, pool_connect

import connguard.aiomysql
from connguard import error_code, give_up_info
from connguard.testing import ServerUnderTest

pytestmark = pytest.mark.integration

MISSING_DB = "connguard_missing"


@pytest.fixture(scope="module")
def grant_on_missing_db(mariadb_server: ServerUnderTest) -> Iterator[None]:
    # Without a grant on it, an unknown database answers 1044 (access denied), not 1049.
    on, account = f"ALL ON {MISSING_DB}.*", mariadb_server.account
    mariadb_server.admin_sql(f"GRANT {on} TO {account}")
    yield
    mariadb_server.admin_sql(f"REVOKE {on} FROM {account}")


def _aiomysql_connect(**kwargs: Any) -> Any:
    async def run() -> None:
        conn = await connguard.aiomysql.connect(**kwargs)
        conn.close()

    return asyncio.run(run())


def _aiomysql_pool(**kwargs: Any) -> Any:
    async def run() -> None:
        async with connguard.aiomysql.create_pool(minsize=1, maxsize=2, **kwargs):
            pass

    return asyncio.run(run())


def _pool(server: ServerUnderTest) -> Callable[..., Any]:
    def acquire(**overrides: Any) -> None:
        with pool_connect(server, **overrides) as pool, pool.acquire():
            pass

    return acquire


ADAPTERS = [*(a.name for a in SYNC_ADAPTERS), "aiomysql.connect", "aiomysql.create_pool", "Pool"]
CASES = [("wrong password", 1045), ("unknown database", 1049)]


def _attempt(name: str, server: ServerUnderTest, **overrides: Any) -> None:
    for adapter in SYNC_ADAPTERS:
        if adapter.name == name:
            adapter.guarded(**driver_kwargs(server, adapter.driver, **overrides))
            return
    if name == "Pool":
        _pool(server)(**{k: v for k, v in overrides.items()})
    elif name == "aiomysql.connect":
        _aiomysql_connect(**driver_kwargs(server, "aiomysql", **overrides))
    else:
        _aiomysql_pool(**driver_kwargs(server, "aiomysql", **overrides))


@pytest.mark.usefixtures("grant_on_missing_db")
@pytest.mark.parametrize(("case", "code"), CASES, ids=[c for c, _ in CASES])
@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fails_on_first_attempt_without_leaking_the_password(
    adapter: str,
    case: str,
    code: int,
    mariadb_server: ServerUnderTest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="connguard")
    secret = "wrong-" + mariadb_server.password
    overrides = {"password": secret} if code == 1045 else {"database": MISSING_DB}
    with pytest.raises(Exception) as raised:
        _attempt(adapter, mariadb_server, **overrides)
    exc = raised.value
    assert error_code(exc) == code
    info = give_up_info(exc)
    assert info is not None and (info.attempts, info.reason) == (1, "fatal")
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]  # no retry logged
    shown = "\n".join([str(exc), *getattr(exc, "__notes__", []), caplog.text])
    assert "gave up after 1 attempt" in shown
    assert secret not in shown
    assert mariadb_server.password not in shown
