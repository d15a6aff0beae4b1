"""A fresh per-call decision (docs/spec.md section 4), seeded from the OS."""

from __future__ import annotations

import os
import random

from connguard._native import Decision, Policy

__all__ = ["Decision", "new_decision", "new_seed"]

_seeds = random.Random()
# A forked worker must not replay its parent's jitter: that would line the
# workers' retries up into the very bursts jitter exists to spread.
os.register_at_fork(after_in_child=_seeds.seed)


def new_seed() -> int:
    """A fresh 64-bit seed (for a call's decision, a limiter's probes)."""
    return _seeds.getrandbits(64)


def new_decision(policy: Policy) -> Decision:
    """The decision state of one call, with its own random seed."""
    return Decision(policy, new_seed())
