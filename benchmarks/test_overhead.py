"""Success-path overhead of retry_call against a bare call and tenacity (`make bench`).

A benchmark, not a test: it prints figures and asserts nothing about time.
Compare the rows of one run: (retry_call - bare) is what connguard adds.
"""

from __future__ import annotations

from typing import Any

import tenacity

from connguard import Policy, retry_call

POLICY = Policy()
RETRYING = tenacity.Retrying()


def connect() -> int:
    return 1


def test_bare_call(benchmark: Any) -> None:
    assert benchmark(connect) == 1


def test_connguard_retry_call(benchmark: Any) -> None:
    assert benchmark(retry_call, POLICY, connect) == 1


def test_tenacity_retrying(benchmark: Any) -> None:
    assert benchmark(RETRYING, connect) == 1
