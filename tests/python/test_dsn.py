"""Reading a DSN: passwords as typed, and errors that never show one.

How texts are masked is spec 4.3, held to tests/vectors/mask.json (test_vectors.py).
"""

from __future__ import annotations

import functools

import pymysql
import pytest

from connguard import PoolTimeout
from connguard.cli import main
from connguard.dsn import parse_dsn
from connguard.pool import Pool

SECRET = "S3cr3t-Pa55"


@pytest.mark.parametrize(
    ("dsn", "password"),
    [
        (f"mysql://app:{SECRET}@db:3306/main", SECRET),
        (f"mysql://app:{SECRET}#x@db:3306/main", f"{SECRET}#x"),
        (f"mysql://app:{SECRET}@x@db:3306/main", f"{SECRET}@x"),
        (f"mysql://app:{SECRET}/x@db:3306/main", f"{SECRET}/x"),
        ("mysql://app:S3cr3t%40x@db:3306/main", "S3cr3t@x"),
    ],
)
def test_a_password_is_read_as_typed(dsn: str, password: str) -> None:
    scheme, kwargs = parse_dsn(dsn)
    assert scheme == "mysql"
    assert kwargs == {
        "host": "db",
        "port": 3306,
        "user": "app",
        "password": password,
        "database": "main",
    }


def test_no_userinfo_and_no_port() -> None:
    assert parse_dsn("mariadb://db/main") == ("mariadb", {"host": "db", "database": "main"})


@pytest.mark.parametrize(
    "dsn",
    [
        f"mysql:/app:{SECRET}@db/main",
        f"mysql//app:{SECRET}@db/main",
        f"mysql://app:{SECRET}@db:33a/main",
        f"mysql://app:{SECRET}@db:99999/main",
        f"mysql://app:{SECRET}@db/main?ssl=1",
        f"mysql://app:{SECRET} x@db:x/main",
    ],
)
def test_a_malformed_dsn_is_one_masked_line(dsn: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_dsn(dsn)
    text = str(raised.value)
    assert SECRET not in text and "\n" not in text
    assert "***" in text


def test_a_pool_and_its_timeout_never_show_the_password() -> None:
    dsn = f"mysql+pymysql://app:{SECRET}@db:3306/main"
    pool = Pool(functools.partial(pymysql.connect, host="db"), size=1, target=dsn)
    try:
        assert SECRET not in repr(pool) and "app:***@db" in repr(pool)
    finally:
        pool.close()
    timeout = PoolTimeout(size=1, target=dsn, waited=1.0, deadline=1.0)
    assert SECRET not in str(timeout) and SECRET not in timeout.target


def test_storm_with_a_malformed_dsn_says_so_in_one_masked_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["storm", "--dsn", f"mysql:/app:{SECRET}@db/main"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and SECRET not in err and "Traceback" not in err
