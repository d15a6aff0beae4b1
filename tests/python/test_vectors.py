"""The shared conformance vectors (tests/vectors/), run through the Python binding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import vector_cases
from connguard import Decision, PolicyError, PolicySet, _native, classify, mask_dsn


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
CALL = vector_cases("call")
ERROR_CODES = vector_cases("error_codes")
REPORT = vector_cases("report")


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


# The fields spec 7 gives each kind of action, as call.json writes them.
_ACTION_FIELDS = {
    "wait": ("until",),
    "attempt": ("timeout",),
    "sleep": ("delay",),
    "retry": ("attempt", "max_attempts", "code", "class", "delay", "elapsed"),
    "give_up": ("reason", "attempts", "elapsed", "code", "class", "attempted"),
    "done": ("attempts", "elapsed"),
}


def _action_dict(action: _native.Action) -> dict[str, Any]:
    fields = _ACTION_FIELDS.get(action.do, ())
    attribute = {"class": "error_class"}
    return {"do": action.do} | {f: getattr(action, attribute.get(f, f)) for f in fields}


def _same(actual: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    assert actual.keys() == expected.keys(), where
    for key, value in expected.items():
        if isinstance(value, float):
            assert actual[key] == pytest.approx(value, abs=1e-9), f"{where}: {key}"
        else:
            assert actual[key] == value, f"{where}: {key}"


def _event(call: _native.Call, step: dict[str, Any]) -> list[_native.Action]:
    name = step["event"]
    if name == "start":
        return call.start()
    if name == "failed":
        return call.failed(step["t"], step["code"])
    event: Callable[[float], list[_native.Action]] = getattr(call, name)
    return event(step["t"])


@pytest.mark.parametrize("case", CALL, ids=_ids(CALL))
def test_call(case: dict[str, Any]) -> None:
    call = _native.Call(_policy(case), int(case["seed"]), case["gated"])
    for index, step in enumerate(case["steps"]):
        where = f"step {index + 1}: {step['event']}"
        expect = step["expect"]
        if isinstance(expect, dict):
            assert expect == {"error": True}, where
            phase, attempts = call.phase, call.attempts
            with pytest.raises(_native.CallError):
                _event(call, step)
            assert (call.phase, call.attempts) == (phase, attempts), where
            continue
        actions = _event(call, step)
        assert len(actions) == len(expect), f"{where}: {actions}"
        for number, (action, expected) in enumerate(zip(actions, expect, strict=True), 1):
            _same(_action_dict(action), expected, f"{where}, action {number}")


@pytest.mark.parametrize("case", ERROR_CODES, ids=_ids(ERROR_CODES))
def test_error_code(case: dict[str, Any]) -> None:
    info = _native.code_info(case["code"])
    assert info is not None
    entry = (info.code, info.name, info.error_class, info.meaning, info.advice)
    assert entry == (case["code"], case["symbol"], case["class"], case["meaning"], case["advice"])
    by_name = _native.code_info(case["symbol"])
    assert by_name is not None and by_name.code == case["code"]


def test_error_code_table_holds_no_other_entries() -> None:
    # Every code an error packet can carry (2 bytes).
    table = [code for code in range(0x10000) if _native.code_info(code) is not None]
    assert table == sorted(case["code"] for case in ERROR_CODES)


@pytest.mark.parametrize("case", REPORT, ids=_ids(REPORT))
def test_report(case: dict[str, Any]) -> None:
    fields, expect = case["fields"], case["expect"]
    service, target, message = case["service"], case["target"], case["message"]
    if case["record"] == "queue_timeout":
        line = _native.queue_timeout_message(
            target, fields["waited"], fields["holding"], fields["limit"]
        )
        assert line == expect["line"]
        return
    action = _native.Action(
        case["record"],
        **{"error_class" if key == "class" else key: value for key, value in fields.items()},
    )
    if case["record"] == "retry":
        assert _native.retry_line(service, target, action, message) == expect["line"]
        return
    assert _native.give_up_line(service, target, action, message) == expect["line"]
    assert _native.give_up_summary(service, target, action) == expect["summary"]


MASK = vector_cases("mask")


@pytest.mark.parametrize("case", MASK, ids=[case["name"] for case in MASK])
def test_mask(case: dict[str, Any]) -> None:
    assert mask_dsn(case["text"]) == case["expect"]
