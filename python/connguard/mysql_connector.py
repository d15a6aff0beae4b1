"""connguard for MySQL Connector/Python: ``connguard.mysql_connector.connect(...)`` where you
had ``mysql.connector.connect(...)``."""

from __future__ import annotations

from typing import Any

import mysql.connector

from connguard._native import Policy
from connguard.connector import Connector

__all__ = ["connect"]


def connect(*, policy: Policy | None = None, service: str | None = None, **kwargs: Any) -> Any:
    """``mysql.connector.connect(**kwargs)``, retried per the policy.

    Returns the driver's own connection. The policy's ``connect_timeout`` is
    passed as ``connection_timeout`` unless you pass one. ``policy=None``: as
    :func:`connguard.mariadb.connect`.
    """
    return Connector.once(mysql.connector.connect, kwargs, policy, service)
