"""limiter.json (spec 6)."""

from cases.common import toml
from reference.limiter import Limiter
from reference.policy import load_policy


def acquire_all(*waiters):
    return [("acquire", w) for w in waiters]


NO_JITTER = toml("[default]", 'jitter = "none"')  # probe delays 50ms, 100ms, 200ms, ...

LIMITER_CASES = [
    # name, policy text, seed, events
    ("initial_limit_then_queue", NO_JITTER, "1", acquire_all(1, 2, 3, 4)),
    (
        "slow_start_grows_one_per_success_to_max_limit",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "max_limit = 5"),
        "1",
        [
            *acquire_all(*range(1, 11)),
            ("connected", 1),
            ("connected", 2),
            ("connected", 3),
            ("connected", 4),
            ("connected", 5),
            ("released", None),
            ("connected", 6),
        ],
    ),
    (
        "rejection_sets_limit_to_in_use_keeps_the_turn_and_late_successes_win_back",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 4"),
        "7",
        [
            *acquire_all(*range(1, 8)),
            ("connected", 1),
            ("connected", 2),
            ("rejected", 5),
            ("connected", 3),
            ("rejected", 6),
        ],
    ),
    (
        "a_rejection_amid_a_burst_does_not_strand_the_slots_that_then_connect",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 6"),
        "3",
        [
            *acquire_all(*range(1, 9)),
            ("rejected", 1),
            *[("connected", w) for w in range(2, 7)],
            ("released", None),
        ],
    ),
    (
        "close_hands_the_slot_to_the_head_at_once",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 1"),
        "1",
        [
            *acquire_all(1, 2, 3),
            ("connected", 1),
            ("rejected", 2),
            ("released", None),
            ("connected", 2),
            ("released", None),
        ],
    ),
    (
        "full_server_probed_one_at_a_time_on_the_backoff_schedule",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 1"),
        "1",
        [
            *acquire_all(1, 2, 3),
            ("rejected", 1),
            ("probe", None),
            ("rejected", 1),
            ("probe", None),
            ("rejected", 1),
            ("probe", None),
            ("acquire", 4),
            ("rejected", 1),
        ],
    ),
    (
        "probe_success_raises_the_limit_and_restarts_the_schedule",
        toml("[default]", "[default.limiter]", "initial_limit = 1"),  # full jitter: seeded delays
        "12345",
        [
            *acquire_all(1, 2, 3),
            ("rejected", 1),
            ("probe", None),
            ("rejected", 1),
            ("probe", None),
            ("connected", 1),
            ("probe", None),
            ("connected", 2),
            ("released", None),
        ],
    ),
    (
        "successful_probes_in_a_row_double_the_growth_and_a_rejection_ends_the_streak",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 1"),
        "1",
        [
            *acquire_all(*range(1, 13)),
            ("connected", 1),
            ("rejected", 2),
            ("probe", None),
            ("connected", 2),  # streak 1: one more than in use
            ("connected", 3),  # not a probe, and slow start is over: no growth
            ("probe", None),
            ("connected", 4),  # streak 2: three more
            ("connected", 5),
            ("rejected", 6),  # the streak ends; the limit is what is held and in flight
            ("connected", 7),
            ("probe", None),
            ("connected", 6),  # streak 1 again
        ],
    ),
    (
        "a_rejection_keeps_the_attempts_still_in_flight_in_the_limit",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 6"),
        "5",
        [
            *acquire_all(*range(1, 10)),
            ("connected", 1),
            ("rejected", 2),  # 1 held, 4 in flight: limit 5, not 1
            ("connected", 3),
            ("connected", 4),
            ("rejected", 5),  # 3 held, 1 in flight: limit 4
            ("connected", 6),
            ("released", None),
        ],
    ),
    (
        "max_limit_caps_probes_too",
        toml(
            "[default]",
            'jitter = "none"',
            "[default.limiter]",
            "initial_limit = 1",
            "max_limit = 2",
        ),
        "1",
        [
            *acquire_all(1, 2, 3, 4),
            ("connected", 1),  # slow start: 2 granted, and the cap is reached
            ("probe", None),  # armed before the cap: fires, grants nothing, re-arms nothing
            ("released", None),
            ("rejected", 3),  # one held, under the cap: the probe timer arms again
            ("probe", None),
            ("connected", 3),
            ("released", None),
        ],
    ),
    (
        "leaving_frees_a_queued_place_or_an_attempts_slot",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 1"),
        "1",
        [*acquire_all(1, 2, 3), ("left", 2), ("left", 1), ("left", 3)],
    ),
    (
        "a_probe_that_leaves_lets_the_next_timer_arm",
        toml("[default]", 'jitter = "none"', "[default.limiter]", "initial_limit = 1"),
        "1",
        [
            *acquire_all(1, 2),
            ("rejected", 1),
            ("probe", None),
            ("left", 1),
            ("probe", None),
            ("connected", 2),
        ],
    ),
]


def storm_events(text, seed, clients, capacity):
    """The events of a storm on a server with `capacity` slots, played in a fixed
    order: resolve the oldest attempt, else close the oldest connection, else fire
    the probe timer. Every client connects once and closes."""
    limiter = Limiter(load_policy(text, None), int(seed))
    events, attempts, holders, armed = [], [], [], False

    def play(event, waiter=None):
        nonlocal armed
        events.append((event, waiter))
        act = getattr(limiter, event)
        granted, probe_in = act(waiter) if waiter is not None else act()
        attempts.extend(granted)
        armed = (armed and event != "probe") or probe_in is not None

    for client in range(1, clients + 1):
        play("acquire", client)
    while attempts or holders or armed:
        if attempts:
            waiter = attempts.pop(0)
            if len(holders) < capacity:
                holders.append(waiter)
                play("connected", waiter)
            else:
                play("rejected", waiter)
        elif holders:
            holders.pop(0)
            play("released")
        else:
            play("probe")
    return events


STORMS = [
    # name, policy text, seed, clients, server capacity
    (
        "storm_of_twelve_on_a_server_of_four",
        toml("[default]", 'initial_delay = "10ms"'),
        "2024",
        12,
        4,
    ),
    (
        "storm_of_twenty_on_a_server_of_three_decorrelated",
        toml("[default]", 'jitter = "decorrelated"', "[default.limiter]", "initial_limit = 4"),
        "99",
        20,
        3,
    ),
    (
        "storm_capped_by_max_limit",
        toml("[default]", "[default.limiter]", "max_limit = 2"),
        "5",
        8,
        6,
    ),
]


def limiter_cases():
    cases = []
    storms = [(n, t, seed, storm_events(t, seed, c, cap)) for n, t, seed, c, cap in STORMS]
    for name, text, seed, events in LIMITER_CASES + storms:
        limiter = Limiter(load_policy(text, None), int(seed))
        steps = []
        for event, waiter in events:
            act = getattr(limiter, event)
            granted, probe_in = act(waiter) if waiter is not None else act()
            step = {
                "event": event,
                "expect": {"granted": granted, "probe_in": probe_in, **limiter.state()},
            }
            if waiter is not None:
                step["waiter"] = waiter
            steps.append(step)
        cases.append({"name": name, "policy": text, "seed": seed, "steps": steps})
    return cases
