"""The shared conformance vectors (tests/vectors/), run through the Python binding."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import vector_cases
from connguard import Decision, PolicyError, PolicySet, _native, classify


def _policy(case: dict[str, Any]) -> _native.Policy:
    policies = PolicySet.parse(case["policy"], "vector.toml")
    return policies.service(case["service"]) if case["service"] else policies.defaults


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


SPLITMIX = vector_cases("splitmix64")
CLASSIFICATION = vector_cases("classification")
EFFECTIVE = vector_cases("effective_policy")
DECISION = vector_cases("decision")
INVALID = vector_cases("invalid_policy")
LIMITER = vector_cases("limiter")


@pytest.mark.parametrize("case", SPLITMIX, ids=_ids(SPLITMIX))
def test_splitmix64(case: dict[str, Any]) -> None:
    outputs = _native.SplitMix64(int(case["seed"]))
    assert [str(outputs.next()) for _ in case["outputs"]] == case["outputs"]
    units = _native.SplitMix64(int(case["seed"]))
    assert [units.next_unit() for _ in case["units"]] == case["units"]


@pytest.mark.parametrize("case", CLASSIFICATION, ids=_ids(CLASSIFICATION))
def test_classification(case: dict[str, Any]) -> None:
    assert classify(case["code"], _policy(case)) == case["class"]


@pytest.mark.parametrize("case", EFFECTIVE, ids=_ids(EFFECTIVE))
def test_effective_policy(case: dict[str, Any]) -> None:
    effective = _policy(case).to_dict()
    assert effective.keys() == case["expect"].keys()
    for key, expected in case["expect"].items():
        if isinstance(expected, float):
            assert effective[key] == pytest.approx(expected, abs=1e-12), key
        else:
            assert effective[key] == expected, key


@pytest.mark.parametrize("case", DECISION, ids=_ids(DECISION))
def test_decision(case: dict[str, Any]) -> None:
    decision = Decision(_policy(case), int(case["seed"]))
    for index, step in enumerate(case["steps"]):
        where = f"step {index}"
        expect = step["expect"]
        if "success" in step:
            assert decision.after_success() == expect["attempts"], where
            continue
        verdict = decision.after_failure(step["fail"], step["elapsed"])
        if "retry" in expect:
            assert verdict.retry, where
            assert verdict.delay == pytest.approx(expect["retry"], abs=1e-9), where
        else:
            assert not verdict.retry, where
            assert verdict.reason == expect["give_up"], where


@pytest.mark.parametrize("case", INVALID, ids=_ids(INVALID))
def test_invalid_policy(case: dict[str, Any]) -> None:
    with pytest.raises(PolicyError) as raised:
        _policy(case)
    error = raised.value
    assert (error.kind, error.table, error.key) == (case["kind"], case["table"], case["key"])
    if case["line"] is not None:
        assert error.line == case["line"]
    message = str(error)
    assert "vector.toml" in message
    if error.table:
        assert f"[{error.table}]" in message
    assert error.key in message


@pytest.mark.parametrize("case", LIMITER, ids=_ids(LIMITER))
def test_limiter(case: dict[str, Any]) -> None:
    policy = PolicySet.parse(case["policy"], "vector.toml").defaults
    limiter = _native.Limiter(policy, int(case["seed"]))
    for index, step in enumerate(case["steps"]):
        event = getattr(limiter, step["event"])
        actions = event(step["waiter"]) if "waiter" in step else event()
        expect = step["expect"]
        where = f"step {index + 1}: {step['event']}"
        assert actions.granted == expect["granted"], where
        if expect["probe_in"] is None:
            assert actions.probe_in is None, where
        else:
            assert actions.probe_in == pytest.approx(expect["probe_in"], abs=1e-9), where
        state = {
            "limit": limiter.limit,
            "holding": limiter.holding,
            "in_use": limiter.in_use,
            "queue": limiter.queue,
        }
        assert state == {k: expect[k] for k in state}, where
