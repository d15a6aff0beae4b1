"""call.json (spec 7): each case is one call driven as a runner would drive it.

A case's script says what the world does at each turn (an attempt's outcome and
how long it took, when the gate grants, a cancellation); ``drive`` plays it
against the reference with a fake clock and records every event the runner
feeds the call and every action the call answers. How the call must end is
written by hand and asserted.
"""

from cases.common import toml
from reference.call import Call, CallError
from reference.policy import load_policy

NET = None  # a network error: no server code
NO_JITTER = toml("[default]", 'jitter = "none"')  # delays 50ms, 100ms, 200ms, ...
SHORT = toml("[default]", 'jitter = "none"', 'deadline = "1s"', 'connect_timeout = "400ms"')
FEW = toml("[default]", 'jitter = "none"', "max_attempts = 3")
FULL = toml("[default]", "max_attempts = 6")  # full jitter: the seed matters
LISTS = toml("[default]", 'jitter = "none"', "retry_on = [1205]", "never_retry = [1040]")
SERVICE = toml(
    "[default]",
    'jitter = "none"',
    "",
    "[service.api]",
    'deadline = "2s"',
    'connect_timeout = "1500ms"',
    'initial_delay = "300ms"',
)
# A limiter switched off is still a call without a gate: the runner decides.
NO_LIMITER = toml("[default]", 'jitter = "none"', "[default.limiter]", "enabled = false")


def ok(took=0.01):
    return ("ok", took)


def fail(code, took=0.01):
    return ("fail", code, took)


def timeout():
    return ("timeout",)


def grant(after=0.0):
    return ("grant", after)


def expire():
    return ("expire",)


def cancel(after=0.0):
    return ("cancel", after)


def bad(event):
    return ("bad", event)


def drive(policy, seed, gated, script):
    """The steps of one call: [{"event", "t", "code"?, "expect"}], and how it ended."""
    call = Call(policy, int(seed), gated)
    steps = []
    t = 0.0
    script = list(script)

    def feed(event, code=None, has_code=False):
        step = {"event": event}
        if event != "start":
            step["t"] = t
        if has_code:
            step["code"] = code
        try:
            step["expect"] = call.event(event, t, code)
        except CallError:
            step["expect"] = {"error": True}
        steps.append(step)
        return step["expect"]

    actions = feed("start")
    while True:
        if script and script[0][0] == "bad":
            (_, event), *rest = script
            assert not rest, rest
            answer = feed(event, None, event == "failed")
            return steps, "error" if isinstance(answer, dict) else "accepted"
        if isinstance(actions, dict):
            return steps, "error"
        last = actions[-1]["do"] if actions else "left"
        if last in ("done", "give_up") or not actions:
            ended = (
                last
                if last == "done"
                else f"give_up:{actions[-1]['reason']}"
                if actions
                else "left"
            )
            assert not script, f"script left over: {script}"
            return steps, ended
        turn = script.pop(0)
        if turn[0] == "cancel":
            t += turn[1]
            actions = feed("abandoned")
            return steps, "abandoned"
        if last == "wait":
            if turn[0] == "expire":
                t = max(t, actions[-1]["until"])
                actions = feed("expired")
            else:
                assert turn[0] == "grant", turn
                t += turn[1]
                actions = feed("granted")
        elif last == "attempt":
            if turn[0] == "timeout":
                t += actions[-1]["timeout"]
                actions = feed("failed", NET, True)
            elif turn[0] == "ok":
                t += turn[1]
                actions = feed("succeeded")
            else:
                assert turn[0] == "fail", turn
                t += turn[2]
                actions = feed("failed", turn[1], True)
        else:
            assert last == "sleep", last
            assert turn[0] == "wake", turn
            t += actions[-1]["delay"] + turn[1]
            actions = feed("woke")


def wake(late=0.0):
    """The sleep ends, ``late`` seconds after it was due (a busy machine oversleeps)."""
    return ("wake", late)


def case(name, policy, script, ends, gated=False, seed="1234567", service=None):
    return dict(
        name=name, policy=policy, script=script, ends=ends, gated=gated, seed=seed, service=service
    )


# Every scenario runs without a gate and with one; the script differs only
# where the gate answers (grant/expire) or a capacity refusal queues.
# fmt: off
CALL_CASES = [
    # --- success ---------------------------------------------------------
    case("first_attempt", NO_JITTER, [ok()], "done"),
    case("first_attempt_gated", NO_JITTER, [grant(), ok()], "done", gated=True),
    case("granted_after_a_wait", NO_JITTER, [grant(2.5), ok()], "done", gated=True),
    case("transient_then_ok", NO_JITTER, [fail(2013), wake(), ok()], "done"),
    case(
        "transient_then_ok_gated",
        NO_JITTER,
        [grant(), fail(2013), wake(), grant(), ok()],
        "done",
        gated=True,
    ),
    case("network_twice_then_ok", NO_JITTER, [fail(NET), wake(), fail(NET), wake(), ok()], "done"),
    case("capacity_then_ok", NO_JITTER, [fail(1040), wake(), ok()], "done"),
    case(
        "capacity_queues_gated",
        NO_JITTER,
        [grant(), fail(1040), grant(0.3), ok()],
        "done",
        gated=True,
    ),
    case(
        "capacity_twice_queued_gated",
        NO_JITTER,
        [grant(), fail(1040), grant(0.2), fail(1203), grant(0.7), ok()],
        "done",
        gated=True,
    ),
    case(
        "capacity_then_transient_gated",
        NO_JITTER,
        [grant(), fail(1040), grant(0.1), fail(2003), wake(), grant(), ok()],
        "done",
        gated=True,
    ),
    case(
        "full_jitter_delays",
        FULL,
        [fail(1040), wake(), fail(2006), wake(), fail(NET), wake(), ok()],
        "done",
    ),
    case(
        "full_jitter_other_seed",
        FULL,
        [fail(1040), wake(), fail(2006), wake(), ok()],
        "done",
        seed="42",
    ),
    case(
        "full_jitter_gated",
        FULL,
        [grant(), fail(2006), wake(), grant(0.05), fail(1040), grant(1), ok()],
        "done",
        gated=True,
    ),
    case("limiter_disabled_sleeps", NO_LIMITER, [fail(1040), wake(), ok()], "done"),
    # --- fatal: the first attempt, whatever the gate ---------------------
    case("fatal_1045", NO_JITTER, [fail(1045)], "give_up:fatal"),
    case("fatal_1045_gated", NO_JITTER, [grant(), fail(1045)], "give_up:fatal", gated=True),
    case("fatal_unknown_code", NO_JITTER, [fail(1064)], "give_up:fatal"),
    case("fatal_after_a_retry", NO_JITTER, [fail(1040), wake(), fail(1049)], "give_up:fatal"),
    case(
        "fatal_after_queueing_gated",
        NO_JITTER,
        [grant(), fail(1040), grant(0.4), fail(1129)],
        "give_up:fatal",
        gated=True,
    ),
    case("never_retry_beats_capacity", LISTS, [fail(1040)], "give_up:fatal"),
    case(
        "never_retry_beats_capacity_gated",
        LISTS,
        [grant(), fail(1040)],
        "give_up:fatal",
        gated=True,
    ),
    case("retry_on_makes_1205_transient", LISTS, [fail(1205), wake(), ok()], "done"),
    case(
        "retry_on_gated_sleeps",
        LISTS,
        [grant(), fail(1205), wake(), grant(), ok()],
        "done",
        gated=True,
    ),
    # --- attempts --------------------------------------------------------
    case(
        "attempts_exhausted",
        FEW,
        [fail(2013), wake(), fail(2013), wake(), fail(2013)],
        "give_up:attempts",
    ),
    case(
        "attempts_exhausted_gated",
        FEW,
        [grant(), fail(2013), wake(), grant(), fail(2013), wake(), grant(), fail(2013)],
        "give_up:attempts",
        gated=True,
    ),
    case(
        "attempts_exhausted_on_capacity_gated",
        FEW,
        [grant(), fail(1040), grant(0.1), fail(1040), grant(0.1), fail(1040)],
        "give_up:attempts",
        gated=True,
    ),
    case(
        "attempts_mixed_codes",
        FEW,
        [fail(1040), wake(), fail(NET), wake(), fail(2002)],
        "give_up:attempts",
    ),
    # --- deadline: decided after a failure -------------------------------
    case(
        "deadline_before_the_sleep",
        SHORT,
        [fail(2013, 0.3), wake(), fail(2013, 0.3), wake(), fail(2013, 0.3)],
        "give_up:deadline",
    ),
    case("deadline_after_a_slow_attempt", SHORT, [fail(2013, 0.99)], "give_up:deadline"),
    case(
        "deadline_after_capacity_gated",
        SHORT,
        [grant(0.9), fail(1040, 0.09)],
        "give_up:deadline",
        gated=True,
    ),
    case(
        "deadline_of_the_service",
        SERVICE,
        [fail(2013, 0.5), wake(), fail(2013, 0.9)],
        "give_up:deadline",
        service="api",
    ),
    # --- deadline: in the gate's queue -----------------------------------
    case("expired_never_admitted_gated", NO_JITTER, [expire()], "give_up:deadline", gated=True),
    case(
        "expired_after_capacity_gated",
        NO_JITTER,
        [grant(), fail(1040), expire()],
        "give_up:deadline",
        gated=True,
    ),
    case(
        "expired_after_transient_gated",
        NO_JITTER,
        [grant(), fail(2013), wake(), expire()],
        "give_up:deadline",
        gated=True,
    ),
    case(
        "expired_short_deadline_gated",
        SHORT,
        [grant(0.2), fail(1040, 0.1), expire()],
        "give_up:deadline",
        gated=True,
    ),
    case("granted_at_the_deadline_gated", SHORT, [grant(1.0)], "give_up:deadline", gated=True),
    case(
        "granted_after_capacity_at_the_deadline_gated",
        SHORT,
        [grant(), fail(1040), grant(0.99)],
        "give_up:deadline",
        gated=True,
    ),
    case("woken_after_the_deadline", SHORT, [fail(2013, 0.9), wake(late=0.2)], "give_up:deadline"),
    case("woken_after_the_deadline_gated", SHORT, [grant(), fail(2013, 0.9), wake(late=0.2)],
         "give_up:deadline", gated=True),
    # --- the attempt cap: min(connect_timeout, time left) ----------------
    case("attempt_cap_is_connect_timeout", SHORT, [timeout(), wake(), ok()], "done"),
    case(
        "attempt_cap_shrinks_to_the_deadline",
        SHORT,
        [timeout(), wake(), fail(2013, 0.35), wake(), timeout()],
        "give_up:deadline",
    ),
    case("attempt_cap_gated", SHORT, [grant(0.7), timeout()], "give_up:deadline", gated=True),
    case("attempt_cap_of_the_service", SERVICE, [timeout(), wake(), ok()], "done", service="api"),
    case(
        "attempt_cap_of_the_service_shrinks",
        SERVICE,
        [fail(2003, 0.1), wake(), timeout()],
        "give_up:deadline",
        service="api",
    ),
    case(
        "hanging_server_every_attempt_capped",
        SHORT,
        [timeout(), wake(), timeout(), wake(), timeout()],
        "give_up:deadline",
    ),
    # --- cancellation (or an attempt that raised something else) ---------
    case("cancelled_while_attempting", NO_JITTER, [cancel(0.2)], "abandoned"),
    case(
        "cancelled_while_attempting_gated",
        NO_JITTER,
        [grant(), cancel(0.2)],
        "abandoned",
        gated=True,
    ),
    case("cancelled_while_waiting_gated", NO_JITTER, [cancel(3)], "abandoned", gated=True),
    case(
        "cancelled_while_queued_after_capacity_gated",
        NO_JITTER,
        [grant(), fail(1040), cancel(0.5)],
        "abandoned",
        gated=True,
    ),
    case("cancelled_while_sleeping", NO_JITTER, [fail(2013), cancel(0.01)], "abandoned"),
    case(
        "cancelled_while_sleeping_gated",
        NO_JITTER,
        [grant(), fail(2013), cancel(0.01)],
        "abandoned",
        gated=True,
    ),
    # --- events a runner must never send ---------------------------------
    case("succeeded_before_an_attempt_gated", NO_JITTER, [bad("succeeded")], "error", gated=True),
    case("granted_without_a_gate_wait", NO_JITTER, [bad("granted")], "error"),
    case("woke_while_attempting", NO_JITTER, [bad("woke")], "error"),
    case("expired_while_attempting", NO_JITTER, [bad("expired")], "error"),
    case("failed_while_sleeping", NO_JITTER, [fail(2013), bad("failed")], "error"),
    case(
        "granted_while_sleeping_gated",
        NO_JITTER,
        [grant(), fail(2013), bad("granted")],
        "error",
        gated=True,
    ),
    case("start_twice", NO_JITTER, [bad("start")], "error"),
    case("abandoned_after_done", NO_JITTER, [ok(), bad("abandoned")], "error"),
]
# fmt: on

# A storm as one caller sees it: refused, queued, refused again, then in.
CALL_CASES += [
    case(
        f"storm_caller_{i}",
        FULL,
        [grant(0.01 * i)] + [fail(1040, 0.005), grant(0.05 * i)] * i + [ok()],
        "done",
        gated=True,
        seed=str(1000 + i),
    )
    for i in range(1, 6)
]


def call_cases():
    out = []
    for c in CALL_CASES:
        policy = load_policy(c["policy"], c["service"])
        steps, ended = drive(policy, c["seed"], c["gated"], c["script"])
        assert ended == c["ends"], f"{c['name']}: ended {ended}, expected {c['ends']}"
        out.append(
            {
                "name": c["name"],
                "policy": c["policy"],
                "service": c["service"],
                "seed": c["seed"],
                "gated": c["gated"],
                "steps": steps,
            }
        )
    return out
