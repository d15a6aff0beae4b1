"""Loading a policy file (docs/spec.md section 1); validation is the C++ engine's."""

from __future__ import annotations

from os import PathLike

from connguard._native import Policy, PolicySet
from connguard._native import load_policy as _load_policy

__all__ = ["Policy", "PolicySet", "load_policy"]


def load_policy(path: str | PathLike[str], service: str | None = None) -> Policy:
    """The effective policy of ``service`` (``None``: the ``[default]`` table) in ``path``.

    Raises :class:`connguard.PolicyError` naming file, line, table and key on
    any invalid content; a service the file does not define is an error too.
    """
    return _load_policy(path, service or "")
