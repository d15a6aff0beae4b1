"""Loading a policy file (docs/spec.md section 1); validation is the C++ engine's."""

from __future__ import annotations

import functools
import os
from os import PathLike

from connguard._native import Policy, PolicySet
from connguard._native import load_policy as _load_policy

__all__ = ["POLICY_ENV", "SERVICE_ENV", "Policy", "PolicySet", "load_policy", "resolve_policy"]

POLICY_ENV = "CONNGUARD_POLICY"
SERVICE_ENV = "CONNGUARD_SERVICE"


def load_policy(path: str | PathLike[str], service: str | None = None) -> Policy:
    """The effective policy of ``service`` (``None``: the ``[default]`` table) in ``path``.

    Raises :class:`connguard.PolicyError` naming file, line, table and key on
    any invalid content; a service the file does not define is an error too.
    """
    return _load_policy(path, service or "")


@functools.lru_cache(maxsize=64)
def _load_cached(path: str, service: str, mtime_ns: int) -> Policy:
    # mtime in the key: an edited file is read again, an unchanged one never.
    return _load_policy(path, service)


def resolve_policy(policy: Policy | None = None, service: str | None = None) -> Policy:
    """The policy an adapter uses when given ``policy`` (maybe ``None``) and ``service``.

    ``policy`` itself when given; else the file named by ``$CONNGUARD_POLICY``
    for ``service`` (or ``$CONNGUARD_SERVICE``); else the built-in defaults.
    """
    if policy is not None:
        return policy
    path = os.environ.get(POLICY_ENV)
    if not path:
        return Policy()
    name = service or os.environ.get(SERVICE_ENV) or ""
    try:
        mtime_ns = os.stat(path).st_mtime_ns
    except OSError:
        mtime_ns = -1  # let the loader report the unreadable file as a PolicyError
    return _load_cached(path, name, mtime_ns)


def service_name(policy: Policy, service: str | None) -> str:
    """The service to name in log lines: the caller's, else the policy's, else the env's."""
    return service or policy.service or os.environ.get(SERVICE_ENV) or ""
