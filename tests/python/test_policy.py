"""Loading policies from files and mappings."""

from __future__ import annotations

from pathlib import Path

import pytest

from connguard import Policy, PolicyError, PolicySet, load_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "connguard.toml"


def test_built_in_defaults() -> None:
    policy = Policy()
    assert policy.to_dict() == {
        "max_attempts": 10,
        "deadline": 30.0,
        "connect_timeout": 5.0,
        "initial_delay": 0.05,
        "max_delay": 5.0,
        "multiplier": 2.0,
        "jitter": "full",
        "retry_on": [],
        "never_retry": [],
        "limiter": {"enabled": True, "initial_limit": 2, "max_limit": 1000},
    }


def test_example_policy_loads_for_every_service() -> None:
    policies = PolicySet.load(EXAMPLE)
    assert policies.service_names
    for name in policies.service_names:
        assert load_policy(EXAMPLE, name).service == name


def test_unknown_service_lists_the_defined_ones(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[service.web]\n[service.worker]\n")
    with pytest.raises(PolicyError) as raised:
        load_policy(path, "sheduler")
    assert raised.value.kind == "unknown_service"
    assert "web" in str(raised.value) and "worker" in str(raised.value)


def test_missing_file_is_an_io_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as raised:
        load_policy(tmp_path / "absent.toml")
    assert raised.value.kind == "io"
    assert "absent.toml" in str(raised.value)


def test_from_dict_validates_like_a_file() -> None:
    policy = Policy.from_dict({"deadline": "2m", "multiplier": 3, "retry_on": (1205,)})
    assert (policy.deadline, policy.multiplier, policy.retry_on) == (120.0, 3.0, [1205])
    with pytest.raises(PolicyError) as raised:
        Policy.from_dict({"deadline": 30})
    error = raised.value
    assert (error.kind, error.file, error.table, error.key) == (
        "bad_duration",
        "<dict>",
        "default",
        "deadline",
    )
    assert '"250ms"' in str(error)


def test_from_dict_rejects_values_toml_cannot_hold() -> None:
    with pytest.raises(TypeError, match=r"default\.deadline"):
        Policy.from_dict({"deadline": object()})


def test_from_dict_errors_are_policy_errors_for_big_ints_and_lone_surrogates() -> None:
    cases: list[tuple[dict[str, object], str, str, str]] = [
        ({"max_attempts": 2**70}, "out_of_range", "default", "max_attempts"),
        ({"retry_on": [1040, -(2**64)]}, "out_of_range", "default", "retry_on"),
        ({"limiter": {"max_limit": 2**63}}, "out_of_range", "default.limiter", "max_limit"),
        ({"jitter": "\ud800"}, "bad_choice", "default", "jitter"),
        ({"x\ud800": 1}, "unknown_key", "default", "x\\ud800"),
    ]
    for keys, kind, table, key in cases:
        with pytest.raises(PolicyError) as raised:
            Policy.from_dict(keys)
        assert (raised.value.kind, raised.value.table, raised.value.key) == (kind, table, key)


def test_a_nul_in_a_key_is_escaped_and_the_message_is_whole() -> None:
    with pytest.raises(PolicyError) as raised:
        PolicySet.parse('[default]\n"a\\u0000b" = 1\n', "p.toml")
    assert raised.value.key == "a\0b"
    assert str(raised.value).startswith("p.toml:2: [default] a\\u0000b: unknown key (allowed: ")
    assert str(raised.value).endswith("never_retry and the table limiter)")
