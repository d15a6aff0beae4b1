"""Adapter plumbing without a server: policy from the environment, driver table, DSNs."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mariadb
import mysql.connector
import pymysql
import pytest

from connguard import Policy, PolicyError, resolve_policy
from connguard.connector import Connector
from connguard.drivers import describe_target
from connguard.pool import get_pool

POLICY_FILE = '[default]\nconnect_timeout = "2.5s"\n[service.web]\ndeadline = "3s"\n'


@pytest.fixture
def policy_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "connguard.toml"
    path.write_text(POLICY_FILE)
    monkeypatch.setenv("CONNGUARD_POLICY", str(path))
    monkeypatch.delenv("CONNGUARD_SERVICE", raising=False)
    return path


def test_policy_from_environment(policy_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_policy().connect_timeout == 2.5
    assert resolve_policy(service="web").deadline == 3.0
    monkeypatch.setenv("CONNGUARD_SERVICE", "web")
    assert resolve_policy().deadline == 3.0
    given = Policy.from_dict({"deadline": "9s"})
    assert resolve_policy(given, "web") is given


def test_policy_file_is_read_again_when_it_changes(policy_file: Path) -> None:
    assert resolve_policy().connect_timeout == 2.5
    policy_file.write_text('[default]\nconnect_timeout = "7s"\n')
    stat = policy_file.stat()
    os.utime(policy_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert resolve_policy().connect_timeout == 7.0


def test_bad_policy_in_environment_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONNGUARD_POLICY", str(tmp_path / "missing.toml"))
    with pytest.raises(PolicyError, match=r"missing\.toml"):
        resolve_policy()


def test_without_environment_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONNGUARD_POLICY", raising=False)
    assert resolve_policy().to_dict() == Policy().to_dict()


@pytest.mark.parametrize(
    ("connect", "param", "value"),
    [
        (mariadb.connect, "connect_timeout", 3),  # whole seconds, rounded up
        (mysql.connector.connect, "connection_timeout", 2.5),
        (pymysql.connect, "connect_timeout", 2.5),
    ],
)
def test_connect_timeout_goes_under_the_drivers_own_name(
    connect: Callable[..., Any], param: str, value: float
) -> None:
    policy = Policy.from_dict({"connect_timeout": "2.5s"})
    attempt = Connector(connect, {"host": "h"}, policy, None, None).attempt
    assert attempt.call_kwargs(policy.connect_timeout)[param] == value
    assert attempt.kwargs == {"host": "h"}  # each attempt gets its own cap
    explicit = Connector(connect, {param: 9}, policy, None, None).attempt
    assert explicit.call_kwargs(2.5)[param] == 9  # the caller's own timeout wins


def test_partial_is_unwrapped_to_find_driver_and_target() -> None:
    connect = functools.partial(mariadb.connect, host="db", port=3307, user="app", password="pw")
    connector = Connector(connect, {"database": "main"}, Policy(), "web", None)
    assert connector.attempt.fn is mariadb.connect
    assert connector.attempt.call_kwargs(5.0)["connect_timeout"] == 5
    assert connector.target == "mariadb://app@db:3307/main"
    assert connector.service == "web"


def test_describe_target_never_shows_a_password() -> None:
    target = describe_target("mysql", {"user": "u", "password": "secret", "unix_socket": "/s"})
    assert target == "mysql://u@(socket /s)/"
    assert "secret" not in target


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        ("postgres://u@h/db", "unknown scheme"),
        ("mariadb://u@h/db?ssl=1", "no query parameters"),
        ("mariadb-on-host-db", "not a DSN"),
    ],
)
def test_get_pool_rejects_what_it_cannot_serve(dsn: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        get_pool(dsn)
