"""connguard for MariaDB Connector/Python: ``connguard.mariadb.connect(...)`` where you had
``mariadb.connect(...)``."""

from __future__ import annotations

from typing import Any

import mariadb

from connguard._native import Policy
from connguard.connector import Connector

__all__ = ["connect"]


def connect(*, policy: Policy | None = None, service: str | None = None, **kwargs: Any) -> Any:
    """``mariadb.connect(**kwargs)``, retried per the policy; returns the driver's connection.

    ``policy=None``: the file named by ``$CONNGUARD_POLICY`` for ``service``
    (or ``$CONNGUARD_SERVICE``), else the built-in defaults. The policy's
    ``connect_timeout`` is passed as ``connect_timeout`` unless you pass one.
    """
    return Connector.once(mariadb.connect, kwargs, policy, service)
