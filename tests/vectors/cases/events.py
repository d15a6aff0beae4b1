"""events.json (spec 8.1): the events of scripted calls, one caller, in test mode."""

from cases.common import toml
from reference.events import observe
from reference.policy import load_policy

NET = None  # a network error: no server code
DEFAULT = toml("[default]")
FEW = toml("[default]", "max_attempts = 3")
ELEVEN = toml("[default]", "max_attempts = 11")
ONE_SLOT = toml("[default]", "[default.limiter]", "initial_limit = 1", "max_limit = 1")

EVENT_CASES = [
    # name, policy, gated, script, how it ends (asserted against the reference)
    ("first_attempt", DEFAULT, False, ["ok"], "connected"),
    ("capacity_then_network_then_ok", DEFAULT, False, [1040, NET, "ok"], "connected"),
    ("fatal_on_the_first_attempt", DEFAULT, False, [1045], "give_up"),
    ("out_of_attempts", FEW, False, [1040, 1040, 1040], "give_up"),
    ("ten_retries", ELEVEN, False, [2013] * 10 + ["ok"], "connected"),
    ("gated_first_attempt_then_close", DEFAULT, True, ["ok", "close"], "connected"),
    ("gated_capacity_waits_for_a_probe", DEFAULT, True, [1040, "ok", "close"], "connected"),
    ("gated_capacity_twice", DEFAULT, True, [1040, 1040, "ok"], "connected"),
    ("gated_transient_sleeps_and_rejoins", DEFAULT, True, [2013, NET, "ok"], "connected"),
    ("gated_capacity_out_of_attempts", FEW, True, [1040, 1203, 1040], "give_up"),
    ("gated_fatal", DEFAULT, True, [1045], "give_up"),
    ("gated_at_max_limit", ONE_SLOT, True, ["ok", "close"], "connected"),
]


def event_cases():
    cases = []
    for name, text, gated, script, ends in EVENT_CASES:
        events, left = observe(load_policy(text, None), gated, script)
        assert not left, f"{name}: script left over: {left}"
        assert events[-1][0] in (ends, "released"), (name, events[-1])
        cases.append(
            {"name": name, "policy": text, "gated": gated, "script": script, "events": events}
        )
    return cases
