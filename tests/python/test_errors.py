"""Every error connguard itself raises is a ConnguardError, exported from the package."""

from __future__ import annotations

import pytest

import connguard
from connguard import ConnguardError, Policy, PolicyError, PoolTimeout, QueueTimeout, retry_call


class Connection:
    def close(self) -> None:
        pass


def test_an_invalid_policy_is_a_connguard_error_and_still_a_value_error() -> None:
    with pytest.raises(ConnguardError) as raised:
        connguard.load_policy("/nonexistent/connguard.toml")
    assert isinstance(raised.value, PolicyError) and isinstance(raised.value, ValueError)


def test_waiting_out_the_deadline_at_the_gate_raises_an_exported_queue_timeout() -> None:
    policy = Policy.from_dict(
        {"deadline": "200ms", "limiter": {"initial_limit": 1, "max_limit": 1}}
    )
    target = "mariadb://app:secret@errors-test.invalid:3306/main"
    held = retry_call(policy, Connection, target=target)  # the gate's only slot
    try:
        with pytest.raises(QueueTimeout) as raised:
            retry_call(policy, Connection, target=target)
    finally:
        held.close()
    assert isinstance(raised.value, ConnguardError)
    assert "secret" not in str(raised.value)


def test_pool_timeout_is_a_connguard_error() -> None:
    assert issubclass(PoolTimeout, ConnguardError)
    assert {"ConnguardError", "QueueTimeout", "PoolTimeout", "PolicyError"} <= set(
        connguard.__all__
    )
