"""decision.json (spec 4)."""

from cases.common import U64_MAX, toml
from reference.decision import Decision
from reference.policy import load_policy

# A case: name, policy text, service, seed, the failures of the call, how it
# must end ("success", "fatal", "attempts" or "deadline"; asserted), and
# either explicit elapsed times or an attempt duration from which the elapsed
# time of each failure is derived (t_k = t_(k-1) + d_(k-1) + attempt).

NET = None  # a network error

DEFAULT_TEXT = toml("[default]")


def decision(
    name,
    policy,
    failures,
    ends,
    seed="1234567",
    service=None,
    elapsed=None,
    attempt=0.02,
    boundary=False,
):
    """boundary=True allows t + d to lie within 1e-6 s of the deadline (else asserted
    against, so that rounding differences between languages cannot flip an outcome)."""
    return dict(
        name=name,
        policy=policy,
        service=service,
        seed=seed,
        failures=failures,
        ends=ends,
        elapsed=elapsed,
        attempt=attempt,
        boundary=boundary,
    )


def jitter_policy(kind, *extra):
    return toml("[default]", f'jitter = "{kind}"', *extra)


INHERIT = toml(
    "[default]",
    "max_attempts = 4",
    'initial_delay = "100ms"',
    'jitter = "none"',
    "retry_on = [1205]",
    "",
    "[service.batch]",
    "max_attempts = 6",
    'jitter = "equal"',
    "retry_on = [1213]",
    "",
    "[service.plain]",
)

DECISION_CASES = [
    # every jitter kind over several retries, same seed: one u per retry for all kinds
    decision("full_jitter_capacity_then_success", jitter_policy("full"), [1040] * 6, "success"),
    decision("equal_jitter_capacity_then_success", jitter_policy("equal"), [1040] * 6, "success"),
    decision(
        "decorrelated_jitter_capacity_then_success",
        jitter_policy("decorrelated"),
        [1040] * 6,
        "success",
    ),
    decision("none_jitter_capacity_then_success", jitter_policy("none"), [1040] * 6, "success"),
    decision("builtin_defaults_full_jitter_until_attempts", "", [2013] * 10, "attempts"),
    decision(
        "equal_jitter_until_attempts",
        jitter_policy("equal", "max_attempts = 8"),
        [2003] * 8,
        "attempts",
        seed="987654321",
    ),
    decision(
        "decorrelated_until_attempts_seed_zero",
        jitter_policy("decorrelated", "max_attempts = 9"),
        [1203] * 9,
        "attempts",
        seed="0",
    ),
    decision(
        "decorrelated_u64_max_seed",
        jitter_policy("decorrelated"),
        [2006] * 5,
        "success",
        seed=U64_MAX,
    ),
    decision(
        "full_jitter_u64_max_seed", jitter_policy("full"), [9001] * 5, "success", seed=U64_MAX
    ),
    # the max_delay cap
    decision(
        "none_reaches_max_delay_cap",
        jitter_policy(
            "none",
            'initial_delay = "100ms"',
            'max_delay = "1s"',
            'deadline = "1m"',
            "max_attempts = 9",
        ),
        [1040] * 9,
        "attempts",
    ),
    decision(
        "full_reaches_max_delay_cap",
        jitter_policy("full", 'initial_delay = "200ms"', 'max_delay = "1.5s"', 'deadline = "1m"'),
        [2013] * 10,
        "attempts",
    ),
    decision(
        "equal_reaches_max_delay_cap",
        jitter_policy("equal", 'initial_delay = "250ms"', 'max_delay = "1s"', 'deadline = "1m"'),
        [2013] * 8,
        "success",
    ),
    decision(
        "decorrelated_reaches_max_delay_cap",
        jitter_policy(
            "decorrelated", 'initial_delay = "100ms"', 'max_delay = "300ms"', 'deadline = "1m"'
        ),
        [1040] * 10,
        "attempts",
        seed="7",
    ),
    decision(
        "decorrelated_ignores_multiplier",
        jitter_policy("decorrelated", "multiplier = 7.5", 'deadline = "1m"'),
        [1040] * 6,
        "success",
    ),
    # multipliers
    decision(
        "multiplier_one_none_constant",
        jitter_policy("none", "multiplier = 1.0", 'initial_delay = "300ms"'),
        [1040] * 5,
        "success",
    ),
    decision(
        "multiplier_one_full",
        jitter_policy("full", "multiplier = 1", 'initial_delay = "300ms"'),
        [1040] * 5,
        "success",
        seed="31337",
    ),
    decision(
        "multiplier_1_5_none",
        jitter_policy("none", "multiplier = 1.5", 'initial_delay = "10ms"', 'max_delay = "10s"'),
        [2013] * 8,
        "success",
    ),
    decision(
        "multiplier_1_7_equal",
        jitter_policy("equal", "multiplier = 1.7", 'initial_delay = "30ms"', 'max_delay = "10s"'),
        [2013] * 8,
        "success",
    ),
    decision("multiplier_3_full", jitter_policy("full", "multiplier = 3"), [1203] * 6, "success"),
    # the deadline
    decision(
        "deadline_exactly_reached_gives_up",
        jitter_policy("none", 'initial_delay = "1s"', 'max_delay = "10s"', 'deadline = "7s"'),
        [1040] * 3,
        "deadline",
        elapsed=[0.25, 1.5, 3.0],
        boundary=True,
    ),
    decision(
        "deadline_just_missed_retries",
        jitter_policy("none", 'initial_delay = "1s"', 'max_delay = "10s"', 'deadline = "7s"'),
        [1040] * 3,
        "success",
        elapsed=[0.25, 1.5, 2.75],
    ),
    decision(
        "deadline_before_first_retry",
        jitter_policy("none", 'deadline = "1ms"'),
        [2003],
        "deadline",
        elapsed=[0.0005],
    ),
    decision(
        "deadline_full_jitter",
        jitter_policy("full", 'deadline = "2s"', 'initial_delay = "100ms"'),
        [1040] * 5,
        "deadline",
        attempt=0.1,
    ),
    decision(
        "deadline_equal_jitter",
        jitter_policy("equal", 'deadline = "1.5s"'),
        [2013] * 5,
        "deadline",
        attempt=0.05,
    ),
    decision(
        "deadline_decorrelated",
        jitter_policy(
            "decorrelated", 'deadline = "3s"', 'initial_delay = "200ms"', 'max_delay = "2s"'
        ),
        [2013] * 7,
        "deadline",
        seed="99",
    ),
    decision(
        "deadline_long_connect_attempts",
        jitter_policy("none", 'deadline = "10s"'),
        [NET] * 2,
        "deadline",
        attempt=5.0,
    ),
    # max_attempts
    decision(
        "max_attempts_1_retryable_gives_up_attempts",
        toml("[default]", "max_attempts = 1"),
        [1040],
        "attempts",
    ),
    decision(
        "max_attempts_1_network_gives_up_attempts",
        toml("[default]", "max_attempts = 1"),
        [NET],
        "attempts",
    ),
    decision(
        "max_attempts_1_fatal_gives_up_fatal",
        toml("[default]", "max_attempts = 1"),
        [1045],
        "fatal",
    ),
    decision(
        "max_attempts_3", toml("[default]", "max_attempts = 3"), [2013, 2013, 2013], "attempts"
    ),
    decision(
        "fatal_checked_before_attempts",
        toml("[default]", "max_attempts = 2"),
        [1040, 1045],
        "fatal",
    ),
    decision(
        "max_attempts_3_success_on_last",
        toml("[default]", "max_attempts = 3"),
        [2013, 2013],
        "success",
    ),
    # fatal codes
    decision("access_denied_first_attempt_fatal", DEFAULT_TEXT, [1045], "fatal"),
    decision("host_blocked_fatal_after_retries", DEFAULT_TEXT, [2003, 2003, 1129], "fatal"),
    decision("unknown_database_fatal", DEFAULT_TEXT, [1049], "fatal"),
    decision("unlisted_code_fatal", DEFAULT_TEXT, [NET, 1064], "fatal"),
    # network errors
    decision("network_errors_then_success", DEFAULT_TEXT, [NET] * 4, "success"),
    decision(
        "network_errors_until_attempts",
        toml("[default]", "max_attempts = 5", 'jitter = "equal"'),
        [NET] * 5,
        "attempts",
    ),
    # retry_on / never_retry
    decision(
        "retry_on_makes_1205_retryable",
        toml("[default]", "retry_on = [1205]"),
        [1205, 1205],
        "success",
    ),
    decision("without_retry_on_1205_is_fatal", DEFAULT_TEXT, [1205], "fatal"),
    decision(
        "retry_on_makes_1045_retryable",
        toml("[default]", "retry_on = [1045]", "max_attempts = 3"),
        [1045] * 3,
        "attempts",
    ),
    decision(
        "never_retry_makes_1040_fatal",
        toml("[default]", "never_retry = [1040]"),
        [2013, 1040],
        "fatal",
    ),
    decision(
        "never_retry_wins_over_retry_on",
        toml("[default]", "retry_on = [1040, 1205]", "never_retry = [1040]"),
        [1205, 1040],
        "fatal",
    ),
    decision(
        "never_retry_does_not_touch_network",
        toml("[default]", "never_retry = [2002, 2003]"),
        [NET, NET],
        "success",
    ),
    # service inheritance
    decision(
        "service_overrides_jitter_and_attempts", INHERIT, [1040] * 6, "attempts", service="batch"
    ),
    decision("service_inherits_initial_delay", INHERIT, [1040] * 3, "success", service="batch"),
    decision(
        "service_retry_on_replaced_not_merged", INHERIT, [1213, 1205], "fatal", service="batch"
    ),
    decision("default_policy_of_inheritance_file", INHERIT, [1205, 1040, 1040, 1040], "attempts"),
    decision(
        "empty_service_inherits_default",
        INHERIT,
        [1205, 1040, 1040, 1040],
        "attempts",
        service="plain",
    ),
    # success and mixed sequences
    decision("success_first_attempt", DEFAULT_TEXT, [], "success"),
    decision("success_after_two_attempts", DEFAULT_TEXT, [2002], "success"),
    decision(
        "mixed_codes_then_success",
        toml("[default]", "retry_on = [1213]"),
        [1040, NET, 2013, 1203, 9001, 1213, 1053, 1927],
        "success",
        seed="20240601",
    ),
    decision(
        "mixed_codes_then_fatal",
        jitter_policy("decorrelated"),
        [1158, 1159, 1160, 1161, 2055, 1135, 1041, 1226, 2059],
        "fatal",
        seed="5",
    ),
    decision(
        "mixed_codes_until_attempts",
        jitter_policy("equal", "max_attempts = 6"),
        [2006, 1040, NET, 1203, 2013, 9001],
        "attempts",
        seed="18446744073709551614",
    ),
]


def decision_steps(policy, seed, failures, elapsed, attempt, boundary):
    call, steps, t = Decision(policy, int(seed)), [], 0.0
    for i, code in enumerate(failures):
        t = elapsed[i] if elapsed else t + attempt
        call.drawn = None
        outcome = call.failed(code, t)
        if call.drawn is not None and not boundary:
            assert abs(t + call.drawn - policy["deadline"]) > 1e-6, (
                "t + d too close to the deadline"
            )
        steps.append({"fail": code, "elapsed": t, "expect": outcome})
        if "give_up" in outcome:
            return steps, outcome["give_up"] if i == len(failures) - 1 else "early " + outcome[
                "give_up"
            ]
        t += outcome["retry"]
    steps.append({"success": True, "expect": call.succeeded()})
    return steps, "success"


def decision_cases():
    cases = []
    for c in DECISION_CASES:
        policy = load_policy(c["policy"], c["service"])
        try:
            steps, end = decision_steps(
                policy, c["seed"], c["failures"], c["elapsed"], c["attempt"], c["boundary"]
            )
        except AssertionError as error:
            raise AssertionError(f"{c['name']}: {error}") from None
        assert end == c["ends"], f"{c['name']}: ends with {end}, not {c['ends']}"
        cases.append(
            {
                "name": c["name"],
                "policy": c["policy"],
                "service": c["service"],
                "seed": c["seed"],
                "steps": steps,
            }
        )
    return cases
