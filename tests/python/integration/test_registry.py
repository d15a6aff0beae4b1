"""The pool-per-request mistake is detected and explained once (issue 3)."""

from __future__ import annotations

import functools
import logging

import mariadb
import pytest
from adapters import driver_kwargs

from connguard import registry
from connguard.pool import Pool
from connguard.testing import ServerUnderTest

pytestmark = pytest.mark.integration


def test_pool_per_request_warns_once_with_count_and_call_site(
    mariadb_server: ServerUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    registry.configure(warn_after=3)
    caplog.set_level(logging.WARNING, logger="connguard")
    request_pools: list[Pool] = []  # kept alive, as the Dream report's per-request pools were
    connect = functools.partial(mariadb.connect, **driver_kwargs(mariadb_server, "mariadb"))

    def handler() -> int:
        # The mistake: a new pool on every request.
        pool = Pool(connect, 2)
        request_pools.append(pool)
        with pool.acquire() as conn:
            cursor = conn.cursor()
            cursor.execute("SELECT 1")
            row = cursor.fetchone()
            cursor.close()
        assert row is not None
        return int(row[0])

    try:
        assert [handler() for _ in range(6)] == [1] * 6
    finally:
        for pool in request_pools:
            pool.close()
    warnings = [r.getMessage() for r in caplog.records if "pools have been" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].startswith("connguard: 4 pools have been created for mariadb://")
    assert "(4 still open)" in warnings[0]
    assert "test_registry.py" in warnings[0] and "in handler" in warnings[0]
    assert mariadb_server.password not in warnings[0]
