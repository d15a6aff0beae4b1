"""connguard for PyMySQL: ``connguard.pymysql.connect(...)`` where you had
``pymysql.connect(...)``."""

from __future__ import annotations

from typing import Any

import pymysql

from connguard._native import Policy
from connguard.connector import Connector

__all__ = ["connect"]


def connect(
    *, policy: Policy | None = None, service: str | None = None, **kwargs: Any
) -> pymysql.connections.Connection[Any]:
    """``pymysql.connect(**kwargs)``, retried per the policy; returns the driver's connection.

    The policy's ``connect_timeout`` is passed as ``connect_timeout`` unless you
    pass one. ``policy=None``: as :func:`connguard.mariadb.connect`.
    """
    return Connector.once(pymysql.connect, kwargs, policy, service)
